"""Network meetings at a service's size: 2,000 meetings × 8 participants, boards and SRS summaries.

    .venv/bin/python -m bench.meetings                  # SQLite in a temp folder
    .venv/bin/python -m bench.meetings --meetings 200   # smaller, faster to build
    .venv/bin/python -m bench.meetings --database-url postgresql+asyncpg://postgres@127.0.0.1:5432/bench_meetings

Builds the database once (SQLite file in a temp folder by default; a PostgreSQL URL is emptied
first): ~200 families, meetings spread over a year (past ones mostly held, a few cancelled), each
with the typical list of eight people from domain.md, RSVPs, attendance and SRS responses from
most attendees. Then times, through the same services the bot calls: the board of every meeting
(`meetings.board`: the total and median/p95 per board), every list page of upcoming and past
meetings (`meetings.page`), and `srs.summary` for every held meeting.
Target: a board under 20 ms median on SQLite.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a file: make the project importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    import bot  # noqa: F401  (before aiogram: see bench/__init__.py)

from sqlalchemy import insert, text

from bot.content.srs import ITEM_CODES, load_srs
from bot.db.engine import create_engine, create_sessionmaker
from bot.db.migrate import upgrade_async
from bot.db.models import (
    Family,
    Meeting,
    MeetingFormat,
    MeetingParticipant,
    MeetingStatus,
    Person,
    PersonRole,
    Relation,
    Rsvp,
    SrsResponse,
)
from bot.services import meetings, srs
from bot.services.access import Actor

NOW = datetime(2026, 11, 23, 7, 0, tzinfo=UTC)
ZONE = "Asia/Novokuznetsk"
PAGE_SIZE = 8  # what the /meetings dialog shows (bot/dialogs/paging.py)
BOARD_TARGET_MS = 20.0
CHUNK = 5_000
COORDINATOR = Actor(person_id=1, telegram_id=6_000_001, roles=frozenset({"coordinator"}))
# The typical list of domain.md §3: mother, her partner, mother's close friend, the child's
# friend, the child's teacher or carer, the КДНиЗП secretary, a social worker, a psychotherapist.
TYPICAL = (
    ("Мария Иванова", Relation.MOTHER),
    ("Андрей Смирнов", Relation.RELATIVE),
    ("Ольга Петрова", Relation.FRIEND),
    ("Дима Кузнецов", Relation.FRIEND),
    ("Елена Викторовна", Relation.TEACHER),
    ("Ирина Соколова", Relation.OFFICIAL),
    ("Наталья Попова", Relation.SPECIALIST),
    ("Сергей Лебедев", Relation.SPECIALIST),
)


@dataclass(frozen=True)
class Built:
    meetings: int
    participants: int
    held: list[int]
    responses: int


def _status(past_rank: int | None, held_target: int, held_so_far: int, n: int) -> str:
    if past_rank is None:  # still to come
        return MeetingStatus.CANCELLED.value if n % 20 == 0 else MeetingStatus.PLANNED.value
    if past_rank % 12 == 5:
        return MeetingStatus.CANCELLED.value
    if held_so_far < held_target:
        return MeetingStatus.HELD.value
    return MeetingStatus.PLANNED.value  # took place, not marked yet


def _rsvp(roll: float) -> str | None:
    """Roughly the issue's picture: most accept, one declines, one stays silent."""
    for threshold, answer in ((0.7, Rsvp.YES), (0.82, Rsvp.NO), (0.92, Rsvp.MAYBE)):
        if roll < threshold:
            return answer.value
    return None


