"""/export: the raw data of a period as an XLSX workbook, one sheet per entity.

Rows are streamed from the database in chunks and each chunk is appended straight into the
zipped sheet on disk (bot/services/xlsx.py), so memory stays small however long the period.
The appending is CPU work: it runs in a thread, chunk by chunk, so the event loop keeps
answering everyone else meanwhile.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.content import Content
from bot.content.intake import LEVELS
from bot.content.srs import ITEM_CODES
from bot.db.models import (
    AnswerKind,
    AssessmentPhase,
    CaseStage,
    MeetingStatus,
    PlanTaskStatus,
    TieNature,
)
from bot.db.queries import case_export, evidence
from bot.db.queries import mentors as mentor_queries
from bot.db.repositories import export as export_repo
from bot.db.repositories import people as people_repo
from bot.i18n import N_
from bot.labels import (
    CASE_STAGES,
    CLOSE_REASONS,
    CONSILIUM_OUTCOMES,
    ENROLLMENT_STATUSES,
    FURTHER_WORK,
    MEETING_FORMATS,
    RELATIONS,
    RSVPS,
    SUPPORT_LEVELS,
    TASK_STATUSES,
)
from bot.services import audit, evidence_stats
from bot.services.access import Action, Actor, authorize
from bot.services.errors import AccessDenied
from bot.services.stats import Period, Scope
from bot.services.xlsx import SheetStream, XlsxWriter

Gettext = Callable[[str], str]

CHUNK = 2000  # rows fetched and appended at a time
JOINED_LIMIT = 10_000  # combinations of methods or help whose joined labels are kept
WIDTH_SAMPLE = 200  # rows of the first chunk that column widths are estimated from
MIN_WIDTH, MAX_WIDTH = 6, 50
DATE_FORMATS = {"ru": ("DD.MM.YYYY", "DD.MM.YYYY HH:MM"), "en": ("YYYY-MM-DD", "YYYY-MM-DD HH:MM")}


class Kind(StrEnum):
    NUMBER = "number"
    LABEL = "label"  # our own words
    TEXT = "text"  # what people typed (the writer keeps every string a string, never a formula)
    DATE = "date"
    DATETIME = "datetime"


@dataclass(frozen=True)
class Column:
    header: str  # an English msgid
    kind: Kind = Kind.NUMBER
    localized: bool = False  # the header is already in the reader's language (from content/)


SNAPSHOT_SHEETS = frozenset({"mentors"})  # as they are now, not limited to the period


@dataclass(frozen=True)
class ExportSummary:
    path: Path
    rows: dict[str, int]  # sheet code -> data rows written

    @property
    def empty(self) -> bool:
        # The registry is a snapshot of now: it alone does not make a period's data.
        return not any(n for code, n in self.rows.items() if code not in SNAPSHOT_SHEETS)


def export_filename(period: Period) -> str:
    return f"export_{period.start.isoformat()}_{period.end.isoformat()}.xlsx"


# --- words --------------------------------------------------------------------------------

MEETING_STATUSES = {
    MeetingStatus.PLANNED: N_("planned"),
    MeetingStatus.HELD: N_("held"),
    MeetingStatus.CANCELLED: N_("cancelled"),
}
ANSWER_KINDS = {
    AnswerKind.TEXT: N_("text"),
    AnswerKind.PHOTO: N_("photo"),
    AnswerKind.VOICE: N_("voice"),
    AnswerKind.DOCUMENT: N_("document"),
}
RESPONSIBLE_KINDS = {
    "curator": N_("curator"),
    "mentor": N_("mentor"),
    "parent": N_("parent"),
    export_repo.RESPONSIBLE_COORDINATOR: N_("coordinator"),
    export_repo.RESPONSIBLE_PERSON: N_("someone no longer linked to the family"),
    export_repo.RESPONSIBLE_TEXT: N_("written in words"),
}
TIE_NATURES = {
    TieNature.SUPPORTIVE: N_("supportive"),
    TieNature.NEUTRAL: N_("neutral"),
    TieNature.CONFLICTUAL: N_("conflictual"),
}
ASSESSMENT_PHASES = {
    AssessmentPhase.INTAKE: N_("preliminary"),
    AssessmentPhase.FINAL: N_("final"),
}
HEADER_LIMIT = 60  # a statement of the family's evaluation as a column header
SRS_ITEMS = {
    "relationship": N_("SRS: relationship"),
    "goals": N_("SRS: goals and topics"),
    "approach": N_("SRS: approach or method"),
    "overall": N_("SRS: overall"),
}


class Words:
    """Every code-to-label map translated once, so the rows are converted by dict lookups
    (in a worker thread, away from gettext and the event loop)."""

    def __init__(self, gettext: Gettext, locale: str, content: Content, timezone: str) -> None:
        self.zone = ZoneInfo(timezone)
        self._joined: dict[tuple[Any, ...], str] = {}
        self.yes, self.no = gettext("yes"), gettext("no")

        def translated(table: dict[Any, str]) -> dict[str, str]:
            return {str(code): gettext(msgid) for code, msgid in table.items()}

        self.levels = translated(SUPPORT_LEVELS)
        self.close_reasons = translated(CLOSE_REASONS)
        self.meeting_formats = translated(MEETING_FORMATS)
        self.meeting_statuses = translated(MEETING_STATUSES)
        self.relations = translated(RELATIONS)
        self.rsvps = translated(RSVPS)
        self.answer_kinds = translated(ANSWER_KINDS)
        self.stages = translated(CASE_STAGES)
        self.task_statuses = translated(TASK_STATUSES)
        self.responsible = translated(RESPONSIBLE_KINDS)
        self.not_assigned = gettext("not assigned")
        self.natures = translated(TIE_NATURES)
        self.categories = {c.code: c.label(locale) for c in content.categories}
        vocabulary = content.visits
        self.visit_formats = {c.code: c.label(locale) for c in vocabulary.formats}
        self.methods = {c.code: c.label(locale) for c in vocabulary.methods}
        self.help = {c.code: c.label(locale) for c in vocabulary.help}
        self.programmes = {code: p.title.get(locale) for code, p in content.programmes.items()}
        intake = content.intake
        self.sources = {i.code: i.label(locale) for i in intake.sources}
        self.difficulties = {i.code: i.label(locale) for i in intake.difficulties}
        self.signs = {
            i.code: i.label(locale) for level in LEVELS for i in intake.level_signs[level]
        }
        self.member_relations = {i.code: i.label(locale) for i in intake.relations}
        self.child, self.adult = gettext("child"), gettext("adult")
        self.aspects = {a.code: a.name.get(locale) for a in content.assessment.aspects}
        self.phases = translated(ASSESSMENT_PHASES)
        self.outcomes = translated(CONSILIUM_OUTCOMES)
        self.enrolment_statuses = translated(ENROLLMENT_STATUSES)
        self.further = translated(FURTHER_WORK)
        self.statements = [s.code for s in content.evaluation.family.statements]

    def local(self, moment: datetime | str | None) -> datetime | None:
        """A UTC moment as the coordinator's wall-clock time: Excel has no time zones."""
        utc = _utc(moment)
        return None if utc is None else utc.astimezone(self.zone).replace(tzinfo=None)

    def flag(self, value: bool | None) -> str | None:
        return None if value is None else (self.yes if value else self.no)

    @staticmethod
    def label(table: dict[str, str], code: str | None) -> str | None:
        # A code no longer in the content still shows as itself rather than vanishing.
        return None if code is None else table.get(code, code)

    def labels(self, table: dict[str, str], raw: Sequence[str] | str | None) -> str | None:
        codes = _json(raw)
        if not codes:
            return None  # nothing chosen: an empty cell
        key = (id(table), *codes)  # a few combinations repeat over and over
        joined = self._joined.get(key)
        if joined is None:
            joined = "; ".join(table.get(code, code) for code in codes)
            if len(self._joined) < JOINED_LIMIT:
                self._joined[key] = joined
        return joined


