"""When `CommitBeforeSend` commits the update's session before a Bot API call."""

from __future__ import annotations

from typing import Any

from aiogram.methods import SendMessage
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.clock import ManualClock
from bot.db.current import current_session
from bot.db.engine import create_sessionmaker
from bot.db.models import Person
from bot.middlewares.commit_before_send import CommitBeforeSend, holds_anything
from tests.factories import make_person


async def test_the_update_session_is_committed_before_each_call_that_finds_it_holding_anything(
    engine: AsyncEngine, clock: ManualClock
) -> None:
    calls: list[bool] = []  # what a second session saw of person 7003 at each call
    middleware = CommitBeforeSend()
    method = SendMessage(chat_id=1, text="hi")
    sessions = create_sessionmaker(engine)

    async def make_request(_bot: Any, _method: Any) -> bool:
        async with sessions() as other:
            seen = await other.scalar(select(Person.locale).where(Person.telegram_id == 7003))
        calls.append(seen == "ru")
        return True

    async with sessions() as session:
        token = current_session.set(session)
        try:
            assert not holds_anything(session.sync_session)
            await make_person(session, 7003, now=clock.now())  # written and flushed
            await middleware(make_request, None, method)  # type: ignore[arg-type]
            assert not session.in_transaction()  # committed before the call: the call saw it
            await middleware(make_request, None, method)  # type: ignore[arg-type]

            person = await session.scalar(select(Person).where(Person.telegram_id == 7003))
            assert person is not None and session.in_transaction()  # a read opens one
            await middleware(make_request, None, method)  # type: ignore[arg-type]
            assert not session.in_transaction()  # released: no connection held through a call

            person.locale = "en"  # a change not flushed yet, outside any transaction
            assert holds_anything(session.sync_session)
            await middleware(make_request, None, method)  # type: ignore[arg-type]
            assert not holds_anything(session.sync_session)
        finally:
            current_session.reset(token)
    assert calls == [True, True, True, False]  # the last call came after locale became "en"


async def test_without_an_update_session_nothing_is_committed(engine: AsyncEngine) -> None:
    async def make_request(_bot: Any, _method: Any) -> str:
        return "sent"

    assert current_session.get() is None
    sent = await CommitBeforeSend()(make_request, None, SendMessage(chat_id=1, text="hi"))  # type: ignore[arg-type]
    assert sent == "sent"
