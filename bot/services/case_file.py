"""The case file (дело семьи) as a DOCX for a chosen period, to send to the juvenile affairs
commission (КДНиЗП) or the territorial group.

It holds the request and how the family came, the level and its reasons, the make-up (first
names, ages), the assessment before and after, the ИПСС tasks with their status, the visits (how
many, by whom, methods and help, totalled), the network meetings with their decisions and SRS,
the social map's change, the programmes with the questionnaire's change, the consilium reviews
and the closing with its reason, summary and the family's own words. The frame of the case (the
request, make-up, assessment and closing) is always there; the rest is what the period covers.

People outside the staff appear as little as the purpose allows: the family's members by first
name (the make-up), a parent responsible for a task as "parent", meeting participants and the
people on a social map by their relation to the child, never by name or phone. Staff (mentors,
the curator, coordinators) are named.

Who may: coordinators (the family's curator is one), for open and closed families alike. Each
case file made is audited ("case.file": the family and the period). The context is a plain dict
(VARIABLES of bot/content/case_file.py) in the reader's language; `render` fills the template.
"""

from __future__ import annotations

import io
import re
from collections import Counter
from collections.abc import Callable, Iterable
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import local_date, zone_or
from bot.content import Content
from bot.content.case_file import CaseFileTemplate, environment
from bot.content.programmes import DEFAULT_LASTING_TOLERANCE
from bot.db.models import (
    AssessmentPhase,
    CaseStage,
    Family,
    FamilyLinkKind,
    MeetingStatus,
    PlanTaskStatus,
    Role,
)
from bot.db.queries import case_file as queries
from bot.db.queries.case_file import CaseFileRows, MapHead, StaffName
from bot.db.repositories import families as families_repo
from bot.db.repositories import intake as intake_repo
from bot.i18n import N_
from bot.labels import (
    CASE_STAGES,
    CLOSE_REASONS,
    CONSILIUM_OUTCOMES,
    ENROLLMENT_STATUSES,
    FURTHER_WORK,
    LEVEL_SOURCES,
    MEETING_FORMATS,
    RELATIONS,
    SUPPORT_LEVELS,
    TASK_STATUSES,
)
from bot.services import assessment, audit
from bot.services.access import Action, Actor, authorize, is_allowed
from bot.services.errors import DomainError
from bot.services.programme_follow_ups import kept_change
from bot.services.social_maps import Tie, compare
from bot.services.stats import CONCERN_TOTAL, Period, parse_range

Gettext = Callable[[str], str]
SRS_MAX_TOTAL = 40
DASH = "—"
AUDIT_ACTION = "case.file"


class PeriodKind(StrEnum):
    WHOLE = "whole"  # from the request (or the family's registration) to today
    YEAR = "year"  # this calendar year
    LAST_12_MONTHS = "last12"


# --- who may ---------------------------------------------------------------------------------


async def require(session: AsyncSession, actor: Actor | None, family_id: int) -> Family:
    """The family whose case file this person may make: coordinators (the curator is one),
    open or closed families alike."""
    family = await families_repo.by_id(session, family_id)
    if family is None:
        raise DomainError("family_not_found")
    await authorize(session, actor, Action.CASE_KEEP, family_id)
    return family


async def may_make(session: AsyncSession, actor: Actor | None, family_id: int) -> bool:
    return await is_allowed(session, actor, Action.CASE_KEEP, family_id)


def shows_button(actor: Actor | None) -> bool:
    """Whether a window offers the case file without a database round trip (CASE_KEEP is a
    coordinator's for every family); each press asks `require` again."""
    return actor is not None and actor.has(Role.COORDINATOR)


# --- the period --------------------------------------------------------------------------------


def _zone(family: Family) -> str:
    return zone_or(family.timezone, "UTC").key


def family_today(family: Family, now: datetime) -> date:
    return local_date(now, _zone(family))


def _year_before(day: date) -> date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