async def build(url: str, meeting_count: int, family_count: int) -> Built:
    if url.startswith("postgresql"):
        engine = create_engine(url)
        async with engine.begin() as conn:
            await conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            await conn.execute(text("CREATE SCHEMA public"))
        await engine.dispose()
    await upgrade_async(url)
    engine = create_engine(url)
    rnd = random.Random(5)
    # A year of meetings: about 60 % already past, so half of all can be held.
    first = NOW - timedelta(days=220)
    starts = sorted(
        first + timedelta(minutes=rnd.randint(0, 365 * 24 * 60)) for _ in range(meeting_count)
    )
    starts = [s.replace(second=0, microsecond=0) for s in starts]
    held_target = meeting_count // 2
    meeting_rows: list[dict[str, Any]] = []
    participant_rows: list[dict[str, Any]] = []
    response_rows: list[dict[str, Any]] = []
    person_rows: list[dict[str, Any]] = [
        {
            "id": 1,
            "telegram_id": COORDINATOR.telegram_id,
            "display_name": "Координатор",
            "timezone": ZONE,
            "created_at": NOW,
        }
    ]
    held: list[int] = []
    past_rank = 0
    participant_id = 0
    for n, starts_at in enumerate(starts, start=1):
        is_past = starts_at + timedelta(hours=2) < NOW
        status = _status(past_rank if is_past else None, held_target, len(held), n)
        past_rank += int(is_past)
        if status == MeetingStatus.HELD:
            held.append(n)
        meeting_rows.append(
            {
                "id": n,
                "family_id": 1 + rnd.randrange(family_count),
                "child_name": rnd.choice(["Саша", "Маша", "Ваня", "Катя", "Миша", "Лиза"]),
                "topic": "Я хочу жить с мамой",
                "format": rnd.choice(list(MeetingFormat)).value,
                "starts_at": starts_at,
                "timezone": ZONE,
                "place": "Центр «Семья», ул. Ленина, 1, кабинет 5",
                "duration_minutes": rnd.choice(meetings.DURATIONS),
                "facilitators": "Анна и Павел",
                "contact": "+7 900 000-00-00",
                "note": "Семья переживает трудный период; важно поддержать ребёнка.",
                "status": status,
                "created_at": starts_at - timedelta(days=14),
                "created_by_id": 1,
                "cancelled_at": NOW - timedelta(days=1)
                if status == MeetingStatus.CANCELLED
                else None,
                "held_at": starts_at + timedelta(hours=2) if status == MeetingStatus.HELD else None,
                "draft_key": f"bench-{n}",
            }
        )
        created = starts_at - timedelta(days=14)
        for slot, (name, relation) in enumerate(TYPICAL):
            participant_id += 1
            # The child has not approved the psychotherapist yet in one meeting of four.
            approved = not (slot == 7 and n % 4 == 0)
            invited = approved  # nobody is invited before the child approved them
            joined = invited and rnd.random() < 0.85  # uses the bot (came by the link)
            roll = rnd.random()
            rsvp = _rsvp(roll) if joined else None
            person_id = None
            if joined:
                person_id = len(person_rows) + 1
                person_rows.append(
                    {
                        "id": person_id,
                        "telegram_id": 6_100_000 + person_id,
                        "display_name": name,
                        "timezone": ZONE,
                        "created_at": created,
                    }
                )
            attended = None
            if status == MeetingStatus.HELD:
                attended = rsvp == Rsvp.YES.value or (rsvp == Rsvp.MAYBE.value and roll < 0.88)
            participant_rows.append(
                {
                    "id": participant_id,
                    "meeting_id": n,
                    "name": name,
                    "relation": relation.value,
                    "approved_by_child": approved,
                    "phone": "+7 900 111-22-33" if slot % 3 == 0 else None,
                    "person_id": person_id,
                    "invited_at": created + timedelta(hours=1) if invited else None,
                    "opened_at": created + timedelta(hours=5) if joined else None,
                    "rsvp": rsvp,
                    "rsvp_comment": "Постараюсь прийти пораньше" if rsvp and slot == 2 else None,
                    "rsvp_at": created + timedelta(hours=6) if rsvp else None,
                    "attended": attended,
                    "created_at": created,
                }
            )
            # Most attendees who use the bot answer the survey.
            if attended and person_id is not None and rnd.random() < 0.8:
                scores = {code: rnd.randint(6, 10) for code in ITEM_CODES}
                response_rows.append(
                    {
                        "meeting_id": n,
                        "participant_id": participant_id,
                        "scores": scores,
                        "total": sum(scores.values()),
                        "comment": "Спасибо, стало понятнее" if rnd.random() < 0.2 else None,
                        "created_at": starts_at + timedelta(hours=20),
                    }
                )
    async with engine.begin() as conn:
        await conn.execute(insert(Person), person_rows[:1])
        await conn.execute(
            insert(PersonRole), [{"person_id": 1, "role": "coordinator", "granted_at": NOW}]
        )
        families = []
        for i in range(1, family_count + 1):
            name = f"Семья {i:03d} {rnd.choice(['Ивановы', 'Петровы', 'Сидоровы', 'Орловы'])}"
            families.append(
                {
                    "id": i,
                    "name": name,
                    "search_name": name.casefold(),
                    "category": "other",
                    "support_level": "basic",
                    "timezone": ZONE,
                    "created_at": NOW - timedelta(days=800),
                }
            )
        await conn.execute(insert(Family), families)
    for table, rows in (
        (Person, person_rows[1:]),
        (Meeting, meeting_rows),
        (MeetingParticipant, participant_rows),
        (SrsResponse, response_rows),
    ):
        for start in range(0, len(rows), CHUNK):
            async with engine.begin() as conn:
                await conn.execute(insert(table), rows[start : start + CHUNK])
    # What autovacuum does after a bulk load on PostgreSQL; the planner's statistics on SQLite.
    async with engine.connect() as conn:
        await conn.execution_options(isolation_level="AUTOCOMMIT")
        await conn.execute(text("VACUUM ANALYZE" if url.startswith("postgresql") else "ANALYZE"))
    await engine.dispose()
    return Built(len(meeting_rows), len(participant_rows), held, len(response_rows))


