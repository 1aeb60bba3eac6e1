"""Scheduler jobs' services against a real database: the digest's numbers, the cap on its
lists, alert bookkeeping under two workers, the reminder clock arithmetic."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, time, timedelta
from itertools import count
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.config import Settings
from bot.content import Content
from bot.db.engine import create_sessionmaker
from bot.db.models import (
    Family,
    FamilyLink,
    OutboxMessage,
    Person,
    PersonRole,
    SafetyConcern,
    Visit,
)
from bot.delivery.render import PassthroughTranslator, registry
from bot.notifications.digest import visible_length
from bot.services import concerns, digest, reminders
from tests.conftest import ON_POSTGRES

NOW = datetime(2026, 11, 30, 6, 0, tzinfo=UTC)  # Monday 09:00 in Moscow
TODAY = date(2026, 11, 30)
LONG_AGO = datetime(2026, 9, 1, tzinfo=UTC)

_ids = count(1)


@pytest.fixture
async def sessions(engine: AsyncEngine) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    yield create_sessionmaker(engine)


async def person(session: AsyncSession, name: str, *roles: str, tz: str = "Europe/Moscow") -> int:
    n = next(_ids)
    row = Person(telegram_id=700_000 + n, display_name=name, timezone=tz, created_at=LONG_AGO)
    session.add(row)
    await session.flush()
    for role in roles:
        session.add(PersonRole(person_id=row.id, role=role, granted_at=LONG_AGO))
    return row.id


async def family(
    session: AsyncSession, name: str, *, created: datetime = LONG_AGO, closed: bool = False
) -> int:
    row = Family(
        name=name,
        search_name=name.casefold(),
        category="tzhs",
        support_level="basic",
        timezone="Europe/Moscow",
        created_at=created,
        closed_at=NOW - timedelta(days=3) if closed else None,
    )
    session.add(row)
    await session.flush()
    return row.id


async def mentor_of(
    session: AsyncSession, family_id: int, person_id: int, at: datetime = LONG_AGO
) -> None:
    session.add(FamilyLink(family_id=family_id, person_id=person_id, kind="mentor", created_at=at))


async def visit(
    session: AsyncSession,
    family_id: int,
    mentor_id: int,
    day: date,
    *,
    deleted: bool = False,
    concern_raised: datetime | None = None,
    acknowledged: bool = False,
) -> int:
    row = Visit(
        family_id=family_id,
        mentor_id=mentor_id,
        visit_date=day,
        recorded_at=LONG_AGO,
        format="home",
        duration_minutes=30,
        methods=[],
        help_given=[],
        situation=3,
        concern=concern_raised is not None,
        concern_text="x" if concern_raised else None,
        draft_key=f"unit-{next(_ids)}",
        deleted_at=LONG_AGO if deleted else None,
    )
    session.add(row)
    await session.flush()
    if concern_raised is not None:
        session.add(
            SafetyConcern(
                visit_id=row.id,
                family_id=family_id,
                raised_at=concern_raised,
                alerts_sent=4,
                acknowledged_at=concern_raised if acknowledged else None,
            )
        )
    return row.id


def settings() -> Settings:
    return Settings(_env_file=None, default_timezone="Europe/Moscow")


async def test_digest_numbers_for_known_data(sessions: async_sessionmaker[AsyncSession]) -> None:
    async with sessions.begin() as s:
        await person(s, "Координатор", "coordinator")
        m1 = await person(s, "Мария", "mentor")  # visits regularly
        m2 = await person(s, "Борис <b>", "mentor")  # last visit 10.11
        m3 = await person(s, "Вера", "mentor")  # never visited
        m4 = await person(s, "Глеб", "mentor")  # new: assigned 3 days ago
        m5 = await person(s, "Дина", "mentor")  # only a closed family
        await person(s, "Ева", "mentor")  # no families at all: not counted
        f1 = await family(s, "Альфа")
        f2 = await family(s, "Бета")
        f3 = await family(s, "Гамма")
        f4 = await family(s, "Дельта", created=NOW - timedelta(days=3))
        f5 = await family(s, "Эпсилон", closed=True)
        f6 = await family(s, "Дзета")
        f7 = await family(s, "Эта")
        for fam, who in ((f1, m1), (f6, m1), (f7, m1), (f2, m2), (f3, m3), (f5, m5)):
            await mentor_of(s, fam, who)
        await mentor_of(s, f4, m4, at=NOW - timedelta(days=3))
        await visit(s, f1, m1, date(2026, 11, 20))
        await visit(s, f6, m1, date(2026, 11, 16))  # exactly 14 days ago: not "in 14 days"
        await visit(s, f7, m1, date(2026, 11, 1))
        await visit(s, f7, m1, date(2026, 11, 25), deleted=True)
        await visit(s, f2, m2, date(2026, 11, 10))
        await visit(s, f5, m5, date(2026, 11, 28))
        # Concerns: open and recent; taken on and recent; open and old.
        await visit(s, f1, m1, date(2026, 11, 25), concern_raised=NOW - timedelta(days=5))
        await visit(
            s, f1, m1, date(2026, 11, 24), concern_raised=NOW - timedelta(days=6), acknowledged=True
        )
        await visit(
            s, f2, m2, date(2026, 10, 19), concern_raised=datetime(2026, 10, 20, tzinfo=UTC)
        )
    async with sessions() as s:
        result = await digest.build_digest(s, NOW, settings())
    assert result.today == TODAY and result.days == 14
    assert (result.mentors_idle, result.mentors_total) == (2, 4)
    assert [(i.name, i.day) for i in result.mentors] == [
        ("Вера", None),
        ("Борис <b>", date(2026, 11, 10)),
    ]
    assert (result.families_idle, result.families_total) == (4, 6)
    assert [(i.name, i.day) for i in result.families] == [
        ("Гамма", None),
        ("Эта", date(2026, 11, 1)),
        ("Бета", date(2026, 11, 10)),
        ("Дзета", date(2026, 11, 16)),
    ]
    assert (result.concerns_open, result.concerns_recent) == (2, 2)
    assert [(i.name, i.day) for i in result.concerns] == [
        ("Бета", date(2026, 10, 19)),
        ("Альфа", date(2026, 11, 25)),
    ]
    text = registry.render(
        digest.KIND, result.to_params(), PassthroughTranslator("en"), Content()
    ).text
    assert "Mentors with no visit in 14 days: 2 of 4" in text
    assert "• Борис &lt;b&gt;: last visit 10.11.2026" in text
    assert "• Вера: no visits yet" in text
    assert "Families with no visit in 14 days: 4 of 6" in text
    assert "Safety concerns nobody has taken on: 2" in text
    assert "• Бета: visit on 19.10.2026" in text
    assert "Raised in the last 14 days: 2." in text
    assert "more" not in text


async def test_digest_lists_are_capped_and_the_message_fits(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions.begin() as s:
        for n in range(40):
            who = await person(s, f"Наставник {n:02d} " + "Я" * 110, "mentor")
            fam = await family(s, f"Семья {n:02d} " + "<&>" * 20)
            await mentor_of(s, fam, who)
            await visit(s, fam, who, date(2026, 10, 1), concern_raised=NOW - timedelta(days=1))
    async with sessions() as s:
        result = await digest.build_digest(s, NOW, settings())
    assert (result.mentors_idle, result.families_idle, result.concerns_open) == (40, 40, 40)
    assert len(result.mentors) == len(result.families) == digest.LIST_LIMIT
    for locale in ("ru", "en"):
        text = registry.render(
            digest.KIND, result.to_params(), PassthroughTranslator(locale), Content()
        ).text
        assert visible_length(text) < 4096
        assert text.count("…and 30 more") == 3
        assert "&lt;&amp;&gt;" in text and "<&>" not in text


async def test_digest_queued_once_per_week_in_each_coordinators_zone(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions.begin() as s:
        moscow = await person(s, "К1", "coordinator")
        kuzbass = await person(s, "К2", "coordinator", tz="Asia/Novokuznetsk")
        await person(s, "Н", "mentor")
        await family(s, "Орловы")  # something to review: an empty service gets no digest
    cfg = settings()
    moments = {
        datetime(2026, 11, 30, 1, 59, tzinfo=UTC): set(),
        datetime(2026, 11, 30, 2, 0, tzinfo=UTC): {kuzbass},  # 09:00 Novokuznetsk
        datetime(2026, 11, 30, 5, 59, tzinfo=UTC): set(),
        datetime(2026, 11, 30, 6, 0, tzinfo=UTC): {moscow},  # 09:00 Moscow
        datetime(2026, 11, 30, 20, 0, tzinfo=UTC): set(),
        datetime(2026, 12, 1, 6, 0, tzinfo=UTC): set(),  # Tuesday
        datetime(2026, 12, 7, 6, 0, tzinfo=UTC): {moscow, kuzbass},  # next Monday
    }
    for moment, expected in moments.items():
        async with sessions.begin() as s:
            before = set(await s.scalars(select(OutboxMessage.id)))
            assert await digest.enqueue_due(s, moment, cfg) == len(expected)
            rows = await s.scalars(
                select(OutboxMessage.person_id).where(OutboxMessage.id.not_in(before or {0}))
            )
            assert set(rows) == expected, moment


@pytest.mark.skipif(ON_POSTGRES, reason="SQLite serialises writers; PG covers row locks below")
async def test_one_alert_per_number_even_when_two_workers_run(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await _two_workers(sessions)


@pytest.mark.skipif(not ON_POSTGRES, reason="needs PostgreSQL row locks")
async def test_one_alert_per_number_even_when_two_workers_run_on_postgres(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await _two_workers(sessions)


async def _two_workers(sessions: async_sessionmaker[AsyncSession]) -> None:
    async with sessions.begin() as s:
        await person(s, "К", "coordinator")
        who = await person(s, "Н", "mentor")
        fam = await family(s, "Альфа")
        visit_id = await visit(s, fam, who, TODAY)
        s.add(
            SafetyConcern(
                visit_id=visit_id, family_id=fam, raised_at=NOW, alerts_sent=0, next_alert_at=NOW
            )
        )
    cfg = settings()

    async def worker() -> int:
        async with sessions.begin() as s:
            return await concerns.send_due_alerts(s, NOW, cfg)

    results = await asyncio.gather(worker(), worker(), return_exceptions=True)
    # On SQLite one writer may be told the database is busy; either way one alert, counted once.
    assert sum(r for r in results if isinstance(r, int)) == 1
    async with sessions() as s:
        concern = await s.scalar(select(SafetyConcern))
        assert concern is not None and concern.alerts_sent == 1
        assert await s.scalar(select(func.count(OutboxMessage.id))) == 1


def test_local_moment_and_week() -> None:
    zone = ZoneInfo("Asia/Novokuznetsk")
    assert reminders.local_moment(date(2026, 11, 24), time(10), zone) == datetime(
        2026, 11, 24, 3, tzinfo=UTC
    )
    assert reminders.iso_week(date(2026, 11, 29)) == "2026-W48"
    assert reminders.iso_week(date(2026, 11, 30)) == "2026-W49"
    assert reminders.iso_week(date(2027, 1, 1)) == "2026-W53"


async def test_scheduler_runs_each_job_alone_and_merges_late_runs(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    from bot.clock import ManualClock
    from bot.scheduler import create_scheduler
    from bot.scheduler.jobs import scans

    async def deliver() -> int:
        return 0

    scheduler = create_scheduler(
        deliver,
        sessionmaker=sessions,
        clock=ManualClock(NOW),
        settings=settings(),
        content=Content(),
    )
    jobs = {job.id: job for job in scheduler.get_jobs()}
    assert set(jobs) == {"deliver_outbox", *(spec.job.__name__ for spec in scans(Content()))}
    for job in jobs.values():
        assert job.max_instances == 1 and job.coalesce is True
    assert {job.id for job in create_scheduler(deliver).get_jobs()} == {"deliver_outbox"}


async def test_stopping_lets_a_run_handed_over_just_before_finish(
    caplog: pytest.LogCaptureFixture,
) -> None:
    from bot.scheduler import create_scheduler, stop_gently

    rounds: set[asyncio.Task[Any]] = set()
    finished: list[bool] = []

    async def deliver() -> int:  # as bot/app.py's: the run registers itself when it starts
        task = asyncio.current_task()
        assert task is not None
        rounds.add(task)
        try:
            for _ in range(3):
                await asyncio.sleep(0)  # a round's awaits
            finished.append(True)
            return 0
        finally:
            rounds.discard(task)

    scheduler = create_scheduler(deliver)
    scheduler.start(paused=True)
    # What the scheduler does when a run falls due: its executor creates the run's task, which
    # has not started when a shutdown in the same turn of the event loop looks at `rounds`.
    executor = scheduler._lookup_executor("default")
    executor.submit_job(scheduler.get_job("deliver_outbox"), [datetime.now(UTC)])
    assert not rounds

    await stop_gently(scheduler, rounds, grace=5.0)

    assert finished == [True]
    await asyncio.sleep(0)  # AsyncIOScheduler.shutdown runs on the loop's next turn
    assert not scheduler.running
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