async def period_for(
    session: AsyncSession, actor: Actor | None, family_id: int, kind: PeriodKind, now: datetime
) -> Period:
    """A preset period in the family's calendar."""
    family = await require(session, actor, family_id)
    today = family_today(family, now)
    kind = PeriodKind(kind)
    if kind is PeriodKind.YEAR:
        return Period(date(today.year, 1, 1), date(today.year, 12, 31), _zone(family))
    if kind is PeriodKind.LAST_12_MONTHS:
        return Period(_year_before(today) + timedelta(days=1), today, _zone(family))
    start = local_date(family.created_at, _zone(family))
    request = await intake_repo.request_of(session, family_id)
    if request is not None:
        start = min(start, request.received_on)
    return Period(min(start, today), today, _zone(family))


async def typed_period(
    session: AsyncSession, actor: Actor | None, family_id: int, raw: str
) -> Period:
    """Two typed dates (dd.mm.yyyy – dd.mm.yyyy) in the family's calendar; RangeError (from
    bot.services.stats) says what is wrong with them."""
    family = await require(session, actor, family_id)
    return parse_range(raw, _zone(family))


def filename(family_id: int, day: date) -> str:
    """No family name in it: the file name shows in chats and download folders."""
    return f"delo_{family_id}_{day.isoformat()}.docx"


# --- words -----------------------------------------------------------------------------------

# The document's words; the template shows them as {{ t.<key> }}.
WORDS = {
    "title": N_("Case file of the family"),
    "confidential": N_("Confidential: contains personal data"),
    "period": N_("Period"),
    "category": N_("Category"),
    "stage": N_("Stage of the case"),
    "level_now": N_("Support level now"),
    "curator": N_("Curator of the case"),
    "mentors": N_("Mentors"),
    "made": N_("Prepared"),
    "request": N_("The request"),
    "received": N_("The family came on"),
    "source": N_("How the family came"),
    "words": N_("The request in the family's words"),
    "difficulties": N_("Kinds of difficulty"),
    "not_recorded": N_("Not recorded."),
    "level": N_("The support level and its reasons"),
    "level_at_intake": N_("Level at the request"),
    "level_changes": N_("Changes of the level in the period"),
    "date": N_("Date"),
    "change": N_("Change"),
    "why": N_("Why"),
    "family": N_("The family's make-up"),
    "name": N_("Name"),
    "born": N_("Year of birth"),
    "age": N_("Age"),
    "who": N_("Who"),
    "assessment": N_("The assessment before and after"),
    "aspect": N_("Aspect"),
    "before": N_("Before (preliminary)"),
    "after": N_("After (final)"),
    "notes": N_("Notes"),
    "average": N_("Average"),
    "not_done": N_("Not done yet."),
    "plan": N_("The individual social-support plan (ИПСС)"),
    "task": N_("Task"),
    "criteria": N_("Success criteria"),
    "due": N_("By when"),
    "responsible": N_("Responsible"),
    "status": N_("Status"),
    "none": N_("Nothing in this period."),
    "visits": N_("Patronage visits"),
    "by_whom": N_("By whom"),
    "count": N_("Visits"),
    "methods": N_("Methods used"),
    "help": N_("Help given"),
    "format": N_("Format"),
    "meetings": N_("Network meetings"),
    "topic": N_("Topic"),
    "came": N_("Who came"),
    "srs": N_("Session rating (SRS)"),
    "decision": N_("Decision"),
    "done": N_("Done on"),
    "maps": N_("The child's social map"),
    "programmes": N_("Family programmes"),
    "programme": N_("Programme"),
    "started": N_("Started"),
    "weeks": N_("Weeks handed in"),
    "questionnaire": N_("Questionnaire: entry → exit"),
    "reason_called": N_("Why it was called"),
    "process": N_("The process (facilitators)"),
    "two_weeks": N_("Two weeks later"),
    "consiliums": N_("Consilium reviews"),
    "participants": N_("Took part"),
    "note": N_("Comment"),
    "next_review": N_("Next review"),
    "closing": N_("Closing the case"),
    "closed_on": N_("Closed on"),
    "reason": N_("Reason"),
    "final_meeting": N_("Final meeting"),
    "summary": N_("Summary"),
    "words_before": N_("The family's words: before"),
    "words_after": N_("The family's words: after"),
    "case_open": N_("The case is open."),
}

MEETING_PLANNED = N_("not held yet")
PARENT = N_("a parent")
SOMEONE = N_("someone no longer linked to the family")
CHILD = N_("child")
ADULT = N_("adult")
UNKNOWN = N_("unknown")


