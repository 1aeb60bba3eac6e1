"""/deliveries: a coordinator sees what could not be delivered and why; others are refused."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, update

from bot.clock import SystemClock
from bot.db.models import AuditEntry, OutboxMessage, OutboxStatus, Person, Role
from bot.delivery import sender
from bot.handlers.deliveries import REASONS
from bot.services.deliveries import Reason, reason_of
from tests.conftest import ADMIN_ID, TOKEN
from tests.e2e.http_steps import (
    end_abandoned_long_poll,
    press,
    reply,
    running,
    settings_for,
)
from tests.e2e.outbox_queue import queue_messages
from tests.faketg import FakeTelegram, serve_http
from tests.faketg.faults import DISCONNECT, HANG, server_error
from tests.harness import BotHarness

MENTOR_ID = 2002
HEADER = "Рассылка за последние 7 дней"
NOT_ALLOWED = (
    "Извините, для вашей роли это недоступно. Что вы можете здесь сделать — подскажет /help, "
    "а с остальным поможет координатор."
)


async def test_failed_deliveries_are_listed_with_their_reasons(app: BotHarness) -> None:
    admin = await app.admin(ADMIN_ID)
    chats = await queue_messages(app.sessionmaker, app.fake, 12)
    broken, silent, dropped, blocked, crashed = chats[:5]
    async with app.sessionmaker.begin() as session:
        await session.execute(
            update(Person).where(Person.telegram_id == broken).values(display_name="<Ира> & Co")
        )
        # a worker died mid-send long ago: its row is found "sending" with an expired lease
        await session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.chat_id == crashed)
            .values(
                status=OutboxStatus.SENDING,
                claimed_by="dead-worker",
                lease_until=app.clock.now() - timedelta(minutes=5),
            )
        )
    app.fake.faults.next("sendMessage", server_error(500), times=5, chats=[broken])
    app.fake.faults.next("sendMessage", HANG, times=5, chats=[silent])
    app.fake.faults.next("sendMessage", DISCONNECT, chats=[dropped])
    app.fake.set_blocked(blocked, True)
    await app.deliver()

    await admin.send_command("deliveries")
    shown = admin.last()
    text = shown.visible_text
    assert HEADER in text
    assert "Ждут отправки: 0" in text
    assert "Не доставлено: 4" in text
    assert "Получатель заблокировал бота: 1" in text
    assert "сбой на серверах Telegram" in text
    assert "Telegram не ответил вовремя" in text
    assert "связь оборвалась во время отправки" in text
    assert "прервано перезапуском бота" in text
    assert "<Ира>" in text and "&lt;Ира&gt;" in (shown.html or "")
    assert "fault.test" in text

    async with app.sessionmaker() as session:
        actions = list(await session.scalars(select(AuditEntry.action)))
    assert "deliveries.view" in actions


async def test_a_mentor_is_refused_and_the_attempt_audited(app: BotHarness) -> None:
    await app.admin(ADMIN_ID)
    mentor = await app.joined(MENTOR_ID, await app.invitation(ADMIN_ID, Role.MENTOR))
    await mentor.send_command("deliveries")
    assert NOT_ALLOWED in mentor.last_text()
    async with app.sessionmaker() as session:
        entries = list(
            await session.scalars(
                select(AuditEntry).where(AuditEntry.actor_telegram_id == MENTOR_ID)
            )
        )
    denied = [e.details for e in entries if e.action == "access.denied"]
    assert denied and all(d and d.get("attempted") == "deliveries.view" for d in denied), denied
    assert not [e for e in entries if e.action == "deliveries.view"]


@pytest.mark.parametrize("mode", ["polling", "webhook"])
async def test_deliveries_over_http(mode: str, tmp_path: Path) -> None:
    fake = FakeTelegram(SystemClock(), token=TOKEN, allow_http_webhook=True)
    async with serve_http(fake) as server:
        async with running(settings_for(mode, tmp_path, server.url)):
            admin = fake.user(ADMIN_ID, first_name="Мария")
            await admin.send_start()
            await reply(fake, admin, lambda t: "Прежде чем начать" in t)
            await press(fake, admin, "✅ Согласен(на)")
            await reply(fake, admin, lambda t: "Что хотите сделать?" in t)
            await admin.send_command("deliveries")
            await reply(fake, admin, lambda t: HEADER in t and "всё доставлено" in t)
        await end_abandoned_long_poll(fake)
    fake.assert_no_violations()


@pytest.mark.parametrize(
    ("last_error", "reason"),
    [
        (sender.INTERRUPTED, Reason.INTERRUPTED),
        (sender.DROPPED, Reason.DROPPED),
        (sender.TIMEOUT, Reason.TIMEOUT),
        (f"{sender.SERVER_ERROR}: Bad Gateway", Reason.SERVER),
        (f"{sender.NETWORK_ERROR}: ClientConnectorError: refused", Reason.NETWORK),
        (sender.CHAT_NOT_FOUND, Reason.CHAT_NOT_FOUND),
        (sender.RECIPIENT_BLOCKED, Reason.BLOCKED),
        (sender.UNKNOWN_KIND, Reason.RENDER),
        ("render: KeyError", Reason.RENDER),
        ("error: RuntimeError", Reason.OTHER),
        ("Bad Request: message is too long", Reason.BAD_REQUEST),
        (None, Reason.OTHER),
    ],
)
def test_every_reason_the_sender_writes_has_plain_words(
    last_error: str | None, reason: Reason
) -> None:
    found, detail = reason_of(last_error)
    assert found is reason
    assert (detail is not None) == (reason is Reason.BAD_REQUEST)
    assert reason in REASONS