# The repository hands columns over as the driver gives them: SQLite's are strings.


def _utc(value: datetime | str | None) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _day(value: date | str | None) -> date | None:
    return date.fromisoformat(value[:10]) if isinstance(value, str) else value


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


# --- sheets -------------------------------------------------------------------------------

Convert = Callable[[Any, Words], list[Any]]
Query = Callable[[Period, Scope], Select[*tuple[Any, ...]]]


@dataclass(frozen=True)
class Sheet:
    code: str
    title: str  # an English msgid; at most 31 characters in every language
    columns: tuple[Column, ...]
    query: Query
    convert: Convert


N, L, T, D, DT = Kind.NUMBER, Kind.LABEL, Kind.TEXT, Kind.DATE, Kind.DATETIME
FAMILY_ID, FAMILY = Column(N_("Family id")), Column(N_("Family"), T)


def _stage(stage: str | None, closed_at: Any) -> str:
    """As the card shows it: "closed" whenever the family is, a reopened case in final
    monitoring, no record yet the first stage."""
    if closed_at is not None:
        return CaseStage.CLOSED.value
    if stage is None:
        return CaseStage.INTAKE.value
    return CaseStage.FINAL_MONITORING.value if stage == CaseStage.CLOSED.value else stage


def _families_row(r: Any, w: Words) -> list[Any]:
    return [
        r[0],
        r[1],
        w.label(w.categories, r[2]),
        w.label(w.levels, r[3]),
        w.local(r[4]),
        w.local(r[5]),
        w.label(w.close_reasons, r[6]),
        r[7],
        w.label(w.stages, _stage(r[8], r[5])),
        _day(r[9]),
    ]


