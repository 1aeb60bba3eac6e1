"""Case management: the family's individual social-support plan (ИПСС), its tasks and reminders.

A plan is a list of tasks: the task, its success criteria, what the family does, what specialists
do, who is responsible (a person in the bot, or a few words such as «школа»), a deadline in the
family's calendar and a status (planned, in progress, done, not done + why). A task comes from a
form, or with one tap from a visit's notes or a network meeting's decision (once per source).

Who may open and keep a family's plan is who may open its card (Action.FAMILY_VIEW): the family's
mentors, its curator and the coordinators. The case itself (its stage and closing) is in
bot.services.cases.

Reminders: `enqueue_due` (a cheap scan run every few minutes) queues one before the deadline
(REMIND_BEFORE_DAYS earlier) and one the day after it passed, both at
settings.mentor_reminder_time in the recipient's zone, to the responsible person, or when none is
in the bot to the family's curator and mentors. The outbox key holds the deadline, so a re-run, a
restart or a second replica sends nothing twice and a moved deadline is reminded again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import zone_or
from bot.config import Settings
from bot.db.models import (
    ConsiliumDecision,
    Family,
    FamilyLinkKind,
    MeetingDecision,
    Person,
    PlanTask,
    PlanTaskStatus,
    Role,
)
from bot.db.repositories import case_plans as plans_repo
from bot.db.repositories import consiliums as consiliums_repo
from bot.db.repositories import families as families_repo
from bot.db.repositories import outbox as outbox_repo
from bot.db.repositories import people as people_repo
from bot.db.repositories import visits as visits_repo
from bot.services import audit, families, outbox
from bot.services.access import FAMILY_STAFF, Action, Actor, authorize
from bot.services.errors import DomainError
from bot.services.reminders import local_moment

TITLE_MAX = 300
PART_MAX = 500  # criteria, what the family does, what specialists do, why not done
RESPONSIBLE_MAX = 80
MAX_TASKS = 30  # per family: the plan and its buttons fit one message
DUE_AHEAD_DAYS = 731
FROM_VISIT_DAYS = 14  # a task from a visit without a later planned visit: due in two weeks
REMIND_BEFORE_DAYS = 3
# A late run (the bot was down) still sends what fell due within this window, not older.
LATE_GRACE = timedelta(days=3)

OPEN_STATUSES = plans_repo.OPEN_STATUSES  # planned, in progress
TEXT_FIELDS = ("title", "criteria", "family_part", "specialists_part")

OBJECT_TASK = "plan_task"
SOURCE_VISIT = "visit"
SOURCE_DECISION = "meeting_decision"
SOURCE_CONSILIUM = "consilium_decision"
SOON_PURPOSE = "plan_task_soon"
OVERDUE_PURPOSE = "plan_task_overdue"
REMINDER_KIND = "plan_task_reminder"


def _clean(value: str | None, limit: int, code: str, *, required: bool) -> str | None:
    text = " ".join((value or "").split())
    if not text:
        if required:
            raise DomainError(f"{code}_empty")
        return None
    if len(text) > limit:
        raise DomainError(f"{code}_long")
    return text


def _check_due(due: date, today: date) -> None:
    if due < today:
        raise DomainError("task_due_past")
    if due > today + timedelta(days=DUE_AHEAD_DAYS):
        raise DomainError("task_due_far")


async def require_plan(session: AsyncSession, actor: Actor | None, family_id: int) -> Family:
    """The family, if the actor may open and keep its plan (AccessDenied otherwise)."""
    return await families.require_view(session, actor, family_id)


async def _open_family(session: AsyncSession, actor: Actor | None, family_id: int) -> Family:
    family = await require_plan(session, actor, family_id)
    if family.closed_at is not None:
        raise DomainError("family_closed")
    return family


# --- the plan --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Responsible:
    id: int
    name: str
    kind: str  # curator | mentor | parent | coordinator


@dataclass(frozen=True)
class TaskDraft:
    title: str
    due_date: date
    criteria: str | None = None
    family_part: str | None = None
    specialists_part: str | None = None
    responsible_id: int | None = None
    responsible_text: str | None = None


async def tasks(
    session: AsyncSession, actor: Actor | None, family_id: int, now: datetime | None = None
) -> list[PlanTask]:
    """The plan: open tasks first, soonest deadline first; then the finished ones. With `now`,
    the view is audited (a screen showing it)."""
    await require_plan(session, actor, family_id)
    if now is not None:
        await audit.record(
            session, actor, "plan.view", now, object_type="family", object_id=family_id
        )
    return await plans_repo.tasks_of_family(session, family_id)


async def get_task(session: AsyncSession, actor: Actor | None, task_id: int) -> PlanTask:
    task = await plans_repo.task_by_id(session, task_id)
    if task is None:
        raise DomainError("task_not_found")
    await require_plan(session, actor, task.family_id)
    return task


async def responsible_choices(
    session: AsyncSession, actor: Actor | None, family_id: int
) -> list[Responsible]:
    """Who can be responsible: the family's curator, mentors and parents, and the acting
    coordinator."""
    await require_plan(session, actor, family_id)
    order = {FamilyLinkKind.CURATOR.value: 0, FamilyLinkKind.MENTOR.value: 1}
    found: dict[int, Responsible] = {}
    linked = await families_repo.linked_people(session, family_id)
    for kind, person in sorted(linked, key=lambda pair: order.get(pair[0], 2)):
        if person.anonymised_at is None and person.id not in found:
            found[person.id] = Responsible(person.id, person.display_name, kind)
    if actor is not None and actor.has(Role.COORDINATOR) and actor.person_id not in found:
        me = await people_repo.by_id(session, actor.person_id)
        if me is not None:
            found[me.id] = Responsible(me.id, me.display_name, Role.COORDINATOR.value)
    return list(found.values())


async def _may_be_responsible(session: AsyncSession, family_id: int, person_id: int) -> bool:
    linked = await families_repo.is_linked(
        session, family_id, person_id, [kind.value for kind in FamilyLinkKind]
    )
    if linked:
        return True
    person = await people_repo.by_id(session, person_id)
    return person is not None and any(r.role == Role.COORDINATOR for r in person.roles)


async def _responsible(
    session: AsyncSession, family_id: int, person_id: int | None, text: str | None
) -> tuple[int | None, str | None]:
    if person_id is not None:
        if not await _may_be_responsible(session, family_id, person_id):
            raise DomainError("task_responsible_unknown")
        return person_id, None
    return None, _clean(text, RESPONSIBLE_MAX, "task_responsible", required=False)


async def add_task(
    session: AsyncSession, actor: Actor, family_id: int, draft: TaskDraft, now: datetime
) -> PlanTask:
    family = await _open_family(session, actor, family_id)
    title = _clean(draft.title, TITLE_MAX, "task_title", required=True)
    _check_due(draft.due_date, families.family_today(family, now))
    if await plans_repo.count_of_family(session, family_id) >= MAX_TASKS:
        raise DomainError("task_too_many")
    responsible_id, responsible_text = await _responsible(
        session, family_id, draft.responsible_id, draft.responsible_text
    )
    task = PlanTask(
        family_id=family_id,
        title=title,
        criteria=_clean(draft.criteria, PART_MAX, "task_part", required=False),
        family_part=_clean(draft.family_part, PART_MAX, "task_part", required=False),
        specialists_part=_clean(draft.specialists_part, PART_MAX, "task_part", required=False),
        responsible_id=responsible_id,
        responsible_text=responsible_text,
        due_date=draft.due_date,
        status=PlanTaskStatus.PLANNED.value,
        created_at=now,
        created_by_id=actor.person_id,
    )
    session.add(task)
    await session.flush()
    await audit.record(
        session, actor, "plan.task_add", now, object_type=OBJECT_TASK, object_id=task.id
    )
    return task


async def _changeable(session: AsyncSession, actor: Actor | None, task_id: int) -> PlanTask:
    task = await get_task(session, actor, task_id)
    family = await families_repo.by_id(session, task.family_id)
    if family is None or family.closed_at is not None:
        raise DomainError("family_closed")
    return task


async def set_text(
    session: AsyncSession, actor: Actor, task_id: int, field: str, value: str | None, now: datetime
) -> PlanTask:
    """Change the task's wording, criteria, the family's or the specialists' part (empty clears
    an optional one)."""
    if field not in TEXT_FIELDS:
        raise DomainError("task_field_unknown")
    task = await _changeable(session, actor, task_id)
    if field == "title":
        task.title = _clean(value, TITLE_MAX, "task_title", required=True) or task.title
    else:
        setattr(task, field, _clean(value, PART_MAX, "task_part", required=False))
    await audit.record(
        session, actor, "plan.task_edit", now, object_type=OBJECT_TASK, object_id=task.id, f=field
    )
    return task


async def set_due(
    session: AsyncSession, actor: Actor, task_id: int, due: date, now: datetime
) -> PlanTask:
    task = await _changeable(session, actor, task_id)
    family = await families_repo.by_id(session, task.family_id)
    assert family is not None
    _check_due(due, families.family_today(family, now))
    task.due_date = due
    await audit.record(
        session, actor, "plan.task_due", now, object_type=OBJECT_TASK, object_id=task.id
    )
    return task


async def set_responsible(
    session: AsyncSession,
    actor: Actor,
    task_id: int,
    person_id: int | None,
    text: str | None,
    now: datetime,
) -> PlanTask:
    task = await _changeable(session, actor, task_id)
    task.responsible_id, task.responsible_text = await _responsible(
        session, task.family_id, person_id, text
    )
    # Queued reminders were for the previous one.
    await outbox_repo.cancel_queued(session, OBJECT_TASK, task.id, [SOON_PURPOSE, OVERDUE_PURPOSE])
    await audit.record(
        session, actor, "plan.task_responsible", now, object_type=OBJECT_TASK, object_id=task.id
    )
    return task


async def set_status(
    session: AsyncSession,
    actor: Actor | None,
    task_id: int,
    status: PlanTaskStatus,
    now: datetime,
    note: str | None = None,
) -> bool:
    """Record progress; "not done" needs the reason. False when nothing changed (a second tap)."""
    status = PlanTaskStatus(status)
    task = await _changeable(session, actor, task_id)
    why = _clean(note, PART_MAX, "task_note", required=status is PlanTaskStatus.NOT_DONE)
    if task.status == status.value and (status is not PlanTaskStatus.NOT_DONE or why is None):
        return False
    task.status = status.value
    task.status_note = why if status is PlanTaskStatus.NOT_DONE else None
    task.status_at = now
    if status.value not in OPEN_STATUSES:
        await outbox_repo.cancel_queued(
            session, OBJECT_TASK, task.id, [SOON_PURPOSE, OVERDUE_PURPOSE]
        )
    await audit.record(
        session,
        actor,
        "plan.task_status",
        now,
        object_type=OBJECT_TASK,
        object_id=task.id,
        status=status.value,
    )
    return True


# --- one tap from a visit or a meeting decision ---------------------------------------------


@dataclass(frozen=True)
class Source:
    id: int
    day: date
    text: str
    in_plan: bool


async def visit_sources(
    session: AsyncSession, actor: Actor, family_id: int, limit: int = 8
) -> list[Source]:
    """The family's latest visits that have notes, newest first."""
    await require_plan(session, actor, family_id)
    rows = await plans_repo.visits_with_notes(session, family_id, limit)
    taken = await plans_repo.source_ids(session, family_id, SOURCE_VISIT)
    return [Source(v.id, v.visit_date, v.notes_text or "", v.id in taken) for v in rows]


