"""Settled outbox rows keep no names or texts after OUTBOX_KEEP_DAYS: the daily job drops their
parameters in batches, leaves queued rows, keys, statuses and errors alone (dedup and
/deliveries keep working) and is safe when two replicas run it at once."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.clock import ManualClock
from bot.db.engine import create_sessionmaker
from bot.db.models import OutboxMessage, OutboxStatus, Role
from bot.scheduler.jobs import run_outbox_blanking
from bot.services import deliveries, privacy
from bot.services.outbox import Recipient, enqueue
from tests.conftest import ON_POSTGRES, make_settings
from tests.factories import make_person

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
PARAMS = {"name": "Анна Петрова", "text": "позвоните бабушке"}


@pytest.fixture
async def sessions(engine: AsyncEngine) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    yield create_sessionmaker(engine)


async def _row(
    session: AsyncSession,
    person_id: int,
    n: int,
    status: OutboxStatus,
    due: datetime,
    *,
    sent: datetime | None = None,
    error: str | None = None,
) -> int:
    await enqueue(
        session,
        recipient=Recipient(person_id, 900),
        purpose="test",
        kind="invitation_used",
        params=dict(PARAMS),
        now=due,
        object_type="thing",
        object_id=n,
    )
    row = await session.scalar(select(OutboxMessage).where(OutboxMessage.object_id == n))
    assert row is not None
    await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == row.id)
        .values(status=status.value, sent_at=sent, last_error=error, telegram_message_id=None)
        .execution_options(synchronize_session=False)
    )
    return row.id


async def _params(sessions: async_sessionmaker[AsyncSession]) -> dict[int, dict[str, object]]:
    async with sessions() as session:
        rows = await session.execute(select(OutboxMessage.object_id, OutboxMessage.params))
        return {int(n): dict(p) for n, p in rows.all()}


async def test_settled_rows_lose_their_parameters_after_the_keep_days(
    sessions: async_sessionmaker[AsyncSession], database_url: str
) -> None:
    settings = make_settings(database_url, outbox_keep_days=30)
    old, recent = NOW - timedelta(days=31), NOW - timedelta(days=29)
    async with sessions.begin() as s:
        boss = await make_person(s, 1, Role.COORDINATOR, now=old - timedelta(days=1))
        pid = boss.person_id
        await _row(s, pid, 1, OutboxStatus.SENT, old, sent=old)
        await _row(s, pid, 2, OutboxStatus.FAILED, old, error="bad request: chat not found")
        await _row(s, pid, 3, OutboxStatus.BLOCKED, old, error="recipient blocked the bot")
        await _row(s, pid, 4, OutboxStatus.CANCELLED, old, error="no longer needed")
        # Sent recently although due long ago (held, retried): kept until 30 days after it went.
        await _row(s, pid, 5, OutboxStatus.SENT, old, sent=recent)
        await _row(s, pid, 6, OutboxStatus.SENT, recent, sent=recent)
        # Not settled: still to be rendered, whatever their age.
        await _row(s, pid, 7, OutboxStatus.PENDING, old)
        await _row(s, pid, 8, OutboxStatus.CLAIMED, old)
        await _row(s, pid, 9, OutboxStatus.SENDING, old)

    assert await run_outbox_blanking(sessions, ManualClock(NOW), settings) == 4
    params = await _params(sessions)
    assert {n for n, p in params.items() if p == {}} == {1, 2, 3, 4}
    assert all(params[n] == PARAMS for n in (5, 6, 7, 8, 9))

    async with sessions() as s:
        kept = {int(r.object_id or 0): r for r in await s.scalars(select(OutboxMessage))}
    assert (kept[1].status, kept[1].sent_at) == ("sent", old)
    assert kept[2].last_error == "bad request: chat not found" and kept[2].status == "failed"
    assert kept[3].status == "blocked" and kept[4].status == "cancelled"
    assert all(r.dedup_key for r in kept.values())

    # The key stays: queuing the same message again is still a no-op.
    async with sessions.begin() as s:
        again = await enqueue(
            s,
            recipient=Recipient(pid, 900),
            purpose="test",
            kind="invitation_used",
            params=dict(PARAMS),
            now=NOW,
            object_type="thing",
            object_id=1,
        )
    assert again is False

    # A second run has nothing left to do; a month later the rest goes too.
    assert await run_outbox_blanking(sessions, ManualClock(NOW), settings) == 0
    assert await run_outbox_blanking(sessions, ManualClock(NOW + timedelta(days=2)), settings) == 2
    assert {n for n, p in (await _params(sessions)).items() if p == {}} == {1, 2, 3, 4, 5, 6}


async def test_deliveries_still_show_a_blanked_failure(
    sessions: async_sessionmaker[AsyncSession], database_url: str
) -> None:
    settings = make_settings(database_url, outbox_keep_days=1)
    two_days_ago = NOW - timedelta(days=2)
    async with sessions.begin() as s:
        boss = await make_person(s, 1, Role.COORDINATOR, now=two_days_ago)
        row_id = await _row(
            s, boss.person_id, 1, OutboxStatus.FAILED, two_days_ago, error="timeout"
        )
    assert await run_outbox_blanking(sessions, ManualClock(NOW), settings) == 1
    async with sessions.begin() as s:
        seen = await deliveries.overview(s, boss, NOW)
    assert seen.failed == 1
    [failure] = seen.latest_failed
    assert (failure.outbox_id, failure.reason, failure.first_name) == (
        row_id,
        deliveries.Reason.TIMEOUT,
        "P1",
    )


async def test_batches_cover_every_row_once(
    sessions: async_sessionmaker[AsyncSession],
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(privacy, "OUTBOX_BATCH", 3)
    settings = make_settings(database_url)
    old = NOW - timedelta(days=40)
    async with sessions.begin() as s:
        boss = await make_person(s, 1, Role.COORDINATOR, now=old)
        for n in range(1, 11):
            status = OutboxStatus.PENDING if n % 4 == 0 else OutboxStatus.SENT
            await _row(s, boss.person_id, n, status, old, sent=old)
    assert await run_outbox_blanking(sessions, ManualClock(NOW), settings) == 8
    params = await _params(sessions)
    assert {n for n, p in params.items() if p} == {4, 8}


@pytest.mark.skipif(not ON_POSTGRES, reason="two replicas at once: PostgreSQL row locks")
async def test_two_replicas_at_once_blank_every_row_without_errors(
    sessions: async_sessionmaker[AsyncSession],
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(privacy, "OUTBOX_BATCH", 7)
    settings = make_settings(database_url)
    old = NOW - timedelta(days=40)
    async with sessions.begin() as s:
        boss = await make_person(s, 1, Role.COORDINATOR, now=old)
        for n in range(1, 201):
            await _row(s, boss.person_id, n, OutboxStatus.SENT, old, sent=old)
    other = create_sessionmaker(sessions.kw["bind"])
    results = await asyncio.gather(
        run_outbox_blanking(sessions, ManualClock(NOW), settings),
        run_outbox_blanking(other, ManualClock(NOW), settings),
    )
    assert sum(results) == 200  # each row blanked by one of them
    assert all(p == {} for p in (await _params(sessions)).values())