def _plan_tasks_row(r: Any, w: Words) -> list[Any]:
    changed = w.local(r[8])
    return [
        *r[0:4],
        w.label(w.task_statuses, r[4]),
        w.not_assigned if r[5] is None else w.label(w.responsible, r[5]),
        _day(r[6]),
        w.local(r[7]),
        changed if r[4] == PlanTaskStatus.DONE.value else None,
        changed if r[4] == PlanTaskStatus.NOT_DONE.value else None,
        r[9] if r[4] == PlanTaskStatus.NOT_DONE.value else None,
    ]


def _social_maps_row(r: Any, w: Words) -> list[Any]:
    return [
        *r[0:2],
        _day(r[2]),
        *r[3:6],
        w.label(w.relations, r[6]),
        r[7],
        w.label(w.natures, r[8]),
    ]


def _visits_row(r: Any, w: Words) -> list[Any]:
    return [
        *r[0:5],
        _day(r[5]),
        w.label(w.visit_formats, r[6]),
        r[7],
        w.labels(w.methods, r[8]),
        w.labels(w.help, r[9]),
        r[10],
        w.flag(r[11]),
        r[12],
        r[13],
        _day(r[14]),
        w.local(r[15]),
    ]


def _homework_row(r: Any, w: Words) -> list[Any]:
    return [
        *r[0:3],
        w.label(w.programmes, r[3]),
        r[4],
        w.local(r[5]),
        w.local(r[6]),
        w.local(r[7]),
        w.flag(r[8]),
        r[9],
        r[10],
        r[11],
    ]


def _answers_row(r: Any, w: Words) -> list[Any]:
    kind = w.label(w.answer_kinds, r[6])
    answer = r[7] if r[6] == AnswerKind.TEXT.value else kind
    return [*r[0:5], w.local(r[5]), kind, answer, w.flag(r[8])]


def _meetings_row(r: Any, w: Words) -> list[Any]:
    return [
        *r[0:5],
        w.label(w.meeting_formats, r[5]),
        w.label(w.meeting_statuses, r[6]),
        w.local(r[7]),
        r[8],
        r[9],
        r[10],
        w.local(r[11]),
        w.local(r[12]),
    ]


def _participants_row(r: Any, w: Words) -> list[Any]:
    return [
        *r[0:3],
        w.local(r[3]),
        r[4],
        w.label(w.relations, r[5]),
        w.flag(r[6]),
        w.local(r[7]),
        w.local(r[8]),
        w.label(w.rsvps, r[9]),
        r[10],
        w.local(r[11]),
        w.flag(r[12]),
    ]


