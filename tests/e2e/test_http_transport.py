"""The production entry point, `bot.app.run`, against the fake Telegram served over real HTTP.

Everything here is real: time (real seconds on both sides; the bot's calendar is set to a calm
weekday afternoon, see `calm_clock`), the network, aiogram's aiohttp session, migrations, the
scheduler's delivery job, long polling or the webhook server. Waits are event-driven
(`fake.wait_for`) and every one of them is bounded.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bot.app import run
from bot.clock import Clock, ShiftedClock, SystemClock
from bot.config import Settings
from tests.conftest import ADMIN_ID, TOKEN, make_settings
from tests.faketg import FakeTelegram, FakeUser, serve_http

START_TIMEOUT = 15.0
REPLY_TIMEOUT = 10.0
DELIVERY_TIMEOUT = 10.0  # the delivery job runs every second
STOP_TIMEOUT = 15.0
WEBHOOK_PATH = "/telegram/webhook"
INTRUDER_ID = 9009


# A Wednesday, 13:00 in Moscow (the tests' zone): no weekly digest is due and no quiet hours
# hold. On the wall clock, a Monday morning's digest would land in the middle of a test.
CALM_MOMENT = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)


def calm_clock() -> ShiftedClock:
    """Real seconds from CALM_MOMENT; a test shares it with the bot for what it sets up itself."""
    return ShiftedClock.starting_at(CALM_MOMENT)


def free_port() -> int:
    # The webhook URL has to name the port before the bot binds it (see the port-0 test below
    # for reading a port the OS picked); a port the OS just handed out is free in practice.
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@asynccontextmanager
async def running(settings: Settings, clock: Clock | None = None) -> AsyncIterator[str | None]:
    """Run the bot as production does (at `calm_clock()` unless given a clock); yield what
    `ready` reports; stop it cleanly after."""
    stop = asyncio.Event()
    ready: asyncio.Future[str | None] = asyncio.get_running_loop().create_future()
    task = asyncio.create_task(run(settings, stop=stop, ready=ready, clock=clock or calm_clock()))
    try:
        started: set[asyncio.Future[Any]] = {task, ready}
        done, _ = await asyncio.wait(
            started, timeout=START_TIMEOUT, return_when=asyncio.FIRST_COMPLETED
        )
        if task in done:
            task.result()  # the real error of a failed start
            raise AssertionError("run() returned before the bot was ready")
        assert ready in done, f"the bot was not ready within {START_TIMEOUT} s"
        yield ready.result()
    finally:
        stop.set()
        await asyncio.wait({task}, timeout=STOP_TIMEOUT)
        if not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
            raise AssertionError(f"run() did not stop within {STOP_TIMEOUT} s of the stop event")
        task.result()  # a crash of the bot surfaces here, even when the test failed first


async def reply(fake: FakeTelegram, user: FakeUser, predicate: Callable[[str], bool]) -> None:
    """Wait until a bot message the user can see satisfies predicate."""
    await fake.wait_for(lambda: any(predicate(t) for t in user.texts()), REPLY_TIMEOUT)


async def unhurried(fake: FakeTelegram, chat_id: int, room: int) -> None:
    """Real people read before they tap: wait until the chat can take `room` more messages.

    The fake enforces Telegram's per-chat flood control in real time here, and some taps make the
    bot send two messages; a script tapping within milliseconds would be flood-limited where a
    person never is. This waits out exactly the fake's window, no fixed delay.
    """
    wait = fake.seconds_until_room(chat_id, room)
    if wait > 0:
        await asyncio.sleep(wait + 0.05)


async def press(fake: FakeTelegram, user: FakeUser, button: str) -> None:
    """Tap an inline button; wait until the bot answered the callback query."""
    query_id = await user.press(button)
    await fake.wait_for(lambda: fake.callback_answer(query_id) is not None, REPLY_TIMEOUT)


def settings_for(mode: str, tmp_path: Path, api_server: str, **overrides: object) -> Settings:
    values: dict[str, object] = {"telegram_api_server": api_server}
    if mode == "webhook":
        port = free_port()
        values |= {
            "webhook_url": f"http://127.0.0.1:{port}",
            "webhook_host": "127.0.0.1",
            "webhook_port": port,
            "webhook_path": WEBHOOK_PATH,
        }
    values |= overrides
    return make_settings(f"sqlite+aiosqlite:///{tmp_path}/bot.sqlite3", **values)


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
            await unhurried(fake, ADMIN_ID, room=2)  # the QR code and a note
            await press(fake, admin, "Наставник")
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


async def end_abandoned_long_poll(fake: FakeTelegram) -> None:
    """The stopped bot's last getUpdates is still waiting on the fake's side.

    The fake's aiohttp server does not cancel a handler when its client goes away, so closing the
    server would wait out the long poll (aiogram asks for 10 s). A newer getUpdates supersedes it
    at once, as on Telegram (the abandoned one gets the usual 409, which nobody reads).
    """
    if fake.long_polls_waiting:
        status, _ = await fake.handle("getUpdates", {"timeout": 0})
        assert status == 200
        await fake.wait_for(lambda: not fake.long_polls_waiting, 5)


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
