"""The production entry point, `bot.app.run`, against the fake Telegram served over real HTTP.

Everything here is real: time (real seconds on both sides; the bot's calendar is set to a calm
weekday afternoon, see `calm_clock`), the network, aiogram's aiohttp session, migrations, the
scheduler's delivery job, long polling or the webhook server. Waits are event-driven
(`fake.wait_for`) and every one of them is bounded.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import aiohttp
import pytest

from bot.clock import SystemClock
from tests.conftest import ADMIN_ID, TOKEN, make_settings
from tests.e2e.http_steps import (
    DELIVERY_TIMEOUT,
    REPLY_TIMEOUT,
    WEBHOOK_PATH,
    end_abandoned_long_poll,
    press,
    reply,
    running,
    settings_for,
    unhurried,
)
from tests.faketg import FakeTelegram, serve_http

INTRUDER_ID = 9009


@pytest.mark.parametrize("mode", ["polling", "webhook"])
async def test_onboarding_through_the_production_entry_point(mode: str, tmp_path: Path) -> None:
    fake = FakeTelegram(SystemClock(), token=TOKEN, allow_http_webhook=True)
    async with serve_http(fake) as server:
        settings = settings_for(mode, tmp_path, server.url)
        async with running(settings) as base_url:
            if mode == "webhook":
                assert base_url is not None and base_url == settings.webhook_url
                await check_webhook_guard(fake, base_url)
            else:
                assert base_url is None
                assert fake.webhook is None

            admin = fake.user(ADMIN_ID, first_name="Мария")
            await admin.send_start()
            await reply(fake, admin, lambda t: "Прежде чем начать" in t)
            await press(fake, admin, "✅ Согласен(на)")
            await reply(fake, admin, lambda t: "Что хотите сделать?" in t)

            await admin.send_command("invite")
            await fake.wait_for(lambda: "Наставник" in admin.last().button_texts(), REPLY_TIMEOUT)
            await press(fake, admin, "Наставник")
            await fake.wait_for(
                lambda: "✅ Активного наставника" in admin.last().button_texts(), REPLY_TIMEOUT
            )
            await unhurried(fake, ADMIN_ID, room=2)  # the QR code and a note
            await press(fake, admin, "✅ Активного наставника")
            await fake.wait_for(
                lambda: any(m.kind == "photo" for m in admin.messages()), REPLY_TIMEOUT
            )
            photo = next(m for m in reversed(admin.messages()) if m.kind == "photo")
            caption = photo.caption or ""
            assert "https://t.me/family_test_bot?start=" in caption
            token = caption.split("?start=")[1].split()[0]

            mentor = fake.user(2002, first_name="Олег")
            await mentor.send_start(token)
            await reply(fake, mentor, lambda t: "Прежде чем начать" in t)
            # The mentor's consent queues a notice for the coordinator; the outbox paces its own
            # messages per chat but cannot know about the replies the coordinator just got.
            await unhurried(fake, ADMIN_ID, room=1)
            await press(fake, mentor, "✅ Согласен(на)")
            await reply(fake, mentor, lambda t: "Здравствуйте, Олег" in t)
            assert "➕ Пригласить" not in mentor.last().button_texts()

            # the coordinator hears about it through the outbox, sent by the scheduler's job
            await fake.wait_for(
                lambda: any("Олег принял(а) ваше приглашение" in t for t in admin.texts()),
                DELIVERY_TIMEOUT,
            )

        await end_abandoned_long_poll(fake)
        if mode == "webhook":
            assert not fake.webhook_failures
            # the forged updates never reached a handler: the bot wrote nothing to that chat
            assert not [c for c in fake.calls if c.chat_id == INTRUDER_ID]
    fake.assert_no_violations()
    assert not [c for c in fake.calls if c.status == 429], "flood control was hit"


async def check_webhook_guard(fake: FakeTelegram, base_url: str) -> None:
    assert fake.webhook is not None
    (set_webhook,) = fake.calls_of("setWebhook")
    secret = set_webhook.params.get("secret_token")
    assert secret, "the webhook must be protected by a secret token"
    assert set_webhook.params["url"] == base_url + WEBHOOK_PATH

    intruder = fake.user(INTRUDER_ID)
    forged = {
        "update_id": 424242,
        "message": {
            "message_id": 1,
            "date": 0,
            "chat": intruder.chat_api(),
            "from": intruder.user_api(),
            "text": "/start",
        },
    }
    async with aiohttp.ClientSession() as http:
        for headers in ({}, {"X-Telegram-Bot-Api-Secret-Token": "wrong-" + secret[:8]}):
            async with http.post(base_url + WEBHOOK_PATH, json=forged, headers=headers) as resp:
                assert resp.status in (401, 403), resp.status
        async with http.get(base_url + "/healthz") as resp:
            assert resp.status == 200
            assert await resp.json() == {"ok": True}


async def test_webhook_on_port_zero_reports_the_bound_port(tmp_path: Path) -> None:
    fake = FakeTelegram(SystemClock(), token=TOKEN)
    async with serve_http(fake) as server:
        settings = make_settings(
            f"sqlite+aiosqlite:///{tmp_path}/bot.sqlite3",
            telegram_api_server=server.url,
            webhook_url="https://bot.example.org",  # behind a proxy: the public URL is fixed
            webhook_host="127.0.0.1",
            webhook_port=0,
        )
        async with running(settings) as base_url:
            assert base_url is not None
            host, _, port = base_url.removeprefix("http://").rpartition(":")
            assert host == "127.0.0.1" and int(port) > 0
            async with aiohttp.ClientSession() as http, http.get(base_url + "/healthz") as resp:
                assert resp.status == 200
                assert await resp.json() == {"ok": True}
            (set_webhook,) = fake.calls_of("setWebhook")
            assert set_webhook.params["url"] == "https://bot.example.org/telegram/webhook"
    fake.assert_no_violations()


async def test_failing_job_and_handler_do_not_stop_polling(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot.delivery.sender import OutboxSender
    from bot.handlers import start

    rounds = 0
    recovered = asyncio.Event()
    run_once = OutboxSender.run_once

    async def flaky_round(self: OutboxSender) -> int:
        nonlocal rounds
        rounds += 1
        if rounds <= 2:
            raise RuntimeError("database went away")
        recovered.set()
        return await run_once(self)

    failures = iter([RuntimeError("broken content")])
    consent_text = start.consent_text

    def flaky_consent(*args: object, **kwargs: object) -> str:
        if (error := next(failures, None)) is not None:
            raise error
        return consent_text(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(OutboxSender, "run_once", flaky_round)
    monkeypatch.setattr(start, "consent_text", flaky_consent)

    fake = FakeTelegram(SystemClock(), token=TOKEN)
    async with serve_http(fake) as server:
        settings = settings_for("polling", tmp_path, server.url)
        async with running(settings):
            admin = fake.user(ADMIN_ID)
            await admin.send_start()
            await reply(fake, admin, lambda t: "что-то пошло не так" in t)
            await admin.send_start()  # still polling: the next update is handled as usual
            await reply(fake, admin, lambda t: "Прежде чем начать" in t)
            # the job failed twice and kept running on its schedule
            async with asyncio.timeout(DELIVERY_TIMEOUT):
                await recovered.wait()
        await end_abandoned_long_poll(fake)
    fake.assert_no_violations()