def _srs_row(r: Any, w: Words) -> list[Any]:
    scores = _json(r[6]) or {}
    return [*r[0:5], w.local(r[5]), *(scores.get(code) for code in ITEM_CODES), r[7], r[8]]


def _concerns_row(r: Any, w: Words) -> list[Any]:
    raised, acknowledged = _utc(r[4]), _utc(r[5])
    minutes = (
        round((acknowledged - raised) / timedelta(minutes=1), 1)
        if acknowledged is not None and raised is not None
        else None
    )
    return [*r[0:4], w.local(raised), w.local(acknowledged), r[6], r[7], minutes]


def _requests_row(r: Any, w: Words) -> list[Any]:
    return [
        r[0],
        _day(r[1]),
        w.label(w.sources, r[2]),
        r[3],
        w.labels(w.difficulties, r[4]),
        w.label(w.levels, r[5]),
        w.labels(w.signs, r[6]),
    ]


def _members_row(r: Any, w: Words) -> list[Any]:
    is_child = None if r[3] is None else bool(r[3])
    kind = None if is_child is None else (w.child if is_child else w.adult)
    return [r[0], r[1], r[2], kind, w.label(w.member_relations, r[4])]


def _assessments_row(r: Any, w: Words) -> list[Any]:
    return [
        r[0],
        w.label(w.phases, r[1]),
        w.label(w.aspects, r[2]),
        r[3],
        _day(r[4]),
        r[5],
    ]


def _consiliums_row(r: Any, w: Words) -> list[Any]:
    return [
        r[0],
        r[1],
        _day(r[2]),
        _day(r[3]),
        w.local(r[4]),
        w.label(w.outcomes, r[5]),
        r[6],
        r[7],
        r[8],
        _day(r[9]),
    ]


def _days(query: Callable[..., Select[*tuple[Any, ...]]]) -> Query:
    def build(period: Period, scope: Scope) -> Select[*tuple[Any, ...]]:
        return query(period.start, period.end, scope.limit)

    return build


def _datetimes(query: Callable[..., Select[*tuple[Any, ...]]]) -> Query:
    def build(period: Period, scope: Scope) -> Select[*tuple[Any, ...]]:
        begin, finish = period.utc_bounds()
        return query(begin, finish, scope.limit)

    return build