# --- the context -------------------------------------------------------------------------------


class _Words:
    """gettext, the content's labels and the formats, in the reader's language."""

    def __init__(self, gettext: Gettext, locale: str, content: Content) -> None:
        self.gettext = gettext
        self.locale = locale
        self.content = content

    def __call__(self, msgid: str) -> str:
        return self.gettext(msgid)

    def fill(self, msgid: str, **values: Any) -> str:
        return self.gettext(msgid).format(**values)

    def label(self, table: dict[Any, str], code: str | None) -> str:
        if code is None:
            return DASH
        msgid = table.get(code)
        return self.gettext(msgid) if msgid is not None else code

    def number(self, value: float) -> str:
        text = f"{value:.1f}"
        return text.replace(".", ",") if self.locale == "ru" else text

    def signed(self, value: float) -> str:
        return ("+" if value > 0 else "") + self.number(value)


def _day(value: date | None) -> str:
    return value.strftime("%d.%m.%Y") if value is not None else DASH


def _text(value: str | None) -> str:
    return value if value else DASH


def _joined(values: Iterable[str]) -> str:
    return ", ".join(values) or DASH


def _counted(labels: Iterable[str]) -> str:
    """Each label once, with how many when more than one: «мама, друг ×2»."""
    counts = Counter(labels)
    return _joined(f"{label} ×{n}" if n > 1 else label for label, n in counts.items())


class _Names:
    """Staff by name; anyone else by how they stand to the family."""

    def __init__(
        self, w: _Words, people: dict[int, StaffName], links: list[tuple[int, str]]
    ) -> None:
        self.w = w
        self.people = people
        self.parents = {pid for pid, kind in links if kind == FamilyLinkKind.PARENT.value}

    def staff(self, person_id: int | None) -> str | None:
        person = self.people.get(person_id) if person_id is not None else None
        if person is None or person_id in self.parents or person.anonymised:
            return None
        if {Role.COORDINATOR.value, Role.MENTOR.value} & person.roles:
            return person.name
        return None

    def who(self, person_id: int | None) -> str:
        if person_id is None:
            return DASH
        if person_id in self.parents:
            return self.w(PARENT)
        return self.staff(person_id) or self.w(SOMEONE)


def _mentioned(rows: CaseFileRows, actor: Actor) -> set[int]:
    ids = {actor.person_id, *(pid for pid, _kind in rows.links)}
    ids.update(v.mentor_id for v in rows.visits if v.mentor_id is not None)
    ids.update(t.responsible_id for t in rows.tasks if t.responsible_id is not None)
    for consilium in rows.consiliums:
        ids.update(int(i) for i in consilium.participant_ids or [] if isinstance(i, int))
    if rows.record is not None and rows.record.plan_approved_by_id is not None:
        ids.add(rows.record.plan_approved_by_id)
    return ids


async def build(
    session: AsyncSession,
    actor: Actor,
    family_id: int,
    period: Period,
    *,
    content: Content,
    locale: str,
    gettext: Gettext,
    now: datetime,
) -> dict[str, Any]:
    """The case file's context for the period (access checked, the case file audited)."""
    family = await require(session, actor, family_id)
    begin, finish = period.utc_bounds()
    bounds = queries.Bounds(begin, finish, period.start, period.end)
    rows = await queries.load(session, family_id, bounds, concern_total=CONCERN_TOTAL)
    people = await queries.people(session, _mentioned(rows, actor))
    chosen = _chosen_maps(rows.map_heads, period)
    map_ids = {head.id for pair in chosen for head in pair}
    map_people = await queries.map_people(session, map_ids)
    await audit.record(
        session,
        actor,
        AUDIT_ACTION,
        now,
        object_type="family",
        object_id=family_id,
        start=period.start.isoformat(),
        end=period.end.isoformat(),
    )
    w = _Words(gettext, locale, content)
    names = _Names(w, people, rows.links)
    today = family_today(family, now)
    context = {
        "t": {key: w(msgid) for key, msgid in WORDS.items()},
        "doc": {
            "period": f"{_day(period.start)} – {_day(period.end)}",
            "made_on": _day(today),
            "made_by": names.staff(actor.person_id) or DASH,
        },
        "family": _family(w, family, rows, names),
        "request": _request(w, rows),
        "level": _level(w, family, rows),
        "members": _members(w, rows, today),
        "assessment": _assessment(w, rows),
        "plan": _plan(w, rows, names, today, _zone(family)),
        "visits": _visits(w, rows, names),
        "meetings": _meetings(w, rows),
        "maps": _maps(w, chosen, map_people),
        "programmes": _programmes(w, rows),
        "consiliums": _consiliums(w, rows, names),
        "closing": _closing(w, family, rows),
    }
    return scrub(context)


