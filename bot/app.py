"""Running the bot: long polling by default, webhook when WEBHOOK_URL is set."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import uuid
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.webhook.aiohttp_server import SimpleRequestHandler, setup_application
from aiohttp import web

from bot import notifications  # noqa: F401  (registers the message kinds)
from bot.clock import Clock, SystemClock
from bot.commands import publish_default_commands
from bot.config import Settings
from bot.content import Content
from bot.db.engine import create_engine
from bot.db.migrate import upgrade_async
from bot.delivery.sender import OutboxSender
from bot.factory import create_bot, create_dispatcher
from bot.i18n import Translator
from bot.scheduler import create_scheduler, stop_gently

log = logging.getLogger(__name__)

SHUTDOWN_GRACE_SECONDS = 30.0  # a delivery round in flight may finish within this


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
        content=dp["content"],
    )


async def run(
    settings: Settings,
    *,
    stop: asyncio.Event,
    ready: asyncio.Future[str | None] | None = None,
    clock: Clock | None = None,
) -> None:
    """Run until `stop` is set (the CLI sets it on SIGINT/SIGTERM), then shut down cleanly.

    `ready`, if given, is resolved
    once the bot is up: with the webhook server's local base URL (``http://host:port``, with the
    real port when WEBHOOK_PORT=0), or with None when polling. `clock` is the system clock
    unless a test sets the calendar (see `bot.clock.ShiftedClock`).
    """
    clock = clock or SystemClock()
    bot = create_bot(settings, clock=clock)  # fails first, clearly, when BOT_TOKEN is missing
    content = Content()  # a broken content file stops the start with its name
    try:
        await upgrade_async(settings.database_url)
        engine = create_engine(settings.database_url)
        dp, _bg = create_dispatcher(settings, engine, clock=clock, content=content)
        sender = create_sender(bot, dp, settings)
        rounds: set[asyncio.Task[Any]] = set()

        async def deliver() -> int:
            task = asyncio.current_task()
            assert task is not None
            rounds.add(task)
            try:
                return await sender.run_once()
            finally:
                rounds.discard(task)

        # Delivery rounds and domain scans in flight: a shutdown lets them finish.
        scheduler = create_scheduler(
            deliver,
            sessionmaker=dp["sessionmaker"],
            clock=dp["clock"],
            settings=settings,
            content=dp["content"],
            in_flight=rounds,
        )

        async def on_startup() -> None:
            me = await bot.me()
            log.info(
                "bot @%s starting (%s)",
                me.username,
                "webhook" if settings.use_webhook else "polling",
            )
            await publish_default_commands(bot, dp["i18n"])
            scheduler.start()
            if ready is not None and not settings.use_webhook and not ready.done():
                ready.set_result(None)

        async def on_shutdown() -> None:
            # Updates being handled finish first: they may still reply and save a form's state.
            await dp["in_flight"].wait(SHUTDOWN_GRACE_SECONDS)
            # No new rounds; those in flight may finish (stopping a delivery midway would leave
            # a message "sending", which the outbox never sends twice; a scan cut short would
            # only log a cancellation, but there is no reason to).
            await stop_gently(scheduler, rounds, SHUTDOWN_GRACE_SECONDS)
            # Exports and charts someone is waiting for get the same grace.
            await dp["background"].wait(grace=SHUTDOWN_GRACE_SECONDS)
            await engine.dispose()

        dp.startup.register(on_startup)
        dp.shutdown.register(on_shutdown)
        if settings.use_webhook:
            await _run_webhook(bot, dp, settings, stop, ready)
        else:
            await bot.delete_webhook(drop_pending_updates=False)
            await _poll(bot, dp, stop)
    finally:
        if ready is not None and not ready.done():
            ready.cancel()
        await bot.session.close()


async def _poll(bot: Bot, dp: Dispatcher, stop: asyncio.Event) -> None:
    polling = asyncio.create_task(dp.start_polling(bot, handle_signals=False))
    tasks = [polling, asyncio.create_task(stop.wait())]
    try:
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        if not polling.done():
            # stop_polling raises aiogram's stop signal; polling then runs the shutdown hooks.
            # Wait for polling itself: if the startup hooks fail, stop_polling never returns.
            tasks.append(asyncio.create_task(dp.stop_polling()))
            await asyncio.wait([polling])
        await polling  # re-raises a failure of the startup hooks or of polling itself
    finally:
        for task in tasks:
            if not task.done():
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task


async def _run_webhook(
    bot: Bot,
    dp: Dispatcher,
    settings: Settings,
    stop: asyncio.Event,
    ready: asyncio.Future[str | None] | None,
) -> None:
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
    runner = web.AppRunner(app)
    await runner.setup()  # runs the dispatcher's startup hooks
    try:
        site = web.TCPSite(runner, settings.webhook_host, settings.webhook_port)
        await site.start()
        host, port = runner.addresses[0][:2]
        if ":" in host:  # IPv6
            host = f"[{host}]"
        log.info("webhook server on %s:%s", host, port)
        # Only now that the server listens may Telegram start posting to it.
        url = settings.webhook_url.rstrip("/") + settings.webhook_path  # type: ignore[union-attr]
        await bot.set_webhook(url, secret_token=secret, drop_pending_updates=False)
        if ready is not None and not ready.done():
            ready.set_result(f"http://{host}:{port}")
        await stop.wait()
    finally:
        await runner.cleanup()  # runs the dispatcher's shutdown hooks