SHEETS: tuple[Sheet, ...] = (
    Sheet(
        "families",
        N_("Families"),
        (
            FAMILY_ID,
            FAMILY,
            Column(N_("Category"), L),
            Column(N_("Support level"), L),
            Column(N_("Registered"), DT),
            Column(N_("Closed"), DT),
            Column(N_("Close reason"), L),
            Column(N_("Close note"), T),
            Column(N_("Case stage"), L),
            Column(N_("Final meeting"), D),
        ),
        _datetimes(export_repo.families),
        _families_row,
    ),
    Sheet(
        "visits",
        N_("Visits"),
        (
            Column(N_("Visit id")),
            FAMILY_ID,
            FAMILY,
            Column(N_("Mentor id")),
            Column(N_("Mentor"), T),
            Column(N_("Visit date"), D),
            Column(N_("Format"), L),
            Column(N_("Duration, min")),
            Column(N_("Methods"), L),
            Column(N_("Help given"), L),
            Column(N_("Situation (1–5)")),
            Column(N_("Safety concern"), L),
            Column(N_("Concern"), T),
            Column(N_("Notes"), T),
            Column(N_("Next visit"), D),
            Column(N_("Recorded"), DT),
        ),
        lambda period, scope: export_repo.visits(period.start, period.end, scope.limit),
        _visits_row,
    ),
    Sheet(
        "homework",
        N_("Homework"),
        (
            Column(N_("Week id")),
            FAMILY_ID,
            FAMILY,
            Column(N_("Programme"), L),
            Column(N_("Week")),
            Column(N_("Released"), DT),
            Column(N_("Due"), DT),
            Column(N_("Handed in"), DT),
            Column(N_("Late"), L),
            Column(N_("Rating")),
            Column(N_("Rating comment"), T),
            Column(N_("Answers")),
        ),
        _datetimes(export_repo.homework),
        _homework_row,
    ),
    Sheet(
        "answers",
        N_("Answers"),
        (
            Column(N_("Answer id")),
            Column(N_("Week id")),
            FAMILY_ID,
            FAMILY,
            Column(N_("Week")),
            Column(N_("Sent"), DT),
            Column(N_("Kind"), L),
            Column(N_("Answer"), T),
            Column(N_("Late"), L),
        ),
        _datetimes(export_repo.answers),
        _answers_row,
    ),
    Sheet(
        "meetings",
        N_("Meetings"),
        (
            Column(N_("Meeting id")),
            FAMILY_ID,
            FAMILY,
            Column(N_("Child"), T),
            Column(N_("Topic"), T),
            Column(N_("Format"), L),
            Column(N_("Status"), L),
            Column(N_("Starts"), DT),
            Column(N_("Duration, min")),
            Column(N_("Place"), T),
            Column(N_("Facilitators"), T),
            Column(N_("Held"), DT),
            Column(N_("Cancelled"), DT),
        ),
        _datetimes(export_repo.meetings),
        _meetings_row,
    ),
    Sheet(
        "participants",
        N_("Participants"),
        (
            Column(N_("Participant id")),
            Column(N_("Meeting id")),
            FAMILY_ID,
            Column(N_("Meeting starts"), DT),
            Column(N_("Name"), T),
            Column(N_("Relation"), L),
            Column(N_("Approved by the child"), L),
            Column(N_("Invited"), DT),
            Column(N_("Opened"), DT),
            Column(N_("RSVP"), L),
            Column(N_("Comment"), T),
            Column(N_("Answered"), DT),
            Column(N_("Attended"), L),
        ),
        _datetimes(export_repo.participants),
        _participants_row,
    ),
    Sheet(
        "srs",
        N_("SRS"),
        (
            Column(N_("Response id")),
            Column(N_("Meeting id")),
            FAMILY_ID,
            Column(N_("Participant id")),
            Column(N_("Participant"), T),
            Column(N_("Sent"), DT),
            *(Column(SRS_ITEMS[code]) for code in ITEM_CODES),
            Column(N_("SRS total")),
            Column(N_("Comment"), T),
        ),
        _datetimes(export_repo.srs),
        _srs_row,
    ),
    Sheet(
        "concerns",
        N_("Concerns"),
        (
            Column(N_("Concern id")),
            Column(N_("Visit id")),
            FAMILY_ID,
            FAMILY,
            Column(N_("Raised"), DT),
            Column(N_("Acknowledged"), DT),
            Column(N_("Acknowledged by id")),
            Column(N_("Acknowledged by"), T),
            Column(N_("Minutes to acknowledge")),
        ),
        _datetimes(export_repo.concerns),
        _concerns_row,
    ),
    Sheet(
        "plan_tasks",
        N_("Plan tasks"),
        (
            Column(N_("Task id")),
            FAMILY_ID,
            FAMILY,
            Column(N_("Task"), T),
            Column(N_("Status"), L),
            Column(N_("Responsible"), L),
            Column(N_("Deadline"), D),
            Column(N_("Added"), DT),
            Column(N_("Done"), DT),
            Column(N_("Not done"), DT),
            Column(N_("Why not done"), T),
        ),
        _datetimes(export_repo.plan_tasks),
        _plan_tasks_row,
    ),
    Sheet(
        "social_maps",
        N_("Social maps"),
        (
            Column(N_("Map id")),
            FAMILY_ID,
            Column(N_("Snapshot date"), D),
            Column(N_("Child"), T),
            Column(N_("Person id"), T),
            Column(N_("Name"), T),
            Column(N_("Relation"), L),
            Column(N_("Circle")),
            Column(N_("Tie"), L),
        ),
        lambda period, scope: export_repo.social_maps(period.start, period.end, scope.limit),
        _social_maps_row,
    ),
    # The family's case. No family name here, and of the make-up the first names only.
    Sheet(
        "requests",
        N_("Requests"),
        (
            FAMILY_ID,
            Column(N_("Received"), D),
            Column(N_("How the family came"), L),
            Column(N_("In the family's words"), T),
            Column(N_("Kinds of difficulty"), L),
            Column(N_("Support level"), L),
            Column(N_("Signs of the level"), L),
        ),
        _days(case_export.requests),
        _requests_row,
    ),
    Sheet(
        "members",
        N_("Make-up"),
        (
            FAMILY_ID,
            Column(N_("First name"), T),
            Column(N_("Year of birth")),
            Column(N_("Child or adult"), L),
            Column(N_("Relation to the children"), L),
        ),
        _datetimes(case_export.members),
        _members_row,
    ),
    Sheet(
        "assessments",
        N_("Assessments"),
        (
            FAMILY_ID,
            Column(N_("Assessment"), L),
            Column(N_("Aspect"), L),
            Column(N_("Score")),
            Column(N_("Rated on"), D),
            Column(N_("Note on the score"), T),
        ),
        _days(case_export.assessments),
        _assessments_row,
    ),
    Sheet(
        "consiliums",
        N_("Consilium reviews"),
        (
            Column(N_("Consilium id")),
            FAMILY_ID,
            Column(N_("Planned for"), D),
            Column(N_("Held on"), D),
            Column(N_("Cancelled on"), DT),
            Column(N_("Outcome"), L),
            Column(N_("Participants who use the bot")),
            Column(N_("Other participants"), T),
            Column(N_("Decisions")),
            Column(N_("Next review"), D),
        ),
        _days(case_export.consiliums),
        _consiliums_row,
    ),
)


