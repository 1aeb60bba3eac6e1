"""A weekly release for a whole region: 5,000 families in one slot, queued and delivered.

    .venv/bin/python -m bench.homework                  # 5,000 families, SQLite, virtual time
    .venv/bin/python -m bench.homework --quick          # 500 families
    .venv/bin/python -m bench.homework --real-clock     # wall-clock delivery over HTTP (~3.5 min)
    .venv/bin/python -m bench.homework --database-url postgresql+asyncpg://postgres@127.0.0.1:5432/bench_homework

Builds the families (one parent each, all enrolled in «Точка опоры» with the same Monday 18:00
slot; a PostgreSQL database is emptied first), times the release job's work (`homework.release_due`
batch by batch, each committed, as `run_homework_release` runs it), then delivers the week messages
with the real OutboxSender, the real message renderer and translations, against the fake Bot API
enforcing Telegram's flood limits (30 messages per sliding second overall, 3 per 3 s per chat).
Last, it times the reminder job at the week's due time (nobody handed in: one reminder per parent)
and its next run, which finds nothing new.

Time: by default the fake and the sender share one ManualClock (virtual time, as the tests do):
the fake enforces the limits on that clock and the sender's rate limiter sleeps on it, so the
delivery figures are what the pacing allows, and the wall time shows the bot's own cost.
--real-clock runs both on the system clock with the fake served over real HTTP; the slot is
then this minute, in an Etc/GMT zone where it is afternoon (so quiet hours hold nothing back).
Target: the release under 60 s, delivery at >= 80 % of the 30/s limit, no 429, no duplicates.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

if __package__ in (None, ""):  # run as a file: make the project importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    import bot  # before aiogram: see bench/__init__.py

from aiogram import Bot
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from sqlalchemy import func, insert, select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

import bot.notifications  # noqa: F401  (registers the message kinds the sender renders)
from bot.clock import Clock, ManualClock, SystemClock
from bot.config import Settings
from bot.content import Content
from bot.content.programmes import load_programmes
from bot.db.engine import create_engine, create_sessionmaker
from bot.db.migrate import upgrade_async
from bot.db.models import Enrollment, Family, FamilyLink, OutboxMessage, Person, PersonRole
from bot.delivery import OutboxSender
from bot.i18n import Translator
from bot.i18n.telegram import create_i18n
from bot.services import homework
from tests.faketg import FakeSession, FakeTelegram, serve_http

TELEGRAM_LIMIT = 30.0  # messages per second overall, what the fake (and Telegram) allow
TOKEN = "123456:BENCH"
PROGRAMME = "tochka_opory"
ZONE = "Europe/Moscow"
# Monday 23.11.2026 18:00 in Moscow: the slot every family shares (outside quiet hours).
SLOT = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)
FIRST_TELEGRAM_ID = 7_000_000
CHUNK = 5_000


@dataclass(frozen=True)
class Slot:
    """When the families' week is released, and their time zone (for quiet hours)."""

    at: datetime
    zone: str

    @property
    def local(self) -> datetime:
        return self.at.astimezone(ZoneInfo(self.zone))


def virtual_slot() -> Slot:
    return Slot(SLOT, ZONE)


def real_slot() -> Slot:
    """This minute, in a zone where it is early afternoon, so quiet hours never hold a row."""
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    offset = 14 - now.hour
    offset = offset - 24 if offset > 14 else offset + 24 if offset < -12 else offset
    # POSIX-style names: Etc/GMT-3 is three hours ahead of UTC.
    zone = "Etc/GMT" if offset == 0 else f"Etc/GMT{'-' if offset > 0 else '+'}{abs(offset)}"
    return Slot(now, zone)


@dataclass
class Figures:
    families: int
    build_seconds: float
    release_seconds: float
    weeks: int
    queued: int
    sent: int
    delivery_seconds: float  # on the clock the sender and the fake share
    wall_seconds: float
    too_many: int
    violations: int
    duplicates: int
    not_sent: int
    reminders: int  # queued by the reminder job at the due time
    remind_seconds: float
    remind_again_seconds: float  # the job's next run, with nothing new to queue

    @property
    def rate(self) -> float:
        return self.sent / self.delivery_seconds if self.delivery_seconds else 0.0