def _family(w: _Words, family: Family, rows: CaseFileRows, names: _Names) -> dict[str, Any]:
    def linked(kind: FamilyLinkKind) -> list[str]:
        found = (names.staff(pid) for pid, k in rows.links if k == kind.value)
        return sorted({name for name in found if name})

    stage = CaseStage(rows.record.stage) if rows.record else CaseStage.INTAKE
    if family.closed_at is not None:
        stage = CaseStage.CLOSED
    elif stage is CaseStage.CLOSED:
        stage = CaseStage.FINAL_MONITORING  # reopened
    return {
        "id": family.id,
        "name": family.name,
        "category": w.content.category_label(family.category, w.locale),
        "stage": w.label(CASE_STAGES, stage),
        "level": w.label(SUPPORT_LEVELS, family.support_level),
        "curator": _joined(linked(FamilyLinkKind.CURATOR)),
        "mentors": _joined(linked(FamilyLinkKind.MENTOR)),
    }


def _request(w: _Words, rows: CaseFileRows) -> dict[str, Any]:
    request = rows.request
    if request is None:
        return {
            "recorded": False,
            "date": DASH,
            "source": DASH,
            "words": DASH,
            "difficulties": DASH,
        }
    lists = w.content.intake
    return {
        "recorded": True,
        "date": _day(request.received_on),
        "source": lists.label("sources", request.source, w.locale),
        "words": _text(request.words),
        "difficulties": _joined(
            lists.label("difficulties", code, w.locale) for code in request.difficulties or []
        ),
    }


def _level(w: _Words, family: Family, rows: CaseFileRows) -> dict[str, Any]:
    request = rows.request
    lists = w.content.intake
    zone = _zone(family)
    changes = []
    for change in rows.level_changes:
        why = [w.label(LEVEL_SOURCES, change.source)] if change.source else []
        if change.reason:
            why.append(change.reason)
        changes.append(
            {
                "date": _day(local_date(change.changed_at, zone)),
                "change": f"{w.label(SUPPORT_LEVELS, change.from_level)} → "
                f"{w.label(SUPPORT_LEVELS, change.to_level)}",
                "why": ": ".join(why) or DASH,
            }
        )
    return {
        "now": w.label(SUPPORT_LEVELS, family.support_level),
        "at_intake": w.label(SUPPORT_LEVELS, request.level) if request else DASH,
        "signs": _joined(
            lists.label("level_signs", code, w.locale)
            for code in (request.level_signs if request else None) or []
        ),
        "changes": changes,
    }


def _members(w: _Words, rows: CaseFileRows, today: date) -> dict[str, Any]:
    lists = w.content.intake
    people = []
    for member in rows.members:
        if member.is_child:
            who = w(CHILD)
        elif member.relation:
            who = lists.label("relations", member.relation, w.locale)
        else:
            who = w(ADULT)
        year = member.birth_year
        people.append(
            {
                "name": member.name,
                "born": str(year) if year is not None else w(UNKNOWN),
                "age": str(max(today.year - year, 0)) if year is not None else DASH,
                "who": who,
            }
        )
    children = sum(1 for m in rows.members if m.is_child)
    return {
        "adults": len(rows.members) - children,
        "children": children,
        "summary": w.fill(
            N_("Adults: {adults}, children: {children}."),
            adults=len(rows.members) - children,
            children=children,
        ),
        "rows": people,
    }