# Evidence that change lasts (issue 20): enrolments with their follow-ups, the two evaluations
# of a programme, and network meetings' decisions. Built per export: the follow-up months and
# the family's statements come from content/.


def _positive(override: Any, entry: Any, exit_total: Any) -> bool | None:
    """As Enrollment.positive_dynamics (SQLite hands booleans over as 0/1)."""
    if override is not None:
        return bool(override)
    if entry is None or exit_total is None:
        return None
    return bool(exit_total > entry)


def _enrolments_row(r: Any, w: Words) -> list[Any]:
    return [
        r[0],
        r[1],
        w.label(w.programmes, r[2]),
        w.label(w.enrolment_statuses, r[3]),
        _day(r[4]),
        w.local(r[5]),
        w.flag(_positive(r[6], r[7], r[8])),
        r[7],
        r[8],
        *r[9:],
    ]


def _family_evaluations_row(r: Any, w: Words) -> list[Any]:
    answers = _json(r[4]) or {}
    return [
        *r[0:2],
        w.label(w.programmes, r[2]),
        w.local(r[3]),
        *(answers.get(code) for code in w.statements),
        w.flag(bool(r[5])),
        r[5] or None,
    ]


def _specialist_evaluations_row(r: Any, w: Words) -> list[Any]:
    return [
        *r[0:2],
        w.label(w.programmes, r[2]),
        w.local(r[3]),
        *r[4:7],
        w.label(w.further, r[7]),
        r[8],
    ]


def _decisions_row(r: Any, w: Words) -> list[Any]:
    due, done = _day(r[4]), _utc(r[6])
    on_time = None
    if done is not None and due is not None:
        try:
            zone = ZoneInfo(str(r[9]))
        except (KeyError, ValueError):
            zone = w.zone
        on_time = done.astimezone(zone).date() <= due
    return [
        *r[0:3],
        r[3],
        due,
        w.local(r[5]),
        w.local(done),
        w.flag(on_time),
        w.local(r[7]),
        r[8],
    ]


def _shortened(text: str) -> str:
    return text if len(text) <= HEADER_LIMIT else text[: HEADER_LIMIT - 1].rstrip() + "…"


