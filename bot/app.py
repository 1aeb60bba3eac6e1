"""Running the bot: long polling by default, webhook when WEBHOOK_URL is set."""

from __future__ import annotations

import asyncio
import logging
import secrets
import uuid

from aiogram import Bot, Dispatcher
from aiogram.webhook.aiohttp_server import SimpleRequestHandler, setup_application
from aiohttp import web

from bot import notifications  # noqa: F401  (registers the message kinds)
from bot.clock import SystemClock
from bot.commands import publish_default_commands
from bot.config import Settings
from bot.content import Content
from bot.db.engine import create_engine
from bot.db.migrate import upgrade_async
from bot.delivery.sender import OutboxSender
from bot.factory import create_bot, create_dispatcher
from bot.i18n import Translator
from bot.scheduler import create_scheduler

log = logging.getLogger(__name__)


async def healthz(_request: web.Request) -> web.Response:
    return web.json_response({"ok": True})


def create_sender(bot: Bot, dp: Dispatcher, settings: Settings) -> OutboxSender:
    i18n = dp["i18n"]
    return OutboxSender(
        bot,
        dp["sessionmaker"],
        dp["clock"],
        settings,
        translator_factory=lambda locale: Translator(i18n, locale),
        worker_id=f"bot-{uuid.uuid4().hex[:8]}",
    )


async def run(settings: Settings) -> None:
    bot = create_bot(settings)  # fails first, with a clear line, when BOT_TOKEN is missing
    content = Content()  # a broken content file stops the start with its name
    await upgrade_async(settings.database_url)
    engine = create_engine(settings.database_url)
    dp, _bg = create_dispatcher(settings, engine, clock=SystemClock(), content=content)
    sender = create_sender(bot, dp, settings)
    scheduler = create_scheduler(sender.run_once)

    async def on_startup() -> None:
        me = await bot.me()
        log.info(
            "bot @%s starting (%s)", me.username, "webhook" if settings.use_webhook else "polling"
        )
        await publish_default_commands(bot, dp["i18n"])
        scheduler.start()

    async def on_shutdown() -> None:
        scheduler.shutdown(wait=False)
        await engine.dispose()

    dp.startup.register(on_startup)
    dp.shutdown.register(on_shutdown)
    try:
        if settings.use_webhook:
            await _run_webhook(bot, dp, settings)
        else:
            await bot.delete_webhook(drop_pending_updates=False)
            await dp.start_polling(bot, handle_signals=True)
    finally:
        await bot.session.close()


async def _run_webhook(bot: Bot, dp: Dispatcher, settings: Settings) -> None:
    secret = (
        settings.webhook_secret.get_secret_value()
        if settings.webhook_secret
        else secrets.token_urlsafe(32)
    )
    app = web.Application()
    app.router.add_get("/healthz", healthz)
    # aiogram checks X-Telegram-Bot-Api-Secret-Token on every request when secret_token is set.
    SimpleRequestHandler(dispatcher=dp, bot=bot, secret_token=secret).register(
        app, path=settings.webhook_path
    )
    setup_application(app, dp, bot=bot)

    async def set_webhook(_app: web.Application) -> None:
        url = settings.webhook_url.rstrip("/") + settings.webhook_path  # type: ignore[union-attr]
        await bot.set_webhook(url, secret_token=secret, drop_pending_updates=False)

    app.on_startup.append(set_webhook)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, settings.webhook_host, settings.webhook_port)
    await site.start()
    log.info("webhook server on %s:%s", settings.webhook_host, settings.webhook_port)
    try:
        await asyncio.Event().wait()
    finally:
        await runner.cleanup()