async def decision_sources(
    session: AsyncSession, actor: Actor, family_id: int, limit: int = 20
) -> list[Source]:
    """Open decisions of the family's network meetings (not cancelled), soonest first."""
    await require_plan(session, actor, family_id)
    rows = await plans_repo.open_decisions(session, family_id, limit)
    taken = await plans_repo.source_ids(session, family_id, SOURCE_DECISION)
    return [Source(d.id, d.due_date, f"{d.what} — {d.who}", d.id in taken) for d in rows]


def _shorten(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


async def _add_from(
    session: AsyncSession,
    actor: Actor,
    family: Family,
    source: tuple[str, int],
    fields: dict[str, Any],
    now: datetime,
) -> tuple[PlanTask, bool]:
    existing = await plans_repo.by_source(session, family.id, *source)
    if existing is not None:
        return existing, False
    if await plans_repo.count_of_family(session, family.id) >= MAX_TASKS:
        raise DomainError("task_too_many")
    task = PlanTask(
        family_id=family.id,
        status=PlanTaskStatus.PLANNED.value,
        source_type=source[0],
        source_id=source[1],
        created_at=now,
        created_by_id=actor.person_id,
        **fields,
    )
    session.add(task)
    await session.flush()
    await audit.record(
        session,
        actor,
        "plan.task_add",
        now,
        object_type=OBJECT_TASK,
        object_id=task.id,
        source=source[0],
    )
    return task, True


async def add_from_visit(
    session: AsyncSession, actor: Actor, family_id: int, visit_id: int, now: datetime
) -> tuple[PlanTask, bool]:
    """A task pre-filled from a visit's notes: due on the next planned visit (or in two weeks),
    the visit's mentor responsible while they still mentor the family. (task, created?)"""
    family = await _open_family(session, actor, family_id)
    visit = await visits_repo.by_id(session, visit_id)
    if visit is None or visit.family_id != family.id or visit.deleted_at is not None:
        raise DomainError("task_source_not_found")
    if not (visit.notes_text or "").strip():
        raise DomainError("task_source_not_found")
    today = families.family_today(family, now)
    due = visit.next_visit_date
    if due is None or due < today:
        due = today + timedelta(days=FROM_VISIT_DAYS)
    mentor_id = visit.mentor_id
    if mentor_id is not None and not await families_repo.is_linked(
        session, family.id, mentor_id, FAMILY_STAFF
    ):
        mentor_id = None
    return await _add_from(
        session,
        actor,
        family,
        (SOURCE_VISIT, visit.id),
        {
            "title": _shorten(visit.notes_text or "", TITLE_MAX),
            "due_date": due,
            "responsible_id": mentor_id,
        },
        now,
    )


async def add_from_decision(
    session: AsyncSession, actor: Actor, family_id: int, decision_id: int, now: datetime
) -> tuple[PlanTask, bool]:
    """A network meeting's decision as a task: what → the task, who → responsible (as written),
    by when → the deadline (today if it has passed). (task, created?)"""
    family = await _open_family(session, actor, family_id)
    row = await plans_repo.decision_with_family(session, decision_id)
    if row is None or row[1] != family.id:
        raise DomainError("task_source_not_found")
    decision: MeetingDecision = row[0]
    return await _add_from(
        session,
        actor,
        family,
        (SOURCE_DECISION, decision.id),
        {
            "title": _shorten(decision.what, TITLE_MAX),
            "due_date": max(decision.due_date, families.family_today(family, now)),
            "responsible_text": _shorten(decision.who, RESPONSIBLE_MAX),
        },
        now,
    )


async def add_from_consilium(
    session: AsyncSession, actor: Actor, family_id: int, decision_id: int, now: datetime
) -> tuple[PlanTask, bool]:
    """A consilium's decision as a task: what → the task, who → responsible (as written; the
    curator and mentors are reminded), by when → the deadline (in two weeks when none was set
    or it has passed). (task, created?)"""
    family = await _open_family(session, actor, family_id)
    row = await consiliums_repo.decision_with_family(session, decision_id)
    if row is None or row[1] != family.id:
        raise DomainError("task_source_not_found")
    decision: ConsiliumDecision = row[0]
    today = families.family_today(family, now)
    due = decision.due_on if decision.due_on and decision.due_on >= today else None
    return await _add_from(
        session,
        actor,
        family,
        (SOURCE_CONSILIUM, decision.id),
        {
            "title": _shorten(decision.what, TITLE_MAX),
            "due_date": due or today + timedelta(days=FROM_VISIT_DAYS),
            "responsible_text": _shorten(decision.who, RESPONSIBLE_MAX) if decision.who else None,
        },
        now,
    )


async def consilium_taken(session: AsyncSession, family_id: int) -> set[int]:
    """Ids of consilium decisions already in this family's plan (callers check access)."""
    return await plans_repo.source_ids(session, family_id, SOURCE_CONSILIUM)


# --- names for the screens -------------------------------------------------------------------


async def person_names(session: AsyncSession, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    return await plans_repo.display_names(session, ids)


@dataclass(frozen=True)
class PlanFamily:
    family: Family
    open_tasks: int
    overdue: int


async def families_page(
    session: AsyncSession, actor: Actor, now: datetime, *, offset: int, limit: int
) -> tuple[list[PlanFamily], int]:
    """/plan: open families whose plans the person keeps (coordinators: all of them), each with
    its open and overdue tasks."""
    if actor.has(Role.COORDINATOR):
        await authorize(session, actor, Action.FAMILY_LIST)
        rows, total = await families_repo.page(session, offset=offset, limit=limit)
        await audit.record(
            session, actor, "plan.list.view", now, offset=offset, shown=[f.id for f in rows]
        )
    else:
        rows, total = await families_repo.page_linked(
            session, actor.person_id, FAMILY_STAFF, offset=offset, limit=limit
        )
    counts: dict[int, list[int]] = {f.id: [0, 0] for f in rows}
    if rows:
        # Overdue by each family's own calendar (deadlines are its dates), not by UTC's.
        today = {f.id: families.family_today(f, now) for f in rows}
        for family_id, due, n in await plans_repo.open_counts_by_due(session, counts):
            counts[family_id][0] += n
            if due < today[family_id]:
                counts[family_id][1] += n
    return [PlanFamily(f, *counts[f.id]) for f in rows], total


# --- reminders and the digest ----------------------------------------------------------------


async def _family_people(session: AsyncSession, family_id: int) -> list[tuple[str, Person]]:
    return [
        (kind, person)
        for kind, person in await families_repo.linked_people(session, family_id)
        if person.anonymised_at is None and person.blocked_at is None
    ]


async def _recipients(
    session: AsyncSession, task: PlanTask, linked: list[tuple[str, Person]]
) -> list[tuple[Person, bool]]:
    """(person, is a parent of the family): the responsible person while they may be, else the
    family's curator and mentors."""
    if task.responsible_id is not None:
        for kind, person in linked:
            if person.id == task.responsible_id:
                return [(person, kind == FamilyLinkKind.PARENT.value)]
        chosen = await people_repo.by_id(session, task.responsible_id)
        if (
            chosen is not None
            and chosen.anonymised_at is None
            and any(r.role == Role.COORDINATOR for r in chosen.roles)
        ):
            return [(chosen, False)]
    staff: dict[int, Person] = {}
    for kind, person in linked:
        if kind in FAMILY_STAFF:
            staff.setdefault(person.id, person)
    return [(person, False) for person in staff.values()]


def _moment_ok(moment: datetime, now: datetime, created_at: datetime) -> bool:
    return moment <= now < moment + LATE_GRACE and moment >= created_at


async def enqueue_due(session: AsyncSession, now: datetime, settings: Settings) -> int:
    """Queue the before-the-deadline and overdue reminders whose moment has come."""
    utc_today = now.date()
    rows = await plans_repo.open_due_between(
        session,
        earliest=utc_today - LATE_GRACE - timedelta(days=2),
        latest=utc_today + timedelta(days=REMIND_BEFORE_DAYS + 1),
    )
    queued = 0
    linked_cache: dict[int, list[tuple[str, Person]]] = {}
    for task, family_name in rows:
        if task.family_id not in linked_cache:
            linked_cache[task.family_id] = await _family_people(session, task.family_id)
        for person, is_parent in await _recipients(session, task, linked_cache[task.family_id]):
            zone = zone_or(person.timezone, settings.default_timezone)
            moments = (
                (SOON_PURPOSE, task.due_date - timedelta(days=REMIND_BEFORE_DAYS)),
                (OVERDUE_PURPOSE, task.due_date + timedelta(days=1)),
            )
            for purpose, day in moments:
                moment = local_moment(day, settings.mentor_reminder_time, zone)
                if not _moment_ok(moment, now, task.created_at):
                    continue
                params: dict[str, Any] = {
                    "task_id": task.id,
                    "title": _shorten(task.title, 200),
                    "due": task.due_date.strftime("%d.%m.%Y"),
                    "overdue": purpose == OVERDUE_PURPOSE,
                    "for_parent": is_parent,
                    # Staff see which family; a parent knows their own.
                    "family": "" if is_parent else _shorten(family_name, 64),
                }
                if await outbox.enqueue(
                    session,
                    recipient=outbox.Recipient(person.id, person.telegram_id),
                    purpose=purpose,
                    kind=REMINDER_KIND,
                    params=params,
                    now=now,
                    object_type=OBJECT_TASK,
                    object_id=task.id,
                    occurrence=task.due_date.isoformat(),
                    family_facing=is_parent,
                ):
                    queued += 1
    return queued


async def overdue(
    session: AsyncSession, today: date, limit: int
) -> tuple[int, list[tuple[str, str, date]]]:
    """Open tasks of open families past their deadline: (count, the first `limit` as
    (family name, task, deadline), oldest deadline first)."""
    return await plans_repo.overdue(session, today, limit)