def evidence_sheets(content: Content, locale: str, gettext: Gettext) -> tuple[Sheet, ...]:
    months = evidence_stats.follow_up_months(content)
    statements = content.evaluation.family.statements
    enrolment_id = Column(N_("Enrolment id"))
    programme = Column(N_("Programme"), L)
    return (
        Sheet(
            "enrolments",
            N_("Enrolments"),
            (
                enrolment_id,
                FAMILY_ID,
                programme,
                Column(N_("Status"), L),
                Column(N_("Start"), D),
                Column(N_("Completed"), DT),
                Column(N_("Positive dynamics"), L),
                Column(N_("Entry total")),
                Column(N_("Exit total")),
                *(
                    Column(
                        gettext("Follow-up total, {months} months").format(months=m),
                        localized=True,
                    )
                    for m in months
                ),
            ),
            lambda period, scope: evidence.enrolments(*period.utc_bounds(), scope.limit, months),
            _enrolments_row,
        ),
        Sheet(
            "family_evaluations",
            N_("Families' evaluations"),
            (
                enrolment_id,
                FAMILY_ID,
                programme,
                Column(N_("Given"), DT),
                *(Column(_shortened(s.get(locale)), localized=True) for s in statements),
                Column(N_("Open answer given"), L),
                Column(N_("Open answer"), T),
            ),
            _datetimes(evidence.programme_evaluations),
            _family_evaluations_row,
        ),
        Sheet(
            "specialist_evaluations",
            N_("Specialists' evaluations"),
            (
                enrolment_id,
                FAMILY_ID,
                programme,
                Column(N_("Given"), DT),
                Column(N_("Engagement (1–5)")),
                Column(N_("Homework done (1–5)")),
                Column(N_("Programme's fit (1–5)")),
                Column(N_("Further work"), L),
                Column(N_("Specialist's note"), T),
            ),
            _datetimes(evidence.specialist_evaluations),
            _specialist_evaluations_row,
        ),
        Sheet(
            "decisions",
            N_("Meeting decisions"),
            (
                Column(N_("Decision id")),
                Column(N_("Meeting id")),
                FAMILY_ID,
                Column(N_("Decision"), T),
                Column(N_("By"), D),
                Column(N_("Taken"), DT),
                Column(N_("Carried out"), DT),
                Column(N_("Carried out by its date"), L),
                Column(N_("Marked not done"), DT),
                Column(N_("Why not done"), T),
            ),
            _datetimes(evidence.meeting_decisions),
            _decisions_row,
        ),
    )


def mentors_sheet(content: Content, locale: str) -> Sheet:
    """The mentors' registry as it is now (not limited to the period); one mentor's row for a
    mentor's scope. Names, as the visits sheet names mentors too."""
    statuses = {s.code: s.label(locale) for s in content.mentors.statuses}

    def row(r: Any, w: Words) -> list[Any]:
        hours = round(((r[6] or 0) + (r[7] or 0)) / 60, 1)
        return [r[0], r[1], w.label(statuses, r[2]), w.local(r[3]), r[4], r[5], hours]

    return Sheet(
        "mentors",
        N_("Mentors"),
        (
            Column(N_("Mentor id")),
            Column(N_("Mentor"), T),
            Column(N_("Status"), L),
            Column(N_("Since"), DT),
            Column(N_("Families")),
            Column(N_("Lessons done")),
            Column(N_("Training hours")),
        ),
        lambda _period, scope: mentor_queries.export_rows(scope.mentor_id),
        row,
    )


# --- writing ------------------------------------------------------------------------------