@dataclass(frozen=True)
class Figure:
    label: str
    count: int
    total_s: float
    median_ms: float
    p95_ms: float


async def timed(
    label: str, items: Sequence[Any], action: Callable[[Any], Awaitable[Any]]
) -> Figure:
    samples = []
    started_all = time.perf_counter()
    for item in items:
        started = time.perf_counter()
        await action(item)
        samples.append((time.perf_counter() - started) * 1000)
    total = time.perf_counter() - started_all
    samples.sort()
    p95 = samples[min(len(samples) - 1, int(len(samples) * 0.95))]
    return Figure(label, len(samples), total, statistics.median(samples), p95)


async def measure(url: str, built: Built) -> list[Figure]:
    engine = create_engine(url)
    sessions = create_sessionmaker(engine)
    scale = load_srs()
    figures = []
    lines_seen = 0

    async def one_board(meeting_id: int) -> None:
        nonlocal lines_seen
        async with sessions() as session:
            found = await meetings.board(session, COORDINATOR, meeting_id, NOW)
            lines_seen += len(found.lines)
            await session.commit()  # the audit row is part of the work, as in the bot

    figures.append(await timed("board", range(1, built.meetings + 1), one_board))
    assert lines_seen == built.participants, (lines_seen, built.participants)

    async def list_pages(past: bool) -> list[int]:
        async with sessions() as session:
            _rows, total = await meetings.page(
                session, COORDINATOR, NOW, past=past, offset=0, limit=PAGE_SIZE
            )
        return list(range(0, total, PAGE_SIZE))

    for past in (False, True):
        offsets = await list_pages(past)

        async def one_page(offset: int, past: bool = past) -> None:
            async with sessions() as session:
                rows, _total = await meetings.page(
                    session, COORDINATOR, NOW, past=past, offset=offset, limit=PAGE_SIZE
                )
                assert rows

        label = "page, past" if past else "page, upcoming"
        figures.append(await timed(label, offsets, one_page))

    responses_seen = 0

    async def one_summary(meeting_id: int) -> None:
        nonlocal responses_seen
        async with sessions() as session:
            found = await srs.summary(session, COORDINATOR, meeting_id, scale)
            responses_seen += found.responses

    figures.append(await timed("srs summary", built.held, one_summary))
    assert responses_seen == built.responses, (responses_seen, built.responses)

    # The held meeting's board screen as the dialog's getter builds it: board and summary.
    async def board_screen(meeting_id: int) -> None:
        async with sessions() as session:
            await meetings.board(session, COORDINATOR, meeting_id, NOW)
            await srs.summary(session, COORDINATOR, meeting_id, scale)
            await session.commit()

    figures.append(await timed("board + summary", built.held, board_screen))
    await engine.dispose()
    return figures


async def run(url: str, meeting_count: int, family_count: int) -> list[Figure]:
    started = time.perf_counter()
    built = await build(url, meeting_count, family_count)
    print(
        f"built {built.meetings} meetings, {built.participants} participants, "
        f"{len(built.held)} held, {built.responses} SRS responses, {family_count} families "
        f"in {time.perf_counter() - started:.1f} s ({url.split(':')[0]})"
    )
    return await measure(url, built)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--meetings", type=int, default=2_000)
    parser.add_argument("--families", type=int, default=200)
    parser.add_argument("--database-url", default=None, help="default: a temporary SQLite file")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite+aiosqlite:///{Path(tmp) / 'bench.sqlite3'}"
        figures = asyncio.run(run(url, args.meetings, args.families))
    for f in figures:
        print(
            f"{f.label:<16} {f.count:5d} × median {f.median_ms:6.2f} ms   p95 {f.p95_ms:6.2f} ms"
            f"   total {f.total_s:6.2f} s"
        )
    board = next(f for f in figures if f.label == "board")
    met = board.median_ms < BOARD_TARGET_MS
    print(f"target: board median under {BOARD_TARGET_MS:.0f} ms —", "met" if met else "NOT MET")
    return 0 if met else 1


if __name__ == "__main__":
    raise SystemExit(main())