def _assessment(w: _Words, rows: CaseFileRows) -> dict[str, Any]:
    spec = w.content.assessment
    summary = assessment.summarize(rows.assessments, spec)

    def mark(m: assessment.Mark | None) -> str:
        return f"{m.score} · {spec.point_label(m.score, w.locale)}" if m else DASH

    lines = []
    for line in summary.lines:
        if line.intake is None and line.final is None:
            continue
        notes = []
        if line.intake is not None and line.intake.note:
            notes.append(w.fill(N_("before: {note}"), note=line.intake.note))
        if line.final is not None and line.final.note:
            notes.append(w.fill(N_("after: {note}"), note=line.final.note))
        lines.append(
            {
                "aspect": spec.aspect_name(line.code, w.locale),
                "before": mark(line.intake),
                "after": mark(line.final),
                "change": w.signed(line.change) if line.change is not None else DASH,
                "notes": "\n".join(notes) or DASH,
            }
        )
    before = summary.average(AssessmentPhase.INTAKE)
    after = summary.average(AssessmentPhase.FINAL)
    average = f"{w.number(before) if before is not None else DASH} → "
    average += w.number(after) if after is not None else DASH
    if summary.average_change is not None:
        average += f" ({w.signed(summary.average_change)})"
    return {
        "done": not summary.empty,
        "rows": lines,
        "average": average,
        "days": w.fill(
            N_("Preliminary: {before}; final: {after}."),
            before=_day(summary.day(AssessmentPhase.INTAKE)),
            after=_day(summary.day(AssessmentPhase.FINAL)),
        ),
    }


def _plan(w: _Words, rows: CaseFileRows, names: _Names, today: date, zone: str) -> dict[str, Any]:
    record = rows.record
    if record is not None and record.plan_approved_at is not None:
        if record.plan_approved_consilium_id is not None:
            by = w(N_("the consilium"))
        else:
            by = names.staff(record.plan_approved_by_id) or DASH
        approved = w.fill(
            N_("The plan was approved on {date} by {who}."),
            date=_day(local_date(record.plan_approved_at, zone)),
            who=by,
        )
    else:
        approved = w(N_("The plan has not been approved yet."))
    tasks = []
    counts: Counter[str] = Counter()
    overdue = 0
    for task in rows.tasks:
        counts[task.status] += 1
        open_ = task.status in (PlanTaskStatus.PLANNED.value, PlanTaskStatus.IN_PROGRESS.value)
        if open_ and task.due_date < today:
            overdue += 1
        status = w.label(TASK_STATUSES, task.status)
        if task.status == PlanTaskStatus.NOT_DONE.value and task.status_note:
            status = f"{status}: {task.status_note}"
        tasks.append(
            {
                "title": task.title,
                "criteria": _text(task.criteria),
                "family_part": _text(task.family_part),
                "specialists_part": _text(task.specialists_part),
                "due": _day(task.due_date),
                "responsible": task.responsible_text
                if task.responsible_id is None and task.responsible_text
                else names.who(task.responsible_id),
                "status": status,
            }
        )
    summary = w.fill(
        N_(
            "Tasks: {total}; done: {done}, not done: {not_done}, open: {open} (overdue: {overdue})."
        ),
        total=len(rows.tasks),
        done=counts[PlanTaskStatus.DONE.value],
        not_done=counts[PlanTaskStatus.NOT_DONE.value],
        open=counts[PlanTaskStatus.PLANNED.value] + counts[PlanTaskStatus.IN_PROGRESS.value],
        overdue=overdue,
    )
    return {"approved": approved, "summary": summary, "tasks": tasks}


