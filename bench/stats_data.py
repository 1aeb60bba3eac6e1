"""A service's two years at the issue's size, bulk-inserted once for bench/stats.py.

At scale 1.0: 10,000 families, 200 mentors, 1,000,000 visits, ~2,000 safety concerns, 4,000
enrollments with their homework weeks, 200,000 homework answers, 20,000 network meetings with
160,000 participants and SRS responses from most attendees, ~6,000 case records and ~50,000
ИПСС plan tasks. Random but seeded: the same scale always builds the same rows.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Table, insert, text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.content.srs import ITEM_CODES
from bot.db.models import (
    CaseRecord,
    Enrollment,
    Family,
    FamilyLink,
    HomeworkAnswer,
    HomeworkWeek,
    Meeting,
    MeetingParticipant,
    Person,
    PersonRole,
    PlanTask,
    SafetyConcern,
    SrsResponse,
    Visit,
)

NOW = datetime(2026, 11, 23, 7, 0, tzinfo=UTC)
TODAY = NOW.date()
WINDOW_DAYS = 730  # two years of activity
COORDINATOR_ID = 1
COORDINATOR_TG = 7_000_001
COORDINATOR_ZONE = "Asia/Novokuznetsk"
CATEGORIES = ("sop", "tzhs", "low_income", "large", "single_parent", "guardian", "other")
ZONES = ("Europe/Moscow", "Asia/Yekaterinburg", "Asia/Novokuznetsk", "Asia/Barnaul")
PROGRAMMES = {"tochka_opory": 10, "semeyny_pomoshnik": 8, "semeyny_navigator": 8}
METHODS = ("observation", "curation", "intervention", "correction", "prevention")
HELP = ("financial_literacy", "leisure", "material", "employment", "social_contract")
RELATIONS = (
    "mother",
    "relative",
    "friend",
    "friend",
    "teacher",
    "official",
    "specialist",
    "specialist",
)
BATCH = 20_000
EXPLICIT_IDS = (
    "people",
    "families",
    "visits",
    "enrollments",
    "homework_weeks",
    "meetings",
    "meeting_participants",
)


@dataclass(frozen=True)
class Sizes:
    families: int
    mentors: int
    visits: int
    concerns: int
    enrollments: int
    answers: int
    meetings: int

    @classmethod
    def at(cls, scale: float) -> Sizes:
        def n(full: int, least: int = 1) -> int:
            return max(least, round(full * scale))

        return cls(
            families=n(10_000, 20),
            mentors=n(200, 2),
            visits=n(1_000_000),
            concerns=n(2_000),
            enrollments=n(4_000),
            answers=n(200_000),
            meetings=n(20_000),
        )


@dataclass(frozen=True)
class FamilySpan:
    """The days a family was on the register within the window."""

    first: date
    last: date

    @property
    def days(self) -> int:
        return (self.last - self.first).days


def _utc(day: date, hour: int = 12, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), UTC)


class Builder:
    def __init__(self, engine: AsyncEngine, sizes: Sizes) -> None:
        self.engine = engine
        self.sizes = sizes
        self.rnd = random.Random(2026)
        self.counts: dict[str, int] = {}
        self.spans: dict[int, FamilySpan] = {}
        self.mentor_of: dict[int, int] = {}

    async def insert(self, table: Any, rows: Iterable[dict[str, Any]]) -> None:
        """Core executemany in batches, one transaction per batch."""
        target: Table = table.__table__
        batch: list[dict[str, Any]] = []
        for row in rows:
            batch.append(row)
            if len(batch) >= BATCH:
                await self._flush(target, batch)
                batch = []
        if batch:
            await self._flush(target, batch)

    async def _flush(self, target: Table, batch: list[dict[str, Any]]) -> None:
        async with self.engine.begin() as conn:
            await conn.execute(insert(target), batch)
        self.counts[target.name] = self.counts.get(target.name, 0) + len(batch)

    async def build(self) -> dict[str, int]:
        await self.insert(Person, self._people())
        await self.insert(PersonRole, self._roles())
        await self.insert(Family, self._families())
        await self.insert(FamilyLink, self._links())
        concern_visits = await self._visits()
        await self.insert(SafetyConcern, self._concerns(concern_visits))
        weeks = await self._programmes()
        await self.insert(HomeworkAnswer, self._answers(weeks))
        await self._meetings()
        await self._plans()
        await self._fix_sequences()
        return self.counts

    # --- people and families ---------------------------------------------------------------

    def _mentor_ids(self) -> range:
        return range(2, 2 + self.sizes.mentors)

    def _people(self) -> Iterator[dict[str, Any]]:
        yield {
            "id": COORDINATOR_ID,
            "telegram_id": COORDINATOR_TG,
            "display_name": "Координатор",
            "timezone": COORDINATOR_ZONE,
            "created_at": NOW - timedelta(days=WINDOW_DAYS + 30),
        }
        for i in self._mentor_ids():
            yield {
                "id": i,
                "telegram_id": COORDINATOR_TG + i,
                "display_name": f"Наставник {i:03d}",
                "timezone": self.rnd.choice(ZONES),
                "created_at": NOW - timedelta(days=WINDOW_DAYS + 30),
            }

    def _roles(self) -> Iterator[dict[str, Any]]:
        granted = NOW - timedelta(days=WINDOW_DAYS + 30)
        yield {"person_id": COORDINATOR_ID, "role": "coordinator", "granted_at": granted}
        for i in self._mentor_ids():
            yield {"person_id": i, "role": "mentor", "granted_at": granted}

    def _families(self) -> Iterator[dict[str, Any]]:
        rnd = self.rnd
        window_start = TODAY - timedelta(days=WINDOW_DAYS)
        # A third were registered before the window, the rest during it; ids follow the
        # registration day, as rows are appended in a live database.
        registered = sorted(
            window_start - timedelta(days=rnd.randint(1, 400))
            if rnd.random() < 0.33
            else window_start + timedelta(days=rnd.randint(0, WINDOW_DAYS - 1))
            for _ in range(self.sizes.families)
        )
        for i, created in enumerate(registered, start=1):
            closed_at = reason = None
            first = max(created, window_start)
            last = TODAY
            if rnd.random() < 0.3:
                closed = first + timedelta(days=rnd.randint(30, 700))
                if closed < TODAY:
                    closed_at = _utc(closed, 9)
                    last = closed
                    reason = rnd.choices(
                        ("improvement", "moved", "refused", "other"), (6, 2, 1, 1)
                    )[0]
            self.spans[i] = FamilySpan(first, last)
            name = f"Семья {i:05d} {rnd.choice(['Ивановы', 'Петровы', 'Сидоровы', 'Орловы'])}"
            yield {
                "id": i,
                "name": name,
                "search_name": name.casefold(),
                "category": rnd.choices(CATEGORIES, (3, 4, 3, 2, 2, 1, 1))[0],
                "support_level": "crisis" if rnd.random() < 0.15 else "basic",
                "timezone": rnd.choice(ZONES),
                "created_at": _utc(created, 5),
                "created_by_id": COORDINATOR_ID,
                "closed_at": closed_at,
                "closed_reason": reason,
                "closed_by_id": COORDINATOR_ID if closed_at else None,
            }

    def _links(self) -> Iterator[dict[str, Any]]:
        # Nine families in ten have a mentor; each mentor carries ~45 of them (the issue's
        # 10,000 families over 200 mentors), a curator link on every third family.
        mentors = list(self._mentor_ids())
        for family_id in range(1, self.sizes.families + 1):
            created = NOW - timedelta(days=WINDOW_DAYS)
            if family_id % 10 != 0:
                mentor = mentors[family_id % len(mentors)]
                self.mentor_of[family_id] = mentor
                yield {
                    "family_id": family_id,
                    "person_id": mentor,
                    "kind": "mentor",
                    "created_at": created,
                }
            if family_id % 3 == 0:
                yield {
                    "family_id": family_id,
                    "person_id": COORDINATOR_ID,
                    "kind": "curator",
                    "created_at": created,
                }

    # --- visits and concerns ---------------------------------------------------------------

    async def _visits(self) -> list[tuple[int, int, datetime]]:
        """Inserts the visits; returns (id, family id, recorded at) of those with a concern."""
        rnd = self.rnd
        visited = [f for f in self.mentor_of if self.spans[f].days > 0]
        every = max(1, self.sizes.visits // max(1, self.sizes.concerns))
        concerns: list[tuple[int, int, datetime]] = []

        window_start = TODAY - timedelta(days=WINDOW_DAYS)

        def pick() -> tuple[date, int]:
            # Even over the two years (a year holds about half), each by a family on the
            # register that day.
            day = window_start + timedelta(days=rnd.randint(0, WINDOW_DAYS))
            while True:
                family_id = rnd.choice(visited)
                span = self.spans[family_id]
                if span.first <= day <= span.last:
                    return day, family_id

        # Visits are logged day by day: ids follow the visit's day, as in a live database.
        planned = sorted(pick() for _ in range(self.sizes.visits))

        def rows() -> Iterator[dict[str, Any]]:
            for visit_id, (day, family_id) in enumerate(planned, start=1):
                recorded = _utc(day, rnd.randint(5, 14), rnd.randint(0, 59))
                concern = visit_id % every == 0
                if concern:
                    concerns.append((visit_id, family_id, recorded))
                yield {
                    "id": visit_id,
                    "family_id": family_id,
                    "mentor_id": self.mentor_of[family_id],
                    "visit_date": day,
                    "recorded_at": recorded,
                    "format": rnd.choice(("home", "home", "elsewhere", "call")),
                    "duration_minutes": rnd.choice((30, 45, 60, 90)),
                    "methods": [rnd.choice(METHODS)],
                    "help_given": [rnd.choice(HELP)] if rnd.random() < 0.4 else [],
                    "situation": rnd.randint(1, 5),
                    "concern": concern,
                    "concern_text": "Ребёнок один дома вечером" if concern else None,
                    "draft_key": f"bench-v{visit_id}",
                    # A few visits were deleted by their mentor.
                    "deleted_at": recorded + timedelta(hours=1) if visit_id % 500 == 7 else None,
                }

        await self.insert(Visit, rows())
        return concerns

    def _concerns(self, visits: list[tuple[int, int, datetime]]) -> Iterator[dict[str, Any]]:
        rnd = self.rnd
        for visit_id, family_id, raised in visits:
            acknowledged = None
            # Most are taken on within hours; the last few days' may still be open.
            if raised < NOW - timedelta(days=3) or rnd.random() < 0.5:
                acknowledged = raised + timedelta(minutes=rnd.randint(5, 2 * 24 * 60))
                acknowledged = min(acknowledged, NOW)
            yield {
                "visit_id": visit_id,
                "family_id": family_id,
                "raised_at": raised,
                "alerts_sent": 1 if acknowledged else 3,
                "next_alert_at": None if acknowledged else NOW + timedelta(hours=1),
                "acknowledged_at": acknowledged,
                "acknowledged_by_id": COORDINATOR_ID if acknowledged else None,
            }

    # --- programmes ------------------------------------------------------------------------

    async def _programmes(self) -> list[tuple[int, datetime]]:
        """Enrollments and their released weeks; returns (week id, done at) of handed-in weeks."""
        rnd = self.rnd
        families = rnd.sample(sorted(self.spans), min(self.sizes.enrollments, len(self.spans)))
        enrollments: list[dict[str, Any]] = []
        weeks: list[dict[str, Any]] = []
        done: list[tuple[int, datetime]] = []
        starts = sorted(
            (
                self.spans[f].first
                + timedelta(days=rnd.randint(0, max(0, self.spans[f].days - 7))),
                f,
            )
            for f in families
        )
        for enrollment_id, (start, family_id) in enumerate(starts, start=1):
            code = rnd.choice(list(PROGRAMMES))
            length = PROGRAMMES[code]
            created = _utc(start - timedelta(days=rnd.randint(1, 10)), 6)
            fate = rnd.random()  # 75 % finish, 15 % stop midway, 10 % pause
            planned_weeks = length
            status, completed_at, stopped_at, paused_at = "active", None, None, None
            end_of_course = _utc(start + timedelta(days=7 * length + 3), 8)
            if fate < 0.15:
                planned_weeks = rnd.randint(1, length - 1)
                stopped = _utc(start + timedelta(days=7 * planned_weeks + 2), 8)
                if stopped < NOW:
                    status, stopped_at = "stopped", stopped
            elif fate < 0.25:
                planned_weeks = rnd.randint(1, length - 1)
                paused = _utc(start + timedelta(days=7 * planned_weeks + 1), 8)
                if paused < NOW:
                    status, paused_at = "paused", paused
            elif end_of_course < NOW:
                status, completed_at = "completed", end_of_course
            entry = rnd.randint(20, 60)
            exit_total = None
            if completed_at is not None:
                exit_total = entry + rnd.choice((-3, -1, 0, 2, 4, 6, 8, 10))
            enrollments.append(
                {
                    "id": enrollment_id,
                    "family_id": family_id,
                    "programme_code": code,
                    "start_date": start,
                    "release_weekday": start.weekday(),
                    "release_time": time(10, 0),
                    "due_days": 3,
                    "status": status,
                    "paused_at": paused_at,
                    "stopped_at": stopped_at,
                    "created_at": created,
                    "created_by_id": COORDINATOR_ID,
                    "next_release_at": None,
                    "entry_total": entry,
                    "exit_total": exit_total,
                    "positive_override": True if exit_total == entry and fate > 0.9 else None,
                    "completed_at": completed_at,
                }
            )
            for number in range(1, planned_weeks + 1):
                released = _utc(start + timedelta(days=7 * (number - 1)), 3)
                if released >= NOW:
                    break
                due = released + timedelta(days=3)
                handed_in = rnd.random() < 0.75 and due < NOW
                done_at = due - timedelta(hours=rnd.randint(1, 60)) if handed_in else None
                weeks.append(
                    {
                        "enrollment_id": enrollment_id,
                        "week_number": number,
                        "released_at": released,
                        "due_at": due,
                        "late_until": due + timedelta(days=4),
                        "done_at": done_at,
                        "rating": rnd.randint(4, 10) if done_at and rnd.random() < 0.7 else None,
                        "late": False,
                        "digested_at": done_at + timedelta(days=1) if done_at else None,
                        "reminders_queued": 0 if done_at else 2,
                    }
                )
        # Weeks are created when released: ids follow the release.
        weeks.sort(key=lambda week: week["released_at"])
        for week_id, week in enumerate(weeks, start=1):
            week["id"] = week_id
            if week["done_at"] is not None:
                done.append((week_id, week["done_at"]))
        done.sort(key=lambda pair: pair[1])
        await self.insert(Enrollment, enrollments)
        await self.insert(HomeworkWeek, weeks)
        return done

    def _answers(self, weeks: list[tuple[int, datetime]]) -> Iterator[dict[str, Any]]:
        rnd = self.rnd
        if not weeks:
            return
        # Spread evenly over the handed-in weeks, in hand-in order.
        for n in range(self.sizes.answers):
            week_id, done_at = weeks[n * len(weeks) // self.sizes.answers]
            kind = rnd.choices(("text", "photo", "voice"), (5, 3, 2))[0]
            yield {
                "homework_week_id": week_id,
                "person_id": None,
                "kind": kind,
                "text": "Сделали вместе с детьми, было интересно" if kind == "text" else None,
                "file_id": f"bench-file-{n}" if kind != "text" else None,
                "telegram_message_id": 100 + n,
                "created_at": done_at - timedelta(minutes=rnd.randint(0, 600)),
                "late": False,
            }

    # --- network meetings ------------------------------------------------------------------

    async def _meetings(self) -> None:
        rnd = self.rnd
        families = sorted(self.spans)
        meeting_rows: list[dict[str, Any]] = []
        participant_rows: list[dict[str, Any]] = []
        response_rows: list[dict[str, Any]] = []
        participant_id = 0
        # Two years back and a month ahead; ids follow the date, as meetings are planned.
        all_starts = sorted(
            (NOW - timedelta(minutes=rnd.randint(-30 * 24 * 60, WINDOW_DAYS * 24 * 60))).replace(
                second=0, microsecond=0
            )
            for _ in range(self.sizes.meetings)
        )
        for meeting_id, starts in enumerate(all_starts, start=1):
            family_id = rnd.choice(families)
            past = starts + timedelta(hours=2) < NOW
            roll = rnd.random()
            status = "planned"
            if roll < 0.08:
                status = "cancelled"
            elif past and roll < 0.95:
                status = "held"
            created = starts - timedelta(days=14)
            meeting_rows.append(
                {
                    "id": meeting_id,
                    "family_id": family_id,
                    "child_name": rnd.choice(["Саша", "Маша", "Ваня", "Катя", "Миша", "Лиза"]),
                    "topic": "Я хочу жить с мамой",
                    "format": rnd.choice(
                        ("dialogue", "process", "family_council", "support_group")
                    ),
                    "starts_at": starts,
                    "timezone": COORDINATOR_ZONE,
                    "place": "Центр «Семья», кабинет 5",
                    "duration_minutes": rnd.choice((60, 90, 120)),
                    "facilitators": "Анна и Павел",
                    "contact": "+7 900 000-00-00",
                    "note": "Семья переживает трудный период.",
                    "status": status,
                    "created_at": created,
                    "created_by_id": COORDINATOR_ID,
                    "cancelled_at": created + timedelta(days=3) if status == "cancelled" else None,
                    "held_at": starts + timedelta(hours=2) if status == "held" else None,
                    "draft_key": f"bench-m{meeting_id}",
                }
            )
            for slot, relation in enumerate(RELATIONS):
                participant_id += 1
                approved = not (slot == 7 and meeting_id % 4 == 0)
                answer_roll = rnd.random()
                rsvp = None
                if approved and answer_roll < 0.9:
                    rsvp = "yes" if answer_roll < 0.7 else ("no" if answer_roll < 0.8 else "maybe")
                attended = None
                if status == "held":
                    attended = rsvp == "yes" or (rsvp == "maybe" and answer_roll < 0.85)
                participant_rows.append(
                    {
                        "id": participant_id,
                        "meeting_id": meeting_id,
                        "name": f"Участник {slot + 1}",
                        "relation": relation,
                        "approved_by_child": approved,
                        "phone": None,
                        "person_id": None,
                        "invited_at": created + timedelta(hours=1) if approved else None,
                        "opened_at": created + timedelta(hours=5) if rsvp else None,
                        "rsvp": rsvp,
                        "rsvp_at": created + timedelta(hours=6) if rsvp else None,
                        "attended": attended,
                        "created_at": created,
                    }
                )
                if attended and rnd.random() < 0.7:
                    scores = {code: rnd.randint(5, 10) for code in ITEM_CODES}
                    response_rows.append(
                        {
                            "meeting_id": meeting_id,
                            "participant_id": participant_id,
                            "scores": scores,
                            "total": sum(scores.values()),
                            "comment": None,
                            "created_at": starts + timedelta(hours=20),
                        }
                    )
        await self.insert(Meeting, meeting_rows)
        await self.insert(MeetingParticipant, participant_rows)
        await self.insert(SrsResponse, response_rows)

    # --- case plans (ИПСС) -------------------------------------------------------------------

    async def _plans(self) -> None:
        """Six families in ten have a case and 4–12 plan tasks over their time on the register:
        deadlines 2 weeks to 4 months after the task was added; most past ones settled, some
        left open (overdue); one in five added from a visit, one in twenty from a meeting."""
        rnd = random.Random(2027)  # its own stream: the rows above stay as they were
        cases: list[dict[str, Any]] = []
        tasks: list[dict[str, Any]] = []
        for family_id, span in sorted(self.spans.items()):
            if span.days < 30 or rnd.random() >= 0.6:
                continue
            closed = span.last < TODAY
            stage = (
                "closed"
                if closed
                else rnd.choice(("intake", "plan_approved", "monitoring", "final_monitoring"))
            )
            cases.append(
                {
                    "family_id": family_id,
                    "stage": stage,
                    "stage_at": _utc(span.last if closed else span.first, 10),
                    "stage_by_id": COORDINATOR_ID,
                    "final_meeting_date": span.last if closed and rnd.random() < 0.7 else None,
                    "final_summary": None,
                }
            )
            for n in range(rnd.randint(4, 12)):
                added = span.first + timedelta(days=rnd.randint(0, span.days))
                due = added + timedelta(days=rnd.randint(14, 120))
                status = "planned"
                if due < TODAY:
                    settlements = ("done", "not_done", "planned", "in_progress")
                    status = rnd.choices(settlements, (7, 1, 1, 1))[0]
                elif rnd.random() < 0.3:
                    status = "in_progress"
                source = rnd.random()
                source_type = (
                    "visit" if source < 0.2 else "meeting_decision" if source < 0.25 else None
                )
                settled = status in ("done", "not_done")
                tasks.append(
                    {
                        "family_id": family_id,
                        "title": "Оформить пособие на ребёнка",
                        "criteria": None,
                        "family_part": None,
                        "specialists_part": None,
                        "responsible_id": self.mentor_of.get(family_id),
                        "responsible_text": None if family_id in self.mentor_of else "школа",
                        "due_date": due,
                        "status": status,
                        "status_note": None,
                        "status_at": _utc(min(due, TODAY), 15) if settled else None,
                        "source_type": source_type,
                        "source_id": n if source_type else None,  # unique within the family
                        "created_at": _utc(added, 11),
                        "created_by_id": COORDINATOR_ID,
                    }
                )
        await self.insert(CaseRecord, cases)
        await self.insert(PlanTask, tasks)

    async def _fix_sequences(self) -> None:
        """Explicit ids leave PostgreSQL's sequences at 1: move them past the rows."""
        if self.engine.dialect.name != "postgresql":
            return
        async with self.engine.begin() as conn:
            for table in EXPLICIT_IDS:
                await conn.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                        f"(SELECT max(id) FROM {table}))"
                    )
                )