async def build(url: str, families: int, slot: Slot) -> None:
    if url.startswith("postgresql"):
        engine = create_engine(url)
        async with engine.begin() as conn:
            await conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            await conn.execute(text("CREATE SCHEMA public"))
        await engine.dispose()
    await upgrade_async(url)
    engine = create_engine(url)
    enrolled_at = slot.at - timedelta(days=1)
    local = slot.local
    async with engine.begin() as conn:
        await conn.execute(
            insert(Person),
            [
                {
                    "id": 1,
                    "telegram_id": FIRST_TELEGRAM_ID,
                    "display_name": "Координатор",
                    "locale": "ru",
                    "timezone": slot.zone,
                    "created_at": enrolled_at,
                }
            ],
        )
        await conn.execute(
            insert(PersonRole), [{"person_id": 1, "role": "coordinator", "granted_at": enrolled_at}]
        )
        for first in range(1, families + 1, CHUNK):
            ids = range(first, min(first + CHUNK, families + 1))
            await conn.execute(
                insert(Person),
                [
                    {
                        "id": 1 + i,
                        "telegram_id": FIRST_TELEGRAM_ID + i,
                        "display_name": f"Родитель {i}",
                        "locale": "ru",
                        "timezone": slot.zone,
                        "created_at": enrolled_at,
                    }
                    for i in ids
                ],
            )
            await conn.execute(
                insert(PersonRole),
                [{"person_id": 1 + i, "role": "parent", "granted_at": enrolled_at} for i in ids],
            )
            await conn.execute(
                insert(Family),
                [
                    {
                        "id": i,
                        "name": f"Семья {i:05d}",
                        "search_name": f"семья {i:05d}",
                        "category": "tzhs",
                        "support_level": "basic",
                        "timezone": slot.zone,
                        "created_at": enrolled_at,
                        "created_by_id": 1,
                    }
                    for i in ids
                ],
            )
            await conn.execute(
                insert(FamilyLink),
                [
                    {
                        "family_id": i,
                        "person_id": 1 + i,
                        "kind": "parent",
                        "created_at": enrolled_at,
                    }
                    for i in ids
                ],
            )
            await conn.execute(
                insert(Enrollment),
                [
                    {
                        "family_id": i,
                        "programme_code": PROGRAMME,
                        "start_date": local.date(),
                        "release_weekday": local.weekday(),
                        "release_time": local.time().replace(tzinfo=None),
                        "due_days": 3,
                        "status": "active",
                        "created_at": enrolled_at,
                        "created_by_id": 1,
                        "next_release_at": slot.at,
                    }
                    for i in ids
                ],
            )
    async with engine.connect() as conn:
        await conn.execution_options(isolation_level="AUTOCOMMIT")
        await conn.execute(text("VACUUM ANALYZE" if url.startswith("postgresql") else "ANALYZE"))
    await engine.dispose()


async def release(
    sessionmaker: async_sessionmaker[AsyncSession], slot: Slot
) -> homework.ReleaseResult:
    """What run_homework_release does at the slot: every due week, one transaction per batch."""
    programmes = load_programmes()
    total = homework.ReleaseResult()
    while True:
        async with sessionmaker.begin() as session:
            batch = await homework.release_due(session, slot.at, programmes)
        total.weeks += batch.weeks
        total.messages += batch.messages
        total.examined += batch.examined
        if batch.examined < homework.RELEASE_BATCH:
            return total


async def remind(
    sessionmaker: async_sessionmaker[AsyncSession], slot: Slot
) -> tuple[int, float, float]:
    """The reminder job at the due time (nobody handed in), then its next run two minutes on."""
    due = slot.at + timedelta(days=3)
    timings = []
    queued = 0
    for moment in (due, due + timedelta(minutes=2)):
        started = time.perf_counter()
        async with sessionmaker.begin() as session:
            queued += await homework.enqueue_reminders(session, moment)
        timings.append(time.perf_counter() - started)
    return queued, timings[0], timings[1]


async def deliver(
    sessionmaker: async_sessionmaker[AsyncSession], families: int, slot: Slot, real_clock: bool
) -> tuple[float, float, FakeTelegram, int]:
    """Drain the outbox; returns (seconds on the shared clock, wall seconds, the fake, claimed)."""
    clock: Clock = SystemClock() if real_clock else ManualClock(slot.at)
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    i18n = create_i18n("ru")
    fake = FakeTelegram(clock, token=TOKEN, global_limit=int(TELEGRAM_LIMIT))
    for i in range(1, families + 1):
        fake.user(FIRST_TELEGRAM_ID + i)
        fake.mark_started(FIRST_TELEGRAM_ID + i)  # as if each parent had sent /start

    async def drain(bot: Bot) -> tuple[float, float, int]:
        sender = OutboxSender(
            bot,
            sessionmaker,
            clock,
            settings,
            translator_factory=lambda locale: Translator(i18n, locale),
            worker_id="bench-homework",
            content=Content(),
        )
        started_on_clock, started_wall = clock.monotonic(), time.perf_counter()
        claimed = await sender.drain(max_rounds=100_000)
        return clock.monotonic() - started_on_clock, time.perf_counter() - started_wall, claimed

    default = DefaultBotProperties(parse_mode=ParseMode.HTML)
    if real_clock:
        async with serve_http(fake) as server:
            http = AiohttpSession(api=TelegramAPIServer.from_base(server.url))
            bot = Bot(token=TOKEN, session=http, default=default)
            try:
                on_clock, wall, claimed = await drain(bot)
            finally:
                await bot.session.close()
    else:
        bot = Bot(token=TOKEN, session=FakeSession(fake), default=default)
        on_clock, wall, claimed = await drain(bot)
    return on_clock, wall, fake, claimed