def _visits(w: _Words, rows: CaseFileRows, names: _Names) -> dict[str, Any]:
    vocabulary = w.content.visits
    visits = rows.visits

    def labels(what: str, codes: Iterable[str]) -> list[str]:
        return [vocabulary.label(what, code, w.locale) for code in codes]

    def totalled(what: str, attribute: str) -> list[dict[str, Any]]:
        counts = Counter(code for v in visits for code in dict.fromkeys(getattr(v, attribute)))
        ordered = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
        return [
            {"label": vocabulary.label(what, code, w.locale), "count": n} for code, n in ordered
        ]

    by_whom = Counter(names.staff(v.mentor_id) or DASH for v in visits)
    minutes = sum(v.duration_minutes for v in visits)
    summary = (
        w.fill(
            N_("Visits: {count}, from {first} to {last}; {hours} hours in all."),
            count=len(visits),
            first=_day(visits[0].visit_date),
            last=_day(visits[-1].visit_date),
            hours=w.number(minutes / 60),
        )
        if visits
        else w(WORDS["none"])
    )
    return {
        "count": len(visits),
        "summary": summary,
        "hours": w.number(minutes / 60),
        "by_whom": [
            {"name": name, "count": n}
            for name, n in sorted(by_whom.items(), key=lambda item: (-item[1], item[0]))
        ],
        "methods": totalled("methods", "methods"),
        "help": totalled("help", "help_given"),
        "formats": [
            {"label": vocabulary.label("formats", code, w.locale), "count": n}
            for code, n in sorted(
                Counter(v.format for v in visits).items(), key=lambda item: (-item[1], item[0])
            )
        ],
        "rows": [
            {
                "date": _day(v.visit_date),
                "mentor": names.staff(v.mentor_id) or DASH,
                "format": vocabulary.label("formats", v.format, w.locale),
                "minutes": v.duration_minutes,
                "methods": _joined(labels("methods", v.methods or [])),
                "help": _joined(labels("help", v.help_given or [])),
            }
            for v in visits
        ],
    }


def _meetings(w: _Words, rows: CaseFileRows) -> list[dict[str, Any]]:
    found = []
    for meeting in rows.meetings:
        held = meeting.status == MeetingStatus.HELD.value
        participants = rows.participants.get(meeting.id, [])
        if held:
            came = _counted(w.label(RELATIONS, p.relation) for p in participants if p.attended)
        else:
            came = w(MEETING_PLANNED)
        srs = rows.srs.get(meeting.id)
        if srs is not None and srs.responses:
            srs_text = w.fill(
                N_("answers: {n}, mean total {mean} of {max}; under {concern}: {under}."),
                n=srs.responses,
                mean=w.number(srs.mean_total or 0),
                max=SRS_MAX_TOTAL,
                concern=CONCERN_TOTAL,
                under=srs.under_concern,
            )
        else:
            srs_text = w(N_("no answers"))
        local = meeting.starts_at.astimezone(zone_or(meeting.timezone, "UTC"))
        found.append(
            {
                "reason": w.content.meetings.reason_label(meeting.reason, w.locale)
                if meeting.reason
                else "",
                "process": _process(w, rows.processes.get(meeting.id, [])),
                "follow_up": _meeting_follow_up(w, rows.meeting_follow_ups.get(meeting.id, [])),
                "date": local.strftime("%d.%m.%Y %H:%M"),
                "format": w.label(MEETING_FORMATS, meeting.format),
                "child": meeting.child_name,
                "topic": meeting.topic,
                "held": held,
                "came": came,
                "srs": srs_text,
                "decisions": [
                    {
                        "what": d.what,
                        "who": _text(d.who),
                        "due": _day(d.due_date),
                        "done": _day(
                            local_date(d.done_at, zone_or(meeting.timezone, "UTC"))
                            if d.done_at
                            else None
                        ),
                    }
                    for d in rows.decisions.get(meeting.id, [])
                ],
            }
        )
    return found


def _process(w: _Words, found: list[Any]) -> str:
    """The furthest phase the meeting moved in (any point above «not reached»), and the
    reflection group's note."""
    if not found:
        return ""
    assessment = found[0]
    meetings = w.content.meetings
    reached = [code for code in meetings.phase_codes() if assessment.phases.get(code, 0) > 0]
    text = w.fill(
        N_("furthest phase reached: {phase}."),
        phase=meetings.phase_label(reached[-1], w.locale) if reached else DASH,
    )
    if assessment.reflection_note:
        text += " " + assessment.reflection_note
    return text


def _meeting_follow_up(w: _Words, found: list[Any]) -> list[str]:
    """The record two weeks after the meeting: the child's and the family's words, and what is
    needed next."""
    if not found:
        return []
    record = found[0]
    lines = []
    if record.child_now:
        lines.append(w.fill(N_("The child now: {words}"), words=record.child_now))
    if record.family_now:
        lines.append(w.fill(N_("The family now: {words}"), words=record.family_now))
    needs = [
        w(msgid)
        for wanted, msgid in (
            (record.new_map_needed, N_("a new social map")),
            (record.new_meeting_needed, N_("a new network meeting")),
        )
        if wanted
    ]
    lines.append(w.fill(N_("Needed next: {what}."), what=_joined(needs)))
    return lines


