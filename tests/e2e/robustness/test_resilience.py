"""Failures never leave a user stuck: a crash in a handler gets an apology, blocking is noticed."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import select

from bot.db.models import Person
from bot.services import families
from tests.conftest import ADMIN_ID
from tests.harness import BotHarness


async def test_a_crashing_handler_apologises_and_the_bot_goes_on(
    app: BotHarness, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    admin = await app.admin(ADMIN_ID, first_name="Секретное Имя")

    secret = "Секретное Имя wrote something private"

    async def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError(secret)

    monkeypatch.setattr(families, "list_page", broken)
    app.expect_errors = True
    with caplog.at_level(logging.INFO):
        await admin.send_command("families")
    assert "у нас что-то пошло не так" in admin.last_text()
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "RuntimeError" in logged and "update " in logged
    assert "Секретное Имя" not in logged and "private" not in logged, logged
    monkeypatch.undo()
    await admin.send_command("start")
    assert "Что хотите сделать?" in admin.last_text()


async def test_blocking_and_unblocking_the_bot_is_recorded(app: BotHarness) -> None:
    admin = await app.admin(ADMIN_ID)
    await admin.block()
    async with app.sessionmaker() as session:
        person = await session.scalar(select(Person).where(Person.telegram_id == ADMIN_ID))
        assert person is not None and person.blocked_at is not None
    await admin.unblock()
    async with app.sessionmaker() as session:
        person = await session.scalar(select(Person).where(Person.telegram_id == ADMIN_ID))
        assert person is not None and person.blocked_at is None


async def test_group_messages_are_ignored_and_store_nothing(app: BotHarness) -> None:
    await app.fake.send_raw_update(
        {
            "message": {
                "message_id": 1,
                "date": 1795417200,
                "chat": {"id": -100123, "type": "supergroup", "title": "Группа"},
                "from": {"id": 4242, "is_bot": False, "first_name": "Гость"},
                "text": "/start",
                "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
            }
        }
    )
    assert not app.fake.calls_of("sendMessage")
    async with app.sessionmaker() as session:
        assert await session.scalar(select(Person)) is None
