"""Which sessions `CommitBeforeSend` commits before a Bot API call: those that wrote."""

from __future__ import annotations

from typing import Any

from aiogram.methods import SendMessage
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from bot.clock import ManualClock
from bot.db.current import current_session
from bot.db.engine import create_sessionmaker
from bot.db.models import Person
from bot.middlewares.commit_before_send import CommitBeforeSend, has_writes
from tests.factories import make_person


async def test_reads_alone_are_not_writes(session: AsyncSession, clock: ManualClock) -> None:
    await make_person(session, 7001, now=clock.now())
    await session.commit()
    assert not has_writes(session.sync_session)

    person = await session.scalar(select(Person).where(Person.telegram_id == 7001))
    assert person is not None
    person.locale = person.locale  # set to what it holds: no change
    assert not has_writes(session.sync_session)


async def test_pending_flushed_and_statement_writes_count_until_the_transaction_ends(
    session: AsyncSession, clock: ManualClock
) -> None:
    await make_person(session, 7002, now=clock.now())  # added and flushed
    assert has_writes(session.sync_session)
    await session.rollback()
    assert not has_writes(session.sync_session)

    await make_person(session, 7002, now=clock.now())
    await session.commit()
    person = await session.scalar(select(Person).where(Person.telegram_id == 7002))
    assert person is not None
    person.locale = "en"  # not flushed yet
    assert has_writes(session.sync_session)
    await session.commit()
    assert not has_writes(session.sync_session)

    await session.execute(update(Person).where(Person.id == person.id).values(locale="ru"))
    assert has_writes(session.sync_session)
    await session.commit()
    assert not has_writes(session.sync_session)


async def test_the_update_session_commits_before_the_call_only_when_it_wrote(
    engine: AsyncEngine, clock: ManualClock
) -> None:
    calls: list[bool] = []
    middleware = CommitBeforeSend()
    method = SendMessage(chat_id=1, text="hi")

    async def make_request(_bot: Any, _method: Any) -> bool:
        calls.append(True)
        return True

    async with create_sessionmaker(engine)() as session:
        token = current_session.set(session)
        try:
            await make_person(session, 7003, now=clock.now())
            await middleware(make_request, None, method)  # type: ignore[arg-type]
            assert not session.in_transaction()  # committed before the call

            await session.scalar(select(Person.id).where(Person.telegram_id == 7003))
            await middleware(make_request, None, method)  # type: ignore[arg-type]
            assert session.in_transaction()  # a read alone: left open
        finally:
            current_session.reset(token)
    async with create_sessionmaker(engine)() as other:
        assert await other.scalar(select(Person.id).where(Person.telegram_id == 7003))
    assert calls == [True, True]
