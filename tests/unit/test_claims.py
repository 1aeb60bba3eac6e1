"""Atomic claims at scale: several outbox senders (replicas, each with its own engine) drain one
queue of 10,000 due rows, and the domain scans run side by side on two replicas.

PostgreSQL is where replicas really compete (FOR UPDATE SKIP LOCKED, row locks, unique indexes
under concurrent inserts); SQLite gets a small variant, since it has one writer at a time anyway.
Rate limits are switched off: this is about who sends what, not how fast.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from aiogram import Bot
from aiogram.client.default import DefaultBotProperties
from aiogram.enums import ParseMode
from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.clock import ManualClock
from bot.config import Settings
from bot.content import Content
from bot.db.engine import create_engine, create_sessionmaker
from bot.db.models import (
    Family,
    FamilyLink,
    OutboxMessage,
    OutboxStatus,
    Person,
    PersonRole,
    SafetyConcern,
    Visit,
)
from bot.delivery import KindRegistry, OutboxSender, Outgoing, PassthroughTranslator, Translator
from bot.scheduler.jobs import guarded, scans
from tests.conftest import ON_POSTGRES
from tests.faketg import FakeSession, FakeTelegram

KIND = "claims.note"
NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)  # Monday 12:00 in Moscow: no quiet hours
LONG_AGO = datetime(2026, 9, 1, tzinfo=UTC)
FIRST_TG_ID = 5_000_000

# PostgreSQL: the full 10,000 rows and three replicas; SQLite: a smaller queue, two workers.
# CLAIMS_ROWS overrides the PostgreSQL size for a quick local run.
ROWS, PEOPLE, REPLICAS = (
    (int(os.environ.get("CLAIMS_ROWS", "10000")), 1_000, 3) if ON_POSTGRES else (600, 100, 2)
)


def _note(params: dict[str, Any], t: Translator) -> Outgoing:
    return Outgoing(text=t.gettext("Note #{n}").format(n=params["n"]))


KINDS = KindRegistry()
KINDS.register(KIND, _note)


def unlimited_settings(database_url: str) -> Settings:
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        database_url=database_url,
        delivery_rate_per_second=0,  # limits off: the test is about claims
        delivery_chat_interval_seconds=0,
        delivery_batch_size=200,
    )


@dataclass
class Replica:
    engine: AsyncEngine
    sender: OutboxSender


@pytest.fixture
async def replicas(
    database_url: str, engine: AsyncEngine
) -> AsyncIterator[tuple[FakeTelegram, list[Replica]]]:
    """Separate engines (connection pools) over one database, like separate processes."""
    clock = ManualClock(NOW)
    fake = FakeTelegram(clock, flood_control=False)
    settings = unlimited_settings(database_url)
    made: list[Replica] = []
    bots: list[Bot] = []
    try:
        for n in range(REPLICAS):
            replica_engine = create_engine(database_url)
            bot = Bot(
                token="123456:TEST",
                session=FakeSession(fake),
                default=DefaultBotProperties(parse_mode=ParseMode.HTML),
            )
            bots.append(bot)
            sender = OutboxSender(
                bot,
                create_sessionmaker(replica_engine),
                clock,
                settings,
                PassthroughTranslator,
                f"replica-{n}",
                content=Content(),
                registry=KINDS,
                concurrency=16,  # more rows in flight per replica: commits overlap
            )
            made.append(Replica(replica_engine, sender))
        yield fake, made
    finally:
        for bot in bots:
            await bot.session.close()
        for replica in made:
            await replica.engine.dispose()
        await fake.close()


async def queue_due_rows(
    sessionmaker: async_sessionmaker[AsyncSession], fake: FakeTelegram
) -> None:
    """ROWS due notes spread over PEOPLE recipients, inserted in bulk."""
    async with sessionmaker.begin() as session:
        await session.execute(
            insert(Person),
            [
                {
                    "telegram_id": FIRST_TG_ID + i,
                    "display_name": f"P{i}",
                    "timezone": "Europe/Moscow",
                    "created_at": LONG_AGO,
                }
                for i in range(PEOPLE)
            ],
        )
        ids = dict((await session.execute(select(Person.telegram_id, Person.id))).all())
        await session.execute(
            insert(OutboxMessage),
            [
                {
                    "dedup_key": f"claims:{n}",
                    "person_id": ids[FIRST_TG_ID + n % PEOPLE],
                    "chat_id": FIRST_TG_ID + n % PEOPLE,
                    "purpose": "claims",
                    "kind": KIND,
                    "params": {"n": n},
                    "family_facing": False,
                    "status": OutboxStatus.PENDING,
                    "due_at": NOW - timedelta(seconds=n % 60),
                    "attempts": 0,
                    "created_at": LONG_AGO,
                }
                for n in range(ROWS)
            ],
        )
    for i in range(PEOPLE):
        fake.user(FIRST_TG_ID + i)
        fake.mark_started(FIRST_TG_ID + i)


async def test_replicas_drain_the_queue_each_row_exactly_once(
    engine: AsyncEngine, replicas: tuple[FakeTelegram, list[Replica]]
) -> None:
    fake, workers = replicas
    sessionmaker = create_sessionmaker(engine)
    await queue_due_rows(sessionmaker, fake)

    async with asyncio.timeout(300):  # a guard; ~60-120 s on a busy 2-core box
        await asyncio.gather(*(w.sender.drain() for w in workers))
        for w in workers:  # a last look each, in case one stopped while another held rows
            await w.sender.drain()

    sent = Counter(c.params["text"] for c in fake.calls_of("sendMessage") if c.ok)
    assert sent == Counter(f"Note #{n}" for n in range(ROWS)), "a note lost or sent twice"
    async with sessionmaker() as session:
        statuses = dict(
            (
                await session.execute(
                    select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
                )
            ).all()
        )
        by_worker = dict(
            (
                await session.execute(
                    select(OutboxMessage.claimed_by, func.count()).group_by(
                        OutboxMessage.claimed_by
                    )
                )
            ).all()
        )
    assert statuses == {OutboxStatus.SENT: ROWS}
    assert sum(w.sender.stats.sent for w in workers) == ROWS
    # every replica took part: the claims were shared, not serialised behind one winner
    assert all(w.sender.stats.claimed > 0 for w in workers), by_worker
    fake.assert_no_violations()


# ---------------------------------------------------------------------------- domain scans

SCAN_FAMILIES = 60 if ON_POSTGRES else 20


async def domain_data(sessionmaker: async_sessionmaker[AsyncSession]) -> int:
    """Coordinators, mentors of families long without a visit, open safety concerns: every scan
    that has something to queue right now. Returns the mentor count."""
    async with sessionmaker.begin() as session:
        people = []
        for i in range(SCAN_FAMILIES + 2):
            person = Person(
                telegram_id=FIRST_TG_ID + 100_000 + i,
                display_name=f"S{i}",
                timezone="Europe/Moscow",
                created_at=LONG_AGO,
            )
            session.add(person)
            people.append(person)
        await session.flush()
        for coordinator in people[:2]:
            session.add(PersonRole(person_id=coordinator.id, role="coordinator", granted_at=NOW))
        mentors = people[2:]
        for i, mentor in enumerate(mentors):
            session.add(PersonRole(person_id=mentor.id, role="mentor", granted_at=LONG_AGO))
            family = Family(
                name=f"F{i}",
                search_name=f"f{i}",
                category="tzhs",
                support_level="basic",
                timezone="Europe/Moscow",
                created_at=LONG_AGO,
            )
            session.add(family)
            await session.flush()
            session.add(
                FamilyLink(
                    family_id=family.id, person_id=mentor.id, kind="mentor", created_at=LONG_AGO
                )
            )
            visit = Visit(
                family_id=family.id,
                mentor_id=mentor.id,
                visit_date=(LONG_AGO + timedelta(days=1)).date(),
                recorded_at=LONG_AGO,
                format="home",
                duration_minutes=30,
                methods=[],
                help_given=[],
                situation=3,
                concern=i % 3 == 0,
                concern_text="x" if i % 3 == 0 else None,
                draft_key=f"claims-{i}",
            )
            session.add(visit)
            await session.flush()
            if i % 3 == 0:
                session.add(
                    SafetyConcern(
                        visit_id=visit.id,
                        family_id=family.id,
                        raised_at=NOW,
                        alerts_sent=0,
                        next_alert_at=NOW,
                    )
                )
    return len(mentors)


class _Errors(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


@pytest.mark.skipif(not ON_POSTGRES, reason="concurrent writers need PostgreSQL")
async def test_domain_scans_on_two_replicas_queue_each_message_once(
    database_url: str, engine: AsyncEngine
) -> None:
    sessionmaker = create_sessionmaker(engine)
    mentors = await domain_data(sessionmaker)
    settings = Settings(_env_file=None, database_url=database_url)  # type: ignore[call-arg]
    clock = ManualClock(NOW)
    errors = _Errors()
    logging.getLogger("bot").addHandler(errors)
    engines = [create_engine(database_url) for _ in range(2)]
    try:
        makers = [create_sessionmaker(e) for e in engines]
        jobs = scans(Content())
        # Every job on both replicas at the same moment, a few times over (the scheduler's
        # intervals would make them meet now and then; here they always do).
        for _ in range(3):
            async with asyncio.timeout(30):
                await asyncio.gather(
                    *(
                        guarded(spec.job, maker, clock, settings)
                        for spec in jobs
                        for maker in makers
                    )
                )
    finally:
        logging.getLogger("bot").removeHandler(errors)
        for e in engines:
            await e.dispose()
    assert errors.messages == []

    async with sessionmaker() as session:
        purposes = dict(
            (
                await session.execute(
                    select(OutboxMessage.purpose, func.count()).group_by(OutboxMessage.purpose)
                )
            ).all()
        )
        concerns = (await session.scalars(select(SafetyConcern.alerts_sent))).all()
    # one no-visit nudge per mentor, one alert per concern to each coordinator, one digest each
    assert purposes.get("no_visit_nudge") == mentors, purposes
    assert concerns and set(concerns) == {1}, concerns
    alerts = sum(count for purpose, count in purposes.items() if "concern" in purpose)
    assert alerts == 2 * len(concerns), purposes
