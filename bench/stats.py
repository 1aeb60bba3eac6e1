"""The coordinators' review at the issue's size: /stats per section, /report and /export.

    .venv/bin/python bench/stats.py                          # SQLite, bench/.data/stats-1.0.sqlite3
    .venv/bin/python bench/stats.py --scale 0.1              # a tenth of the size, faster to build
    .venv/bin/python bench/stats.py --backend postgresql     # BENCH_DATABASE_URL or bench_stats
    .venv/bin/python bench/stats.py --explain                # each /stats query: time and plan
    .venv/bin/python bench/stats.py --revision 0006          # before the /stats indexes (0007)
    .venv/bin/python bench/stats.py --skip-stats --writer both  # /export with each XLSX writer

Builds the database once (bench/stats_data.py: 10,000 families, 200 mentors, 1,000,000 visits,
200,000 homework answers, 20,000 meetings with 160,000 participants, ~47,000 plan tasks at scale
1.0; then, here, each family's case: its request, make-up, assessments at intake and at the final
monitoring, and consilium reviews with their decisions; then the evidence that change lasts:
follow-ups of completed programmes, their evaluations, meetings' reasons, network meetings'
decisions with their outcomes) and reuses it on later runs; --rebuild
starts over, and a database built before the case's rows gets them on the next run. Migrations run
every time, so new indexes reach a cached database (and migration 0013 fills visit_codes from its
visits); a fresh build fills visit_codes from the bulk-loaded visits. Then times, as a coordinator
through bot/services/stats.py, each /stats section for this year and the previous year, scoped to
all families, one mentor and one category (help: help given and methods used on visits), and the
case's figures inside the families and plans sections on their own (reach and requests; consiliums
and assessment) and the evidence figures (lasting change, reasons, decisions, closings for
improvement): median and p95 over --runs runs, and the CPU time of this process (on SQLite that
is the queries' own cost even when other work shares the machine); then /report and /export of this
year (the export in a child process, for its peak memory; --writer both exports the year once with
each XLSX writer, one child each, in the same run).
Targets: each /stats section under 200 ms median on SQLite; the export of a year under 30 s and
300 MB.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from datetime import time as day_time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

if __package__ in (None, ""):  # run as a file: make the project importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    import bot  # noqa: F401  (before aiogram: see bench/__init__.py)

from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from bench.proc import peak_rss_mb
from bench.stats_data import (
    COORDINATOR_ID,
    COORDINATOR_TG,
    COORDINATOR_ZONE,
    NOW,
    TODAY,
    WINDOW_DAYS,
    Builder,
    Sizes,
)
from bot.content import Content
from bot.content.intake import LEVELS
from bot.content.srs import ITEM_CODES
from bot.db.engine import create_engine, create_sessionmaker
from bot.db.migrate import downgrade, upgrade_async
from bot.db.models import (
    CaseAssessment,
    CaseRequest,
    Consilium,
    ConsiliumDecision,
    FamilyMember,
    MeetingDecision,
    ProgrammeEvaluation,
    QuestionnaireFollowUp,
    SpecialistEvaluation,
)
from bot.services import evidence_stats, stats
from bot.services.access import Actor
from bot.services.stats import Period, PeriodKind, Scope

DATA_DIR = Path(__file__).resolve().parent / ".data"
DEFAULT_PG_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/bench_stats"
SECTION_TARGET_MS = 200.0
EXPORT_TARGET_S = 30.0
EXPORT_TARGET_MB = 300.0
COORDINATOR = Actor(COORDINATOR_ID, COORDINATOR_TG, frozenset({"coordinator"}))
# A table outside the models: "this database holds the data". Renamed when the data grows
# (v2: case plans), so an older cached database is built again.
MARKER = "bench_stats_built_v2"
# The family's case (requests, make-up, assessments, consilium reviews), added to a database
# built before them without building the rest again.
CASE_MARKER = "bench_stats_case_v1"
# Evidence that change lasts (follow-ups, evaluations, meetings' reasons, decisions), likewise.
EVIDENCE_MARKER = "bench_stats_evidence_v1"
CONTENT = Content()
SCOPE_MENTOR = 3  # ~45 families (bench/stats_data.py: family id % 200 == 1, none % 10 == 0)
SCOPE_CATEGORY = "sop"
# The XLSX writers /export can be timed with: ours (bot/services/xlsx.py), which the bot uses,
# and XlsxWriter's constant_memory mode behind the same interface (bench/xlsxwriter_book.py).
WRITERS = {"ours": "bot.services.xlsx", "xlsxwriter": "bench.xlsxwriter_book"}


def database_url(backend: str, scale: float) -> str:
    if backend == "postgresql":
        return os.environ.get("BENCH_DATABASE_URL", DEFAULT_PG_URL)
    return f"sqlite+aiosqlite:///{DATA_DIR / f'stats-{scale}.sqlite3'}"


# --- building, once -------------------------------------------------------------------------


async def _built_scale(engine: AsyncEngine) -> str | None:
    async with engine.connect() as conn:
        try:
            return (await conn.execute(text(f"SELECT scale FROM {MARKER}"))).scalar()
        except Exception:  # no marker table: never built, or a build that did not finish
            return None


async def _empty(url: str) -> None:
    if url.startswith("postgresql"):
        engine = create_engine(url)
        async with engine.begin() as conn:
            await conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            await conn.execute(text("CREATE SCHEMA public"))
        await engine.dispose()
    else:
        path = Path(url.partition(":///")[2])
        for leftover in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
            leftover.unlink(missing_ok=True)


async def prepare(url: str, scale: float, rebuild: bool) -> None:
    DATA_DIR.mkdir(exist_ok=True)
    engine = create_engine(url)
    built = None if rebuild else await _built_scale(engine)
    await engine.dispose()
    if built == str(scale):
        await upgrade_async(url)  # a cached database still gets new migrations (indexes)
        print(f"reusing the database built at scale {scale}")
        return
    await _empty(url)
    await upgrade_async(url)
    engine = create_engine(url)
    started = time.perf_counter()
    counts = await Builder(engine, Sizes.at(scale)).build()
    async with engine.begin() as conn:
        await conn.execute(text(f"CREATE TABLE {MARKER} (scale VARCHAR(16))"))
        await conn.execute(text(f"INSERT INTO {MARKER} VALUES ('{scale}')"))
    # What autovacuum does after a bulk load on PostgreSQL; the planner's statistics on SQLite.
    async with engine.connect() as conn:
        await conn.execution_options(isolation_level="AUTOCOMMIT")
        await conn.execute(text("VACUUM ANALYZE" if url.startswith("postgresql") else "ANALYZE"))
    await engine.dispose()
    print(f"built in {time.perf_counter() - started:.1f} s:")
    for table, count in counts.items():
        print(f"  {table:<22} {count:>9,}")


async def _has_table(engine: AsyncEngine, name: str) -> bool:
    async with engine.connect() as conn:
        try:
            await conn.execute(text(f"SELECT 1 FROM {name}"))
        except Exception:
            return False
    return True


# Each live visit's methods and help, one code a row: what the help section reads.
FILL_CODES = {
    "sqlite": """
        INSERT OR IGNORE INTO visit_codes (visit_id, kind, code, family_id, visit_date)
        SELECT v.id, :kind, j.value, v.family_id, v.visit_date
        FROM visits AS v, json_each(v.{column}) AS j
        WHERE v.deleted_at IS NULL AND j.value IS NOT NULL AND j.value != ''""",
    "postgresql": """
        INSERT INTO visit_codes (visit_id, kind, code, family_id, visit_date)
        SELECT v.id, :kind, j.value, v.family_id, v.visit_date
        FROM visits AS v, json_array_elements_text(v.{column}) AS j(value)
        WHERE v.deleted_at IS NULL AND j.value IS NOT NULL AND j.value != ''
        ON CONFLICT DO NOTHING""",
}


async def prepare_codes(url: str) -> None:
    """visit_codes of the bulk-loaded visits (the bot's writers and migration 0013 fill them for
    visits written their way; the builder's bulk inserts write the visits alone), then the
    planner's statistics of the table when it has none (also after 0013 filled it)."""
    postgres = url.startswith("postgresql")
    engine = create_engine(url)
    async with engine.begin() as conn:
        empty = (await conn.execute(text("SELECT 1 FROM visit_codes LIMIT 1"))).first() is None
        visits = (await conn.execute(text("SELECT 1 FROM visits LIMIT 1"))).first() is not None
        if empty and visits:
            started = time.perf_counter()
            for kind, column in (("method", "methods"), ("help", "help_given")):
                sql = FILL_CODES["postgresql" if postgres else "sqlite"].format(column=column)
                await conn.execute(text(sql), {"kind": kind})
            count = (await conn.execute(text("SELECT count(*) FROM visit_codes"))).scalar()
            print(f"visit_codes filled in {time.perf_counter() - started:.1f} s: {count:,} rows")
        analysed = (
            "SELECT 1 FROM pg_stat_user_tables WHERE relname = 'visit_codes'"
            " AND coalesce(last_analyze, last_autoanalyze) IS NOT NULL"
            if postgres
            else "SELECT 1 FROM sqlite_stat1 WHERE tbl = 'visit_codes'"
        )
        try:
            fresh = (await conn.execute(text(analysed))).first() is None
        except Exception:  # SQLite before its first ANALYZE has no sqlite_stat1
            fresh = True
    if fresh or (empty and visits):
        async with engine.connect() as conn:
            await conn.execution_options(isolation_level="AUTOCOMMIT")
            await conn.execute(text("ANALYZE visit_codes"))
    await engine.dispose()


async def prepare_cases(url: str, scale: float) -> None:
    """Each family's case, once: CaseBuilder's rows, then the planner's statistics again."""
    await _add_once(url, scale, CASE_MARKER, "the case's rows", CaseBuilder)


async def _add_once(
    url: str, scale: float, marker: str, what: str, builder: Callable[..., Any]
) -> None:
    """Rows added on top of the database once (a marker table says they are there), then the
    planner's statistics again."""
    engine = create_engine(url)
    if await _has_table(engine, marker):
        await engine.dispose()
        return
    started = time.perf_counter()
    counts = await builder(engine, scale).build()
    async with engine.begin() as conn:
        await conn.execute(text(f"CREATE TABLE {marker} (scale VARCHAR(16))"))
        await conn.execute(text(f"INSERT INTO {marker} VALUES ('{scale}')"))
    async with engine.connect() as conn:
        await conn.execution_options(isolation_level="AUTOCOMMIT")
        await conn.execute(text("VACUUM ANALYZE" if url.startswith("postgresql") else "ANALYZE"))
    await engine.dispose()
    print(f"{what} built in {time.perf_counter() - started:.1f} s:")
    for table, count in counts.items():
        print(f"  {table:<26} {count:>9,}")


class CaseBuilder:
    """Every family's case on top of bench/stats_data.py's rows, read back from the database (so a
    cached database gets them too). Per family: the request on its registration day (how it
    came, 1–2 kinds of difficulty, its level with 1–3 signs), 1–2 adults and 1–4 children,
    6 of the 8 aspects rated at intake a few weeks later; families with a case record also have
    consilium reviews every ~4 months while open (most held with 0–3 decisions, 5 % cancelled, the
    last still planned: some ahead, some overdue), and those at the final monitoring or closed a
    final assessment of the same aspects."""

    def __init__(self, engine: AsyncEngine, scale: float) -> None:
        self.engine = engine
        self.rows = Builder(engine, Sizes.at(scale))  # its batched insert
        self.rnd = random.Random(2028)
        content = Content()
        self.sources = [item.code for item in content.intake.sources]
        self.difficulties = [item.code for item in content.intake.difficulties]
        self.signs = {
            level: [item.code for item in content.intake.level_signs[level]] for level in LEVELS
        }
        self.relations = [item.code for item in content.intake.relations]
        self.aspects = content.assessment.codes()
        self.outcomes = ("continue", "continue", "change_plan", "approve_plan", "change_level")

    async def build(self) -> dict[str, int]:
        async with self.engine.connect() as conn:
            families = (
                await conn.execute(
                    text(
                        "SELECT id, created_at, closed_at, support_level FROM families ORDER BY id"
                    )
                )
            ).all()
            stages = dict(
                (await conn.execute(text("SELECT family_id, stage FROM case_records"))).all()
            )
        window_start = TODAY - timedelta(days=WINDOW_DAYS)
        requests, members, marks, consiliums, decisions = [], [], [], [], []
        rnd = self.rnd
        for family_id, created_raw, closed_raw, level in families:
            created, closed = _as_day(created_raw), _as_day(closed_raw)
            received = created
            requests.append(
                {
                    "family_id": family_id,
                    "received_on": received,
                    "source": rnd.choice(self.sources),
                    "words": "Хотим, чтобы сын снова ходил в школу",
                    "difficulties": rnd.sample(self.difficulties, rnd.randint(1, 2)),
                    "level": level,
                    "level_signs": rnd.sample(self.signs[level], rnd.randint(1, 3)),
                    "created_at": _moment(received),
                    "updated_at": _moment(received),
                }
            )
            for n in range(rnd.randint(1, 2)):
                members.append(self._member(family_id, False, n, created))
            for n in range(rnd.randint(1, 4)):
                members.append(self._member(family_id, True, n, created))
            last = closed or TODAY
            assessed = min(last, received + timedelta(days=rnd.randint(3, 30)))
            aspects = rnd.sample(self.aspects, 6)
            for aspect in aspects:
                marks.append(self._mark(family_id, "intake", aspect, rnd.randint(1, 4), assessed))
            stage = stages.get(family_id)
            if stage is None:
                continue
            if stage in ("final_monitoring", "closed") and last > assessed:
                final = last - timedelta(days=rnd.randint(0, min(20, (last - assessed).days)))
                for aspect in aspects:
                    score = min(5, max(1, rnd.randint(1, 4) + rnd.choice((-1, 0, 1, 1, 2))))
                    marks.append(self._mark(family_id, "final", aspect, score, final))
            day = max(received, window_start) + timedelta(days=rnd.randint(20, 60))
            while day < last + timedelta(days=30):
                upcoming = day >= TODAY or (closed is not None and day > closed)
                cancelled = not upcoming and rnd.random() < 0.05
                overdue = not upcoming and not cancelled and closed is None and rnd.random() < 0.03
                held = not (upcoming or cancelled or overdue)
                consilium_id = len(consiliums) + 1
                consiliums.append(
                    {
                        "id": consilium_id,
                        "family_id": family_id,
                        "planned_on": day,
                        "held_on": day if held else None,
                        "outcome": rnd.choice(self.outcomes) if held else None,
                        "participant_ids": [COORDINATOR_ID] if held else [],
                        "participants_text": "психолог ЦСОН, педагог" if held else None,
                        "note": None,
                        "next_review_on": day + timedelta(days=120) if held else None,
                        "created_at": _moment(day - timedelta(days=14)),
                        "created_by_id": COORDINATOR_ID,
                        "held_at": _moment(day) if held else None,
                        "held_by_id": COORDINATOR_ID if held else None,
                        "cancelled_at": _moment(day - timedelta(days=2)) if cancelled else None,
                    }
                )
                for _ in range(rnd.randint(0, 3) if held else 0):
                    decisions.append(
                        {
                            "consilium_id": consilium_id,
                            "what": "Записать ребёнка в кружок",
                            "who": "школа",
                            "due_on": day + timedelta(days=30),
                            "created_at": _moment(day),
                            "created_by_id": COORDINATOR_ID,
                        }
                    )
                if upcoming or (closed is not None and day > closed):
                    break
                day += timedelta(days=rnd.randint(90, 150))
        await self.rows.insert(CaseRequest, requests)
        await self.rows.insert(FamilyMember, members)
        await self.rows.insert(CaseAssessment, marks)
        await self.rows.insert(Consilium, consiliums)
        await self.rows.insert(ConsiliumDecision, decisions)
        if self.engine.dialect.name == "postgresql":
            async with self.engine.begin() as conn:
                await conn.execute(
                    text(
                        "SELECT setval(pg_get_serial_sequence('consiliums', 'id'), "
                        "(SELECT max(id) FROM consiliums))"
                    )
                )
        return self.rows.counts

    def _member(self, family_id: int, child: bool, n: int, created: date) -> dict[str, Any]:
        rnd = self.rnd
        age = rnd.randint(1, 17) if child else rnd.randint(22, 60)
        return {
            "family_id": family_id,
            "name": ("Саша", "Маша", "Ваня", "Катя")[n] if child else ("Ольга", "Иван")[n],
            "birth_year": None if rnd.random() < 0.05 else TODAY.year - age,
            "is_child": child,
            "relation": None if child else rnd.choice(self.relations),
            "created_at": _moment(created),
        }

    def _mark(
        self, family_id: int, phase: str, aspect: str, score: int, day: date
    ) -> dict[str, Any]:
        return {
            "family_id": family_id,
            "phase": phase,
            "aspect": aspect,
            "score": score,
            "note": "Семья справляется с помощью бабушки" if self.rnd.random() < 0.3 else None,
            "assessed_on": day,
            "created_at": _moment(day),
        }


async def prepare_evidence(url: str, scale: float) -> None:
    """Evidence that change lasts, once: EvidenceBuilder's rows."""
    await _add_once(url, scale, EVIDENCE_MARKER, "the evidence rows", EvidenceBuilder)


# Meetings' reasons by id % 6: one in six without a reason (planned before issue 20).
REASONS_BY_ID = (None, "crisis_conflict", "crisis_conflict", "abuse", "leaving_home", "refusal")


class EvidenceBuilder:
    """On top of the rows above, read back from the database: each completed programme's
    follow-ups at 6 and 12 months (due after completion; 70 % of those due answered, the total
    near the exit total), the family's and the specialist's evaluation of 80 % of completed
    programmes, a reason on five meetings in six, and 0-4 decisions of each held meeting, due
    2-6 weeks later: of those due, 60 % done (some after their date), 15 % marked not done."""

    def __init__(self, engine: AsyncEngine, scale: float) -> None:
        self.engine = engine
        self.rows = Builder(engine, Sizes.at(scale))
        self.rnd = random.Random(2029)
        self.statements = [s.code for s in CONTENT.evaluation.family.statements]

    async def build(self) -> dict[str, int]:
        async with self.engine.connect() as conn:
            completed = (
                await conn.execute(
                    text(
                        "SELECT id, completed_at, exit_total FROM enrollments"
                        " WHERE completed_at IS NOT NULL ORDER BY id"
                    )
                )
            ).all()
            held = (
                await conn.execute(
                    text("SELECT id, starts_at FROM meetings WHERE status = 'held' ORDER BY id")
                )
            ).all()
        follow_ups, family, specialist = [], [], []
        rnd = self.rnd
        for enrollment_id, completed_raw, exit_total in completed:
            completed_at = _as_moment(completed_raw)
            for months in (6, 12):
                due = completed_at + timedelta(days=30 * months)
                answered = due + timedelta(days=rnd.randint(0, 10))
                done = answered < NOW and rnd.random() < 0.7
                total = max(0, (exit_total or 40) + rnd.choice((-6, -3, -2, -1, 0, 1, 3)))
                follow_ups.append(
                    {
                        "enrollment_id": enrollment_id,
                        "months": months,
                        "due_at": due,
                        "released_at": due if due < NOW else None,
                        "reminded_at": None,
                        "cancelled_at": None,
                        "answered_at": answered if done else None,
                        "person_id": None,
                        "answers": {"q1": total} if done else None,
                        "total": total if done else None,
                    }
                )
            if rnd.random() < 0.8:
                given = completed_at + timedelta(hours=rnd.randint(1, 72))
                family.append(
                    {
                        "enrollment_id": enrollment_id,
                        "person_id": None,
                        "answers": {code: rnd.randint(2, 5) for code in self.statements},
                        "open_answer": "Стало спокойнее дома" if rnd.random() < 0.3 else None,
                        "created_at": given,
                    }
                )
                specialist.append(
                    {
                        "enrollment_id": enrollment_id,
                        "author_id": COORDINATOR_ID,
                        "engagement": rnd.randint(2, 5),
                        "homework": rnd.randint(2, 5),
                        "fit": rnd.randint(3, 5),
                        "further": rnd.choice(("another_programme", "case_plan", "closing")),
                        "note": None,
                        "created_at": given + timedelta(days=1),
                    }
                )
        await self.rows.insert(QuestionnaireFollowUp, follow_ups)
        await self.rows.insert(ProgrammeEvaluation, family)
        await self.rows.insert(SpecialistEvaluation, specialist)
        await self.rows.insert(MeetingDecision, self._decisions(held))
        async with self.engine.begin() as conn:
            for remainder, reason in enumerate(REASONS_BY_ID):
                await conn.execute(
                    text("UPDATE meetings SET reason = :reason WHERE id % 6 = :remainder"),
                    {"reason": reason, "remainder": remainder},
                )
        return self.rows.counts

    def _decisions(self, held: Sequence[Any]) -> list[dict[str, Any]]:
        rnd = self.rnd
        rows = []
        for meeting_id, starts_raw in held:
            starts = _as_moment(starts_raw)
            for _ in range(rnd.randint(0, 4)):
                due = (starts + timedelta(days=rnd.randint(14, 42))).date()
                fate = rnd.random()
                done_at = not_done_at = None
                if due < TODAY and fate < 0.6:
                    done_at = min(NOW, _moment(due + timedelta(days=rnd.randint(-10, 5))))
                elif due < TODAY and fate < 0.75:
                    not_done_at = _moment(due + timedelta(days=3))
                elif due >= TODAY and fate < 0.3:
                    done_at = min(NOW, starts + timedelta(days=rnd.randint(1, 10)))
                rows.append(
                    {
                        "meeting_id": meeting_id,
                        "what": "Бабушка забирает ребёнка из школы по средам",
                        "who": "бабушка",
                        "due_date": due,
                        "created_at": starts + timedelta(hours=2),
                        "created_by_id": COORDINATOR_ID,
                        "done_at": done_at,
                        "not_done_reason": "Не получилось" if not_done_at else None,
                        "not_done_at": not_done_at,
                    }
                )
        return rows


def _as_moment(value: Any) -> datetime:
    """A UTC datetime column read with text(): a naive string on SQLite."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _as_day(value: Any) -> date | None:
    """A datetime column read with text(): a string on SQLite."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.date() if isinstance(value, datetime) else value


def _moment(day: date) -> datetime:
    return datetime.combine(day, day_time(11), UTC)


async def database_size(engine: AsyncEngine, url: str) -> str:
    if url.startswith("postgresql"):
        async with engine.connect() as conn:
            size = await conn.scalar(text("SELECT pg_database_size(current_database())"))
    else:
        size = await asyncio.to_thread(os.path.getsize, url.partition(":///")[2])
    return f"{(size or 0) / 2**20:,.0f} MB"


# --- timing ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Figure:
    section: str
    period: str
    scope: str
    median_ms: float
    p95_ms: float
    cpu_ms: float


async def timed(runs: int, action: Callable[[], Awaitable[Any]]) -> tuple[float, float, float]:
    """Median and p95 wall time, and the median CPU time of this process: on SQLite the
    queries run in aiosqlite's thread here, so CPU time stays honest on a busy machine."""
    await action()  # warm-up: the first run pays for cold pages and prepared statements
    samples, cpu = [], []
    for _ in range(runs):
        started, started_cpu = time.perf_counter(), time.process_time()
        await action()
        samples.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
    samples.sort()
    p95 = samples[min(len(samples) - 1, int(len(samples) * 0.95))]
    return statistics.median(samples), p95, statistics.median(cpu)


def local_today() -> date:
    return NOW.astimezone(ZoneInfo(COORDINATOR_ZONE)).date()


def sections(period: Period, scope: Scope) -> dict[str, Callable[[AsyncSession], Awaitable[Any]]]:
    items = list(ITEM_CODES)
    today = local_today()
    return {
        "meetings": lambda s: stats.meetings(s, COORDINATOR, period, scope, items),
        "families": lambda s: stats.families(s, COORDINATOR, period, scope),
        "mentors": lambda s: stats.mentors(s, COORDINATOR, period, scope, today=today),
        "programmes": lambda s: stats.programmes(s, COORDINATOR, period, scope),
        "plans": lambda s: stats.plans(s, COORDINATOR, period, scope, today=today),
        "help": lambda s: stats.visit_work(s, COORDINATOR, period, scope),
        # The case's figures inside the families and plans sections, each on its own.
        "reach": lambda s: stats.reach(s, COORDINATOR, period, scope),
        "requests": lambda s: stats.requests(s, COORDINATOR, period, scope),
        "consiliums": lambda s: stats.consilium_reviews(s, COORDINATOR, period, scope, today=today),
        "assessment": lambda s: stats.assessment_change(s, COORDINATOR, period, scope),
        # Evidence that change lasts.
        "lasting": lambda s: evidence_stats.lasting_change(s, COORDINATOR, period, scope, CONTENT),
        "reasons": lambda s: evidence_stats.meeting_reasons(s, COORDINATOR, period, scope),
        "decisions": lambda s: evidence_stats.decisions(s, COORDINATOR, period, scope, today=today),
        "improved": lambda s: evidence_stats.closed_improvement(s, COORDINATOR, period, scope),
    }


def periods() -> dict[str, Period]:
    today = local_today()
    return {
        "this year": stats.period_for(PeriodKind.YEAR, today, COORDINATOR_ZONE),
        "prev year": stats.period_for(PeriodKind.PREVIOUS_YEAR, today, COORDINATOR_ZONE),
    }


SCOPES = {
    "all": Scope(),
    "one mentor": Scope(mentor_id=SCOPE_MENTOR),
    "one category": Scope(category=SCOPE_CATEGORY),
}


async def measure_stats(engine: AsyncEngine, runs: int, only: set[str] | None) -> list[Figure]:
    sessions = create_sessionmaker(engine)
    figures = []
    for period_name, period in periods().items():
        for scope_name, scope in SCOPES.items():
            for section, call in sections(period, scope).items():
                if only and section not in only:
                    continue

                async def once(call: Callable[[AsyncSession], Awaitable[Any]] = call) -> None:
                    async with sessions() as session:
                        await call(session)

                median, p95, cpu = await timed(runs, once)
                figures.append(Figure(section, period_name, scope_name, median, p95, cpu))
                print(
                    f"  {section:<11} {period_name:<10} {scope_name:<13}"
                    f" median {median:8.1f} ms   p95 {p95:8.1f} ms   cpu {cpu:8.1f} ms",
                    flush=True,
                )
    return figures


# --- query plans ----------------------------------------------------------------------------


async def explain(engine: AsyncEngine, url: str, only: set[str] | None) -> None:
    """Every statement a section runs (this year, all families), with its plan."""
    captured: list[tuple[str, Any]] = []

    def capture(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        captured.append((statement, parameters))

    sessions = create_sessionmaker(engine)
    period = periods()["this year"]
    postgres = url.startswith("postgresql")
    for scope_name, scope in SCOPES.items():
        for section, call in sections(period, scope).items():
            if only and section not in only:
                continue
            captured.clear()
            event.listen(engine.sync_engine, "before_cursor_execute", capture)
            async with sessions() as session:
                await call(session)
            event.remove(engine.sync_engine, "before_cursor_execute", capture)
            print(f"\n===== {section} ({scope_name}) =====")
            for statement, parameters in list(captured):
                prefix = "EXPLAIN (ANALYZE, BUFFERS)" if postgres else "EXPLAIN QUERY PLAN"
                async with engine.connect() as conn:
                    started = time.perf_counter()
                    (await conn.exec_driver_sql(statement, parameters)).fetchall()
                    spent = (time.perf_counter() - started) * 1000
                    plan = await conn.exec_driver_sql(f"{prefix} {statement}", parameters)
                    rows = plan.fetchall()
                print(f"\n-- {spent:.1f} ms\n{statement}\n   params {parameters}")
                for row in rows:
                    print("   ", " ".join(str(c) for c in row))


# --- /report and /export --------------------------------------------------------------------


async def run_report(engine: AsyncEngine) -> float | None:
    """/report of this year, all families, as the handler builds it: the figures, then the
    XLSX bytes (bot/services/report.py)."""
    try:
        from bot.services import report
    except ImportError:
        return None
    from bot.content import Content

    content = Content()
    sessions = create_sessionmaker(engine)
    period = periods()["this year"]
    started = time.perf_counter()
    async with sessions() as session:
        found = await report.build(
            session,
            COORDINATOR,
            period,
            Scope(),
            today=local_today(),
            content=content,
            locale="ru",
            gettext=lambda message: message,
        )
        report.workbook(found, lambda message: message)
        await session.rollback()
    return time.perf_counter() - started


async def run_export(
    engine: AsyncEngine, writer: str = "ours"
) -> tuple[float, float, float] | None:
    """/export of this year, all families, as the handler writes it (bot/services/export.py):
    the XLSX file on disk, and its audit row. Its time, this process's CPU time over it (the
    export's own cost even on a busy machine) and the file's size in MB."""
    try:
        from bot.services import export
    except ImportError:
        return None
    import importlib

    from bot.content import Content

    # The service writes through whichever writer class its module name points at.
    export.XlsxWriter = importlib.import_module(WRITERS[writer]).XlsxWriter  # type: ignore[misc]
    out = DATA_DIR / f"export-bench-{writer}.xlsx"
    started, started_cpu = time.perf_counter(), time.process_time()
    summary = await export.write_workbook(
        create_sessionmaker(engine),
        COORDINATOR,
        periods()["this year"],
        locale="ru",
        gettext=lambda message: message,
        content=Content(),
        path=out,
        now=NOW,
    )
    spent, cpu = time.perf_counter() - started, time.process_time() - started_cpu
    size_mb = out.stat().st_size / 2**20
    rows = ", ".join(f"{sheet} {count:,}" for sheet, count in summary.rows.items())
    print(f"rows: {rows}; file {size_mb:.1f} MB", file=sys.stderr)
    return spent, cpu, size_mb


def export_in_child(url: str, writer: str) -> tuple[float, float, float, float] | None:
    """The export in a fresh interpreter: its time, its CPU time, its own peak RSS in MB and
    the file's MB."""
    command = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--export-child",
        url,
        "--writer",
        writer,
    ]
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    spent = time.perf_counter() - started
    if done.returncode == 3:
        return None  # no export service yet
    if done.returncode != 0:
        print(done.stdout, done.stderr, sep="\n")
        raise RuntimeError("the export child failed")
    # The child's own peak, which it reports itself (see bench/proc.py for why).
    inner, cpu, peak_mb, size_mb = map(float, done.stdout.strip().splitlines()[-1].split())
    print(f"  {done.stderr.strip().splitlines()[-1]}")
    print(
        f"  (child process wall time {spent:.1f} s, the export itself {inner:.1f} s,"
        f" CPU {cpu:.1f} s)"
    )
    return inner, cpu, peak_mb, size_mb


async def _export_child(url: str, writer: str) -> int:
    engine = create_engine(url)
    exported = await run_export(engine, writer)
    await engine.dispose()
    if exported is None:
        return 3
    spent, cpu, size_mb = exported
    print(spent, cpu, peak_rss_mb(), size_mb)
    return 0


# --- main -----------------------------------------------------------------------------------


CASE_FILE_TARGET_S = 2.0


async def run_case_file(engine: AsyncEngine, runs: int = 5) -> tuple[int, int, float] | None:
    """The case file (DOCX) of the family with the most visits, over its whole history (two
    years of visits, meetings, plan tasks and reviews): its context built as the job builds it,
    then rendered. (family id, its visits, median seconds)."""
    from bot.services import case_file

    content = Content()
    sessions = create_sessionmaker(engine)
    async with sessions() as session:
        found = (
            await session.execute(
                text(
                    "SELECT family_id, count(*) AS n FROM visits WHERE deleted_at IS NULL"
                    " GROUP BY family_id ORDER BY n DESC LIMIT 1"
                )
            )
        ).first()
        if found is None:
            return None
        family_id, visits = int(found[0]), int(found[1])
        now = datetime.now(UTC)
        period = await case_file.period_for(
            session, COORDINATOR, family_id, case_file.PeriodKind.WHOLE, now
        )
        await session.rollback()
    spent: list[float] = []
    for _ in range(runs):
        started = time.perf_counter()
        async with sessions() as session:
            context = await case_file.build(
                session,
                COORDINATOR,
                family_id,
                period,
                content=content,
                locale="ru",
                gettext=lambda message: message,
                now=now,
            )
            await session.rollback()  # the bench leaves no audit rows behind
        case_file.render(content.case_file, context)
        spent.append(time.perf_counter() - started)
    return family_id, visits, statistics.median(spent)


async def run(args: argparse.Namespace) -> int:
    url = database_url(args.backend, args.scale)
    await prepare(url, args.scale, args.rebuild)
    await prepare_cases(url, args.scale)
    await prepare_evidence(url, args.scale)
    await prepare_codes(url)
    if args.revision:  # e.g. the figures before a migration's indexes; the next run re-applies
        await asyncio.to_thread(downgrade, url, args.revision)
        print(f"schema at revision {args.revision}")
    engine = create_engine(url)
    print(f"backend {args.backend}, scale {args.scale}, size {await database_size(engine, url)}")
    only = set(args.section) if args.section else None
    if args.explain:
        await explain(engine, url, only)
        await engine.dispose()
        return 0
    met = True
    figures: list[Figure] = []
    if not args.skip_stats:
        print(f"/stats sections, {args.runs} runs each after a warm-up:")
        figures = await measure_stats(engine, args.runs, only)
    if figures:
        worst = max(figures, key=lambda f: f.median_ms)
        verdict = ""
        if args.backend == "sqlite":
            met = worst.median_ms < SECTION_TARGET_MS
            verdict = f"; target under {SECTION_TARGET_MS:.0f} ms on SQLite — " + (
                "met" if met else "NOT MET"
            )
        print(
            f"slowest median: {worst.section} {worst.period} {worst.scope}"
            f" {worst.median_ms:.1f} ms{verdict}"
        )
    if not args.skip_files:
        spent = await run_report(engine)
        if spent is None:
            print("/report: not measured (no entry point in bot/services/report.py yet)")
        else:
            print(f"/report of this year: {spent:.2f} s")
        made = await run_case_file(engine)
        if made is not None:
            family_id, visits, seconds = made
            ok = seconds < CASE_FILE_TARGET_S
            met = met and ok
            print(
                f"case file (DOCX) of family {family_id} ({visits} visits), whole case:"
                f" {seconds:.2f} s median; target under {CASE_FILE_TARGET_S:.0f} s —",
                "met" if ok else "NOT MET",
            )
        await engine.dispose()
        writers = list(WRITERS) if args.writer == "both" else [args.writer]
        for writer in writers:
            exported = export_in_child(url, writer)
            if exported is None:
                print("/export: not measured (no entry point in bot/services/export.py yet)")
                break
            seconds, cpu, peak_mb, size_mb = exported
            ok = seconds < EXPORT_TARGET_S and peak_mb < EXPORT_TARGET_MB
            met = met and ok
            print(
                f"/export of this year, writer {writer}: {seconds:.1f} s (CPU {cpu:.1f} s),"
                f" peak RSS {peak_mb:.0f} MB, file {size_mb:.1f} MB; target under"
                f" {EXPORT_TARGET_S:.0f} s and {EXPORT_TARGET_MB:.0f} MB —",
                "met" if ok else "NOT MET",
                flush=True,
            )
    await engine.dispose()
    return 0 if met else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--rebuild", action="store_true", help="build the data again")
    parser.add_argument("--explain", action="store_true", help="print query plans and stop")
    parser.add_argument("--section", action="append", help="time only this section (repeatable)")
    parser.add_argument("--revision", help="time at this older migration (before its indexes)")
    parser.add_argument("--skip-files", action="store_true", help="no /report and /export")
    parser.add_argument("--skip-stats", action="store_true", help="no /stats sections")
    parser.add_argument(
        "--writer",
        choices=(*WRITERS, "both"),
        default="ours",
        help="the XLSX writer /export is timed with (both: one child each, in the same run)",
    )
    parser.add_argument("--export-child", metavar="URL", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.export_child:
        return asyncio.run(_export_child(args.export_child, args.writer))
    return asyncio.run(run(args))


if __name__ == "__main__":
    raise SystemExit(main())
