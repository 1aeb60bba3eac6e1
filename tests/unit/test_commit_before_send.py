"""When `CommitBeforeSend` commits the update's session before a Bot API call."""

from __future__ import annotations

from typing import Any

import pytest
from aiogram.methods import SendMessage
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from bot.clock import ManualClock
from bot.db.current import current_session
from bot.db.engine import create_sessionmaker
from bot.db.models import Person
from bot.middlewares.commit_before_send import CommitBeforeSend, has_writes
from tests.factories import make_person

SEND = SendMessage(chat_id=1, text="hi")


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


@pytest.mark.parametrize("release_reads", [False, True])
async def test_the_update_session_commits_before_a_call_after_writes_and_maybe_after_reads(
    engine: AsyncEngine, clock: ManualClock, release_reads: bool
) -> None:
    seen: list[str | None] = []  # person 7003's locale as a second session saw it at each call
    middleware = CommitBeforeSend(release_reads=release_reads)
    sessions = create_sessionmaker(engine)

    async def make_request(_bot: Any, _method: Any) -> bool:
        async with sessions() as other:
            seen.append(await other.scalar(select(Person.locale).where(Person.telegram_id == 7003)))
        return True

    async with sessions() as session:
        token = current_session.set(session)
        try:
            await make_person(session, 7003, now=clock.now())
            await middleware(make_request, None, SEND)  # type: ignore[arg-type]
            assert not session.in_transaction()  # committed before the call: the call saw it

            person = await session.scalar(select(Person).where(Person.telegram_id == 7003))
            assert person is not None
            await middleware(make_request, None, SEND)  # type: ignore[arg-type]
            # A read alone: its connection is handed back only where asked (PostgreSQL).
            assert session.in_transaction() is not release_reads

            person.locale = "en"  # a change not flushed yet
            await middleware(make_request, None, SEND)  # type: ignore[arg-type]
            assert not has_writes(session.sync_session)
        finally:
            current_session.reset(token)
    assert seen == ["ru", "ru", "en"]


async def test_without_an_update_session_nothing_is_committed() -> None:
    async def make_request(_bot: Any, _method: Any) -> str:
        return "sent"

    assert current_session.get() is None
    middleware = CommitBeforeSend(release_reads=True)
    assert await middleware(make_request, None, SEND) == "sent"  # type: ignore[arg-type]