class SheetWriter:
    """One sheet: its widths are estimated from the header and the first chunk, which the
    streamed sheet needs before its first row."""

    def __init__(self, book: XlsxWriter, sheet: Sheet, words: Words, title: str) -> None:
        self.book = book
        self.sheet = sheet
        self.words = words
        self.title = title
        self.stream: SheetStream | None = None
        self.rows = 0

    def convert(self, rows: Sequence[Any]) -> list[list[Any]]:
        convert, words = self.sheet.convert, self.words
        return [convert(row, words) for row in rows]

    def start(self, headers: list[str], sample: list[list[Any]]) -> None:
        widths = self._widths(headers, sample)
        self.stream = self.book.sheet(self.title, headers, widths)

    def _widths(self, headers: list[str], sample: list[list[Any]]) -> list[float]:
        widths = []
        for index, (header, column) in enumerate(zip(headers, self.sheet.columns, strict=True)):
            longest = len(header) + 2  # room for the filter's arrow
            if column.kind is Kind.DATE:
                longest = max(longest, 11)
            elif column.kind is Kind.DATETIME:
                longest = max(longest, 17)
            else:
                for values in sample[:WIDTH_SAMPLE]:
                    value = values[index]
                    if value is not None:
                        longest = max(longest, len(str(value)))
            widths.append(float(min(MAX_WIDTH, max(MIN_WIDTH, longest + 1))))
        return widths

    def append(self, rows: list[list[Any]]) -> None:
        assert self.stream is not None
        self.stream.append(rows)
        self.rows = self.stream.rows

    def finish(self) -> None:
        assert self.stream is not None
        self.book.closed(self.stream)


async def _write_sheet(
    session: AsyncSession, writer: SheetWriter, headers: list[str], query: Select[Any]
) -> None:
    result = await export_repo.stream_rows(session, query, CHUNK)
    started = False
    async for partition in result.partitions():
        await asyncio.to_thread(_convert_and_append, writer, headers, partition, started)
        started = True
    if not started:
        await asyncio.to_thread(writer.start, headers, [])
    await asyncio.to_thread(writer.finish)


def _convert_and_append(
    writer: SheetWriter, headers: list[str], partition: Sequence[Any], started: bool
) -> None:
    rows = writer.convert(partition)
    if not started:
        writer.start(headers, rows)
    writer.append(rows)


async def _current_actor(session: AsyncSession, actor: Actor) -> Actor:
    """The person's roles as they are now: a coordinator may have lost the role since asking."""
    person = await people_repo.reread(session, actor.person_id)
    if person is None:
        raise AccessDenied(Action.DATA_EXPORT)
    return Actor.of(person)


async def _write_sheets(
    session: AsyncSession,
    book: XlsxWriter,
    words: Words,
    gettext: Gettext,
    period: Period,
    scope: Scope,
    extra: Sequence[Sheet] = (),
) -> dict[str, int]:
    counts: dict[str, int] = {}
    for sheet in (*SHEETS, *extra):
        writer = SheetWriter(book, sheet, words, gettext(sheet.title))
        headers = [
            column.header if column.localized else gettext(column.header)
            for column in sheet.columns
        ]
        await _write_sheet(session, writer, headers, sheet.query(period, scope))
        counts[sheet.code] = writer.rows
    await asyncio.to_thread(book.close)
    return counts


async def write_workbook(
    sessionmaker: async_sessionmaker[AsyncSession],
    actor: Actor,
    period: Period,
    *,
    locale: str,
    gettext: Gettext,
    content: Content,
    path: Path,
    now: datetime,
    scope: Scope | None = None,
) -> ExportSummary:
    """Write the period's raw data to `path` and audit the export. Raises AccessDenied for
    anyone but a coordinator (checked against the roles stored now)."""
    scope = scope or Scope()
    words = Words(gettext, locale, content, period.timezone)
    async with sessionmaker() as session:
        current = await _current_actor(session, actor)
        await authorize(session, current, Action.DATA_EXPORT)
        book = XlsxWriter(path, *DATE_FORMATS.get(locale, DATE_FORMATS["ru"]))
        try:
            extra = (*evidence_sheets(content, locale, gettext), mentors_sheet(content, locale))
            counts = await _write_sheets(session, book, words, gettext, period, scope, extra)
        except BaseException:
            await asyncio.to_thread(book.abandon)
            raise
        await audit.record(
            session,
            current,
            Action.DATA_EXPORT.value,
            now,
            start=period.start.isoformat(),
            end=period.end.isoformat(),
            rows=counts,
        )
        await session.commit()
    return ExportSummary(path=path, rows=counts)