def _chosen_maps(heads: list[MapHead], period: Period) -> list[tuple[MapHead, MapHead]]:
    """Per child with a snapshot in the period: (the map at the period's start — the last one
    before it, else its first —, the period's last one)."""
    by_child: dict[str, list[MapHead]] = {}
    for head in heads:
        by_child.setdefault(head.child_key, []).append(head)
    chosen = []
    for snapshots in by_child.values():
        inside = [h for h in snapshots if period.start <= h.taken_on <= period.end]
        if not inside:
            continue
        earlier = [h for h in snapshots if h.taken_on < period.start]
        chosen.append((earlier[-1] if earlier else inside[0], inside[-1]))
    return sorted(chosen, key=lambda pair: pair[1].child_name.casefold())


def _maps(
    w: _Words, chosen: list[tuple[MapHead, MapHead]], people: dict[int, list[Any]]
) -> list[dict[str, Any]]:
    def ties(head: MapHead) -> list[Tie]:
        return [
            Tie(p.key, "", p.relation, p.circle, p.nature, p.id) for p in people.get(head.id, [])
        ]

    def relations(found: Iterable[Tie]) -> str:
        return _counted(w.label(RELATIONS, t.relation) for t in found)

    maps = []
    for first, last in chosen:
        change = compare(ties(first), ties(last))
        if first.id == last.id:
            dates = w.fill(N_("the map of {date}"), date=_day(last.taken_on))
        else:
            dates = f"{_day(first.taken_on)} → {_day(last.taken_on)}"
        lines = [
            w.fill(
                N_("People on the map: {before} → {after}."),
                before=len(change.earlier),
                after=len(change.later),
            ),
            w.fill(
                N_("Supportive ties: {before} → {after}; conflictual: {c_before} → {c_after}."),
                before=change.supportive_before,
                after=change.supportive_after,
                c_before=change.conflictual_before,
                c_after=change.conflictual_after,
            ),
        ]
        if change.appeared:
            lines.append(w.fill(N_("Appeared: {who}."), who=relations(change.appeared)))
        if change.left:
            lines.append(w.fill(N_("Left: {who}."), who=relations(change.left)))
        if change.closer:
            lines.append(
                w.fill(N_("Came closer: {who}."), who=relations(b for _a, b in change.closer))
            )
        if change.further:
            lines.append(
                w.fill(N_("Moved away: {who}."), who=relations(b for _a, b in change.further))
            )
        maps.append({"child": last.child_name, "dates": dates, "lines": lines})
    return maps


def _programmes(w: _Words, rows: CaseFileRows) -> list[dict[str, Any]]:
    questionnaire = w.content.questionnaire
    found = []
    for enrollment in rows.enrollments:
        programme = w.content.programmes.get(enrollment.programme_code)
        released, done = rows.weeks.get(enrollment.id, (0, 0))
        entry, exit_ = enrollment.entry_total, enrollment.exit_total
        change = f"{entry if entry is not None else DASH} → {exit_ if exit_ is not None else DASH}"
        change += f" ({questionnaire.min_total}–{questionnaire.max_total})"
        dynamics = enrollment.positive_dynamics
        if dynamics is not None:
            change += "; " + w(N_("positive dynamics") if dynamics else N_("no positive dynamics"))
        tolerance = programme.lasting_tolerance if programme else DEFAULT_LASTING_TOLERANCE
        for follow_up in rows.follow_ups.get(enrollment.id, []):
            if follow_up.total is None:
                continue
            change += "; " + w.fill(
                N_("after {months} months: {total}"), months=follow_up.months, total=follow_up.total
            )
            if dynamics and exit_ is not None:
                kept = kept_change(exit_, follow_up.total, tolerance)
                change += " (" + w(N_("change kept") if kept else N_("change not kept")) + ")"
        found.append(
            {
                "evaluations": _evaluations(w, rows, enrollment.id),
                "title": programme.title.get(w.locale) if programme else enrollment.programme_code,
                "start": _day(enrollment.start_date),
                "status": w.label(ENROLLMENT_STATUSES, enrollment.status),
                "weeks": w.fill(N_("{done} of {released}"), done=done, released=released),
                "entry": entry,
                "exit": exit_,
                "change": change,
            }
        )
    return found