async def run(url: str, families: int, real_clock: bool) -> Figures:
    slot = real_slot() if real_clock else virtual_slot()
    started = time.perf_counter()
    await build(url, families, slot)
    build_seconds = time.perf_counter() - started
    engine = create_engine(url)
    sessionmaker = create_sessionmaker(engine)
    try:
        started = time.perf_counter()
        released = await release(sessionmaker, slot)
        release_seconds = time.perf_counter() - started
        on_clock, wall, fake, _claimed = await deliver(sessionmaker, families, slot, real_clock)
        reminders, remind_seconds, remind_again_seconds = await remind(sessionmaker, slot)
        try:
            calls = fake.calls_of("sendMessage")
            per_chat = Counter(str(c.params["chat_id"]) for c in calls if c.ok)
            async with sessionmaker() as session:
                statuses: dict[str, int] = dict(
                    (
                        await session.execute(
                            select(OutboxMessage.status, func.count())
                            .where(OutboxMessage.purpose == homework.WEEK_PURPOSE)
                            .group_by(OutboxMessage.status)
                        )
                    ).all()
                )
            sent = statuses.get("sent", 0)
            return Figures(
                families=families,
                build_seconds=build_seconds,
                release_seconds=release_seconds,
                weeks=released.weeks,
                queued=released.messages,
                sent=sent,
                delivery_seconds=on_clock,
                wall_seconds=wall,
                too_many=sum(1 for c in calls if c.status == 429),
                violations=len(fake.violations),
                duplicates=sum(n - 1 for n in per_chat.values() if n > 1),
                not_sent=released.messages - sent,
                reminders=reminders,
                remind_seconds=remind_seconds,
                remind_again_seconds=remind_again_seconds,
            )
        finally:
            await fake.close()
    finally:
        await engine.dispose()


def report(figures: Figures, url: str, real_clock: bool) -> bool:
    backend = "PostgreSQL" if url.startswith("postgresql") else "SQLite"
    clock = "real clock, fake Bot API over HTTP" if real_clock else "virtual time (ManualClock)"
    share = 100 * figures.rate / TELEGRAM_LIMIT
    rows: list[tuple[str, Any]] = [
        ("database", backend),
        ("delivery clock", clock),
        ("families", f"{figures.families} (one parent each, one slot)"),
        ("build", f"{figures.build_seconds:.1f} s"),
        ("release job", f"{figures.release_seconds:.2f} s wall for {figures.weeks} weeks"),
        ("  per family", f"{1000 * figures.release_seconds / max(1, figures.weeks):.2f} ms"),
        ("week messages", f"{figures.sent} of {figures.queued} queued sent"),
        ("delivery", f"{figures.delivery_seconds:.1f} s on the delivery clock"),
        ("  wall time", f"{figures.wall_seconds:.1f} s"),
        ("rate", f"{figures.rate:.2f} msgs/s"),
        ("share of 30/s", f"{share:.1f} %"),
        ("429s met", figures.too_many),
        ("fake violations", figures.violations),
        ("duplicates", figures.duplicates),
        ("reminder job", f"{figures.remind_seconds:.2f} s for {figures.reminders} reminders"),
        ("  its next run", f"{figures.remind_again_seconds:.2f} s (nothing new)"),
    ]
    for label, value in rows:
        print(f"{label:<16} {value}")
    missed = [
        what
        for what, met in (
            ("every family released", figures.weeks == figures.families),
            ("every message sent", figures.not_sent == 0),
            ("no duplicates", figures.duplicates == 0),
            ("no 429", figures.too_many == 0),
            (">= 80 % of 30/s", share >= 80),
            ("release under 60 s", figures.release_seconds < 60),
            ("a reminder per parent", figures.reminders == figures.families),
        )
        if not met
    ]
    ok = not missed
    if missed:
        print("missed:", "; ".join(missed))
    print("OK" if ok else "BELOW TARGET")
    return ok


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--families", type=int, default=5_000)
    parser.add_argument("--quick", action="store_true", help="500 families, a fast check")
    parser.add_argument("--real-clock", action="store_true", help="deliver on the system clock")
    parser.add_argument("--database-url", default=None, help="default: a temporary SQLite file")
    args = parser.parse_args(argv)
    families = 500 if args.quick else args.families
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite+aiosqlite:///{Path(tmp) / 'bench.sqlite3'}"
        figures = asyncio.run(run(url, families, args.real_clock))
    return 0 if report(figures, url, args.real_clock) else 1


if __name__ == "__main__":
    raise SystemExit(main())
