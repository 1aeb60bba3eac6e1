"""A step's rows are committed before its screen goes out (bot/middlewares/commit_before_send.py).

Real Bot API calls take ~100 ms. A step that kept its transaction open through them would tell a
person "done" before the rows were safe, and on SQLite would hold the write lock meanwhile, so
every other person's write would wait for that round trip.
"""

from __future__ import annotations

import asyncio
from typing import Any

from aiogram import Bot
from aiogram.methods import EditMessageText, TelegramMethod
from sqlalchemy import select

from bot.db.models import Person, Role
from tests.conftest import ADMIN_ID
from tests.harness import BotHarness

OTHER_ID = 1002


async def locale_of(app: BotHarness, telegram_id: int) -> str | None:
    # A session of its own: it sees only what has been committed.
    async with app.sessionmaker() as session:
        return await session.scalar(select(Person.locale).where(Person.telegram_id == telegram_id))


async def test_the_screen_after_a_change_goes_out_once_the_change_is_committed(
    app: BotHarness,
) -> None:
    admin = await app.admin(ADMIN_ID)
    await admin.send_command("language")
    seen_at_edit: list[str | None] = []
    make_request = app.bot.session.make_request

    async def watching(
        bot: Bot,
        method: TelegramMethod[Any],
        timeout: int | None = None,  # noqa: ASYNC109 - aiogram's interface
    ) -> Any:
        if isinstance(method, EditMessageText):
            seen_at_edit.append(await locale_of(app, ADMIN_ID))
        return await make_request(bot, method, timeout)

    app.bot.session.make_request = watching  # type: ignore[method-assign]
    await admin.press("English")

    assert seen_at_edit == ["en"]
    assert "Hello, Анна!" in admin.last_text()


async def test_a_slow_reply_to_one_person_does_not_hold_up_another_persons_change(
    app: BotHarness,
) -> None:
    admin = await app.admin(ADMIN_ID)
    other = await app.joined(OTHER_ID, await app.invitation(ADMIN_ID, Role.COORDINATOR))
    await admin.send_command("language")
    await other.send_command("language")
    admin_in_call = asyncio.Event()
    telegram_answers_admin = asyncio.Event()
    make_request = app.bot.session.make_request

    async def slow_for_admin(
        bot: Bot,
        method: TelegramMethod[Any],
        timeout: int | None = None,  # noqa: ASYNC109 - aiogram's interface
    ) -> Any:
        if isinstance(method, EditMessageText) and method.chat_id == ADMIN_ID:
            admin_in_call.set()
            await telegram_answers_admin.wait()  # Telegram has not answered yet
        return await make_request(bot, method, timeout)

    app.bot.session.make_request = slow_for_admin  # type: ignore[method-assign]
    admin_press = asyncio.create_task(admin.press("English"))
    await admin_in_call.wait()

    # While the admin's screen is on its way, the other coordinator's change goes through
    # (on SQLite it used to wait for the admin's transaction: "database is locked" after 30 s).
    await other.press("English")
    assert "Hello" in other.last_text()
    assert await locale_of(app, OTHER_ID) == "en"
    assert not admin_press.done()

    telegram_answers_admin.set()
    await admin_press
    assert "Hello, Анна!" in admin.last_text()
    assert await locale_of(app, ADMIN_ID) == "en"
