"""Coordinator and mentor reads at a service's full size.

    .venv/bin/python -m bench.visits                 # 200 mentors, 10,000 families, 1M visits
    .venv/bin/python -m bench.visits --visits 100000 # smaller, faster to build
    .venv/bin/python -m bench.visits --database-url postgresql+asyncpg://postgres@127.0.0.1:5432/bench

Builds the database once (SQLite file in a temp folder by default; a PostgreSQL URL is emptied
first), then times the family list page, a search, the family card and the weekly digest query
through the same services the bot calls, and prints median and p95 in milliseconds.
Target: each under 50 ms median on SQLite.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a file: make the project importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    import bot  # noqa: F401  (before aiogram: see bench/__init__.py)

from sqlalchemy import insert, text

from bot.config import Settings
from bot.db.engine import create_engine, create_sessionmaker
from bot.db.migrate import upgrade_async
from bot.db.models import Family, FamilyLink, Person, PersonRole, Visit
from bot.services import families as families_service
from bot.services.access import Actor

NOW = datetime(2026, 11, 23, 7, 0, tzinfo=UTC)
CATEGORIES = ("sop", "tzhs", "low_income", "large", "single_parent", "guardian", "other")
METHODS = ("observation", "curation", "intervention", "correction", "prevention")
HELP = ("financial_literacy", "leisure", "material", "employment")
CHUNK = 20_000


async def build(url: str, mentors: int, families: int, visits: int) -> None:
    if url.startswith("postgresql"):
        engine = create_engine(url)
        async with engine.begin() as conn:
            await conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            await conn.execute(text("CREATE SCHEMA public"))
        await engine.dispose()
    await upgrade_async(url)
    engine = create_engine(url)
    rnd = random.Random(7)
    async with engine.begin() as conn:
        people = [
            {
                "id": i,
                "telegram_id": 5_000_000 + i,
                "display_name": f"Наставник {i}",
                "timezone": "Asia/Novokuznetsk",
                "created_at": NOW,
            }
            for i in range(1, mentors + 2)
        ]
        await conn.execute(insert(Person), people)
        roles = [{"person_id": 1, "role": "coordinator", "granted_at": NOW}] + [
            {"person_id": i, "role": "mentor", "granted_at": NOW} for i in range(2, mentors + 2)
        ]
        await conn.execute(insert(PersonRole), roles)
        rows = []
        for i in range(1, families + 1):
            name = f"Семья {i:05d} {rnd.choice(['Ивановы', 'Петровы', 'Сидоровы', 'Кузнецовы'])}"
            rows.append(
                {
                    "id": i,
                    "name": name,
                    "search_name": name.casefold(),
                    "category": rnd.choice(CATEGORIES),
                    "support_level": "crisis" if i % 9 == 0 else "basic",
                    "timezone": "Asia/Novokuznetsk",
                    "created_at": NOW - timedelta(days=800),
                    "closed_at": NOW - timedelta(days=30) if i % 10 == 0 else None,
                }
            )
        await conn.execute(insert(Family), rows)
        links = [
            {
                "family_id": i,
                "person_id": 2 + (i % mentors),
                "kind": "mentor",
                "created_at": NOW,
            }
            for i in range(1, families + 1)
        ] + [
            {"family_id": i, "person_id": 1, "kind": "curator", "created_at": NOW}
            for i in range(1, families + 1, 3)
        ]
        await conn.execute(insert(FamilyLink), links)
    today = NOW.date()
    for start in range(0, visits, CHUNK):
        batch = []
        for n in range(start, min(start + CHUNK, visits)):
            family_id = rnd.randint(1, families)
            batch.append(
                {
                    "family_id": family_id,
                    "mentor_id": 2 + (family_id % mentors),
                    "visit_date": today - timedelta(days=rnd.randint(0, 730)),
                    "recorded_at": NOW,
                    "format": "home",
                    "duration_minutes": 60,
                    "methods": [rnd.choice(METHODS)],
                    "help_given": [rnd.choice(HELP)],
                    "situation": rnd.randint(1, 5),
                    "concern": False,
                    "draft_key": f"bench-{n}",
                }
            )
        async with engine.begin() as conn:
            await conn.execute(insert(Visit), batch)
    # What autovacuum does after a bulk load on PostgreSQL: statistics, and the visibility map
    # that lets the partial visit indexes answer without reading the table.
    async with engine.connect() as conn:
        await conn.execution_options(isolation_level="AUTOCOMMIT")
        await conn.execute(text("VACUUM ANALYZE" if url.startswith("postgresql") else "ANALYZE"))
    await engine.dispose()


async def timed(
    label: str, repeat: int, action: Callable[[int], Awaitable[Any]]
) -> tuple[str, float, float]:
    samples = []
    for i in range(repeat):
        started = time.perf_counter()
        await action(i)
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    p95 = samples[min(len(samples) - 1, int(len(samples) * 0.95))]
    return label, statistics.median(samples), p95


async def measure(url: str, families: int, repeat: int) -> list[tuple[str, float, float]]:
    settings = Settings(_env_file=None, database_url=url)  # type: ignore[call-arg]
    engine = create_engine(url)
    sessions = create_sessionmaker(engine)
    coordinator = Actor(person_id=1, telegram_id=5_000_001, roles=frozenset({"coordinator"}))
    rnd = random.Random(11)
    results = []

    async def family_page(i: int) -> None:
        async with sessions() as session:
            await families_service.list_page(
                session, coordinator, NOW, offset=rnd.randint(0, families // 8) * 8, limit=8
            )
            await session.rollback()  # the audit row is part of the measured work, not kept

    async def family_search(i: int) -> None:
        async with sessions() as session:
            await families_service.list_page(
                session, coordinator, NOW, offset=0, limit=8, search=f"{rnd.randint(1, 9999):05d}"
            )
            await session.rollback()

    results.append(await timed("family list page", repeat, family_page))
    results.append(await timed("family search", repeat, family_search))

    card = getattr(families_service, "family_card", None)
    if card is not None:

        async def family_card(i: int) -> None:
            async with sessions() as session:
                await card(session, coordinator, rnd.randint(1, families), NOW)
                await session.rollback()

        results.append(await timed("family card", repeat, family_card))
    else:
        print("family card: not measured (services.families.family_card is missing)")

    try:
        from bot.services import digest
    except ImportError:
        print("weekly digest: not measured (services.digest is missing)")
    else:

        async def weekly_digest(i: int) -> None:
            async with sessions() as session:
                await digest.build_digest(session, NOW, settings)

        results.append(await timed("weekly digest", max(3, repeat // 10), weekly_digest))
    await engine.dispose()
    return results


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--mentors", type=int, default=200)
    parser.add_argument("--families", type=int, default=10_000)
    parser.add_argument("--visits", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=50)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite+aiosqlite:///{Path(tmp) / 'bench.sqlite3'}"
        started = time.perf_counter()
        await build(url, args.mentors, args.families, args.visits)
        print(
            f"built {args.mentors} mentors, {args.families} families, {args.visits} visits "
            f"in {time.perf_counter() - started:.1f} s ({url.split(':')[0]})"
        )
        results = await measure(url, args.families, args.repeat)
    worst = 0.0
    for label, median, p95 in results:
        print(f"{label:<18} median {median:7.2f} ms   p95 {p95:7.2f} ms")
        worst = max(worst, median)
    print("target: each median under 50 ms —", "met" if worst < 50 else "NOT MET")
    return 0 if worst < 50 else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