def _evaluations(w: _Words, rows: CaseFileRows, enrollment_id: int) -> list[str]:
    """The family's own evaluation (its mean and its words) and the specialists' one."""
    lines = []
    for family in rows.family_evaluations.get(enrollment_id, []):
        scores = [v for v in family.answers.values() if isinstance(v, int)]
        if scores:
            lines.append(
                w.fill(
                    N_("The family's evaluation: {mean} of 5 on average."),
                    mean=w.number(sum(scores) / len(scores)),
                )
            )
        if family.open_answer:
            lines.append(w.fill(N_("In the family's words: {words}"), words=family.open_answer))
    for staff in rows.specialist_evaluations.get(enrollment_id, []):
        lines.append(
            w.fill(
                N_(
                    "The specialists' evaluation: engagement {engagement}, homework {homework}, "
                    "the programme's fit {fit} (of 5); further work: {further}."
                ),
                engagement=staff.engagement,
                homework=staff.homework,
                fit=staff.fit,
                further=w.label(FURTHER_WORK, staff.further),
            )
        )
        if staff.note:
            lines.append(staff.note)
    return lines


def _consiliums(w: _Words, rows: CaseFileRows, names: _Names) -> list[dict[str, Any]]:
    found = []
    for consilium in rows.consiliums:
        who = [names.staff(pid) for pid in consilium.participant_ids or [] if isinstance(pid, int)]
        participants = [name for name in who if name]
        if consilium.participants_text:
            participants.append(consilium.participants_text)
        held = consilium.held_on is not None
        date_text = _day(consilium.held_on if held else consilium.planned_on)
        outcome = w.label(CONSILIUM_OUTCOMES, consilium.outcome) if consilium.outcome else DASH
        found.append(
            {
                "heading": f"{date_text} · {outcome}"
                if held
                else w.fill(N_("{date}: planned"), date=date_text),
                "date": date_text,
                "held": held,
                "outcome": outcome,
                "participants": _joined(participants),
                "note": consilium.note or "",
                "decisions": [
                    {"what": d.what, "who": _text(d.who), "due": _day(d.due_on)}
                    for d in rows.consilium_decisions.get(consilium.id, [])
                ],
                "next_review": _day(consilium.next_review_on) if consilium.next_review_on else "",
            }
        )
    return found


def _closing(w: _Words, family: Family, rows: CaseFileRows) -> dict[str, Any]:
    record = rows.record
    closed = family.closed_at is not None
    return {
        "closed": closed,
        "date": _day(local_date(family.closed_at, _zone(family))) if family.closed_at else DASH,
        "reason": w.label(CLOSE_REASONS, family.closed_reason) if closed else DASH,
        "note": _text(family.closed_note) if closed else DASH,
        "final_meeting": _day(record.final_meeting_date if record else None),
        "summary": _text(record.final_summary if record else None),
        "words_before": _text(record.words_before if record else None),
        "words_after": _text(record.words_after if record else None),
        "planned_final": _day(record.final_meeting_planned_on)
        if record and record.final_meeting_planned_on
        else "",
    }


# --- the document ------------------------------------------------------------------------------

# Characters XML 1.0 cannot hold (docxtpl would also read \a and \f as paragraph and page breaks).
_NOT_IN_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def scrub(value: Any) -> Any:
    """Every string of the context without characters the document cannot hold."""
    if isinstance(value, str):
        return _NOT_IN_XML.sub("", value.replace("\t", " ").replace("\r\n", "\n"))
    if isinstance(value, dict):
        return {key: scrub(item) for key, item in value.items()}
    if isinstance(value, list):
        return [scrub(item) for item in value]
    return value


def render(template: CaseFileTemplate, context: dict[str, Any]) -> bytes:
    """The filled document (CPU work: callers run it in a thread). Values are escaped."""
    document = template.open()
    document.render(context, jinja_env=environment(), autoescape=True)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()
