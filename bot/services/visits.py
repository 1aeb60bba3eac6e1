"""Mentors' patronage visits: logging, editing within a window, deleting, listing.

Every function takes the acting person and `now`; rights come from `access.authorize` with ids
read from the database. The vocabulary (formats, methods, help, situation) is content data.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from functools import lru_cache

from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import local_date
from bot.content import Content
from bot.content.choices import VisitsFile
from bot.db.models import Family, Role, Visit
from bot.db.repositories import concerns as concerns_repo
from bot.db.repositories import families as families_repo
from bot.db.repositories import visits as visits_repo
from bot.services import audit
from bot.services.access import Action, Actor, authorize
from bot.services.errors import DomainError

CONCERN_TEXT_MAX = 1000
NOTES_TEXT_MAX = 1500
FILE_ID_MAX = 255
DRAFT_KEY_MIN, DRAFT_KEY_MAX = 8, 64
DURATION_MAX = 24 * 60
OLD_DATE_DAYS = 30  # a date further back is asked to be confirmed (by the dialog)
DEFAULT_EDIT_HOURS = 48


@dataclass(frozen=True)
class VisitDraft:
    """What the mentor filled in; `validate` checks every field and normalises it."""

    family_id: int
    visit_date: date
    format: str
    duration_minutes: int
    methods: tuple[str, ...] | list[str]
    help_given: tuple[str, ...] | list[str] = field(default_factory=tuple)
    situation: int = 3
    concern: bool = False
    concern_text: str | None = None
    notes_text: str | None = None
    notes_voice_file_id: str | None = None
    next_visit_date: date | None = None


@dataclass(frozen=True)
class VisitRow:
    visit: Visit
    family_name: str
    mentor_name: str | None


@lru_cache(maxsize=1)
def _default_vocabulary() -> VisitsFile:
    return Content().visits


def _codes(values: tuple[str, ...] | list[str], known: list[str], error: str) -> tuple[str, ...]:
    chosen = set(values)
    if chosen - set(known):
        raise DomainError(error)
    return tuple(code for code in known if code in chosen)  # content order, no repeats


def _text(value: str | None, limit: int, error: str) -> str | None:
    if value is None:
        return None
    value = value.strip()
    if len(value) > limit:
        raise DomainError(error)
    return value or None


def validate(draft: VisitDraft, *, today: date, vocabulary: VisitsFile) -> VisitDraft:
    """The draft with normalised values, or DomainError naming the first wrong field.

    `today` is the family's calendar day: a visit cannot be later than that.
    """
    if draft.visit_date > today:
        raise DomainError("visit_date_future")
    if draft.format not in {f.code for f in vocabulary.formats}:
        raise DomainError("visit_format_unknown")
    if not 0 < draft.duration_minutes <= DURATION_MAX:
        raise DomainError("visit_duration_invalid")
    if not draft.methods:
        raise DomainError("visit_methods_empty")
    methods = _codes(draft.methods, [m.code for m in vocabulary.methods], "visit_methods_unknown")
    help_given = _codes(draft.help_given, [h.code for h in vocabulary.help], "visit_help_unknown")
    if draft.situation not in {p.value for p in vocabulary.situation}:
        raise DomainError("visit_situation_invalid")
    concern_text = _text(draft.concern_text, CONCERN_TEXT_MAX, "visit_concern_text_too_long")
    if draft.concern and not concern_text:
        raise DomainError("visit_concern_text_missing")
    notes_text = _text(draft.notes_text, NOTES_TEXT_MAX, "visit_notes_too_long")
    voice = draft.notes_voice_file_id or None
    if voice is not None and len(voice) > FILE_ID_MAX:
        raise DomainError("visit_voice_invalid")
    if draft.next_visit_date is not None and draft.next_visit_date <= draft.visit_date:
        raise DomainError("visit_next_date_before_visit")
    return replace(
        draft,
        methods=methods,
        help_given=help_given,
        concern_text=concern_text if draft.concern else None,
        notes_text=notes_text,
        notes_voice_file_id=voice,
    )


def _fields(draft: VisitDraft) -> dict[str, object]:
    return {
        "visit_date": draft.visit_date,
        "format": draft.format,
        "duration_minutes": draft.duration_minutes,
        "methods": list(draft.methods),
        "help_given": list(draft.help_given),
        "situation": draft.situation,
        "concern": draft.concern,
        "concern_text": draft.concern_text,
        "notes_text": draft.notes_text,
        "notes_voice_file_id": draft.notes_voice_file_id,
        "next_visit_date": draft.next_visit_date,
    }


async def _open_family(session: AsyncSession, family_id: int) -> Family:
    family = await families_repo.by_id(session, family_id)
    if family is None or family.closed_at is not None:
        raise DomainError("family_closed")
    return family


async def mentor_families(session: AsyncSession, actor: Actor) -> list[Family]:
    """The open families the actor mentors: the only ones /visit offers."""
    return await visits_repo.mentor_families(session, actor.person_id)


async def check_can_log(session: AsyncSession, actor: Actor, family_id: int) -> Family:
    """May the actor log a visit for this family now? Returns the family."""
    await authorize(session, actor, Action.VISIT_LOG, family_id)
    return await _open_family(session, family_id)


async def create_visit(
    session: AsyncSession,
    actor: Actor,
    draft: VisitDraft,
    *,
    now: datetime,
    draft_key: str,
    vocabulary: VisitsFile | None = None,
) -> Visit:
    """Store the visit once per draft key; saving the same draft again returns the same visit.

    A visit with a child-safety concern gets its SafetyConcern row in the same transaction
    (the scheduler sends the alerts from it).
    """
    if not DRAFT_KEY_MIN <= len(draft_key) <= DRAFT_KEY_MAX:
        raise DomainError("visit_draft_key_invalid")
    await authorize(session, actor, Action.VISIT_LOG, draft.family_id)
    existing = await visits_repo.by_draft_key(session, draft_key)
    if existing is not None:
        if existing.mentor_id != actor.person_id or existing.family_id != draft.family_id:
            raise DomainError("visit_draft_key_taken")
        return existing
    family = await _open_family(session, draft.family_id)
    clean = validate(
        draft,
        today=local_date(now, family.timezone),
        vocabulary=vocabulary or _default_vocabulary(),
    )
    inserted = await visits_repo.insert_once(
        session,
        {
            **_fields(clean),
            "family_id": family.id,
            "mentor_id": actor.person_id,
            "recorded_at": now,
            "draft_key": draft_key,
        },
    )
    visit = await visits_repo.by_draft_key(session, draft_key)
    if visit is None:  # pragma: no cover - the row was just inserted or already there
        raise DomainError("visit_not_saved")
    if inserted and visit.concern:
        await visits_repo.add_concern_once(
            session, visit_id=visit.id, family_id=visit.family_id, now=now
        )
    return visit


def in_author_window(actor: Actor, visit: Visit, *, now: datetime, edit_hours: int) -> bool:
    return visit.mentor_id == actor.person_id and now <= visit.recorded_at + timedelta(
        hours=edit_hours
    )


def can_change(actor: Actor, visit: Visit, *, now: datetime, edit_hours: int) -> bool:
    """Show Edit / Delete? The author within the window, a coordinator always."""
    if visit.deleted_at is not None:
        return False
    return actor.has(Role.COORDINATOR) or in_author_window(
        actor, visit, now=now, edit_hours=edit_hours
    )


async def _changeable(
    session: AsyncSession, actor: Actor, visit_id: int, *, now: datetime, edit_hours: int
) -> tuple[Visit, bool]:
    """The visit the actor may change, and whether the change must be audited."""
    await authorize(session, actor, Action.VISIT_EDIT, visit_id)
    visit = await visits_repo.by_id(session, visit_id)
    if visit is None or visit.deleted_at is not None:
        raise DomainError("visit_deleted")
    if in_author_window(actor, visit, now=now, edit_hours=edit_hours):
        return visit, actor.has(Role.COORDINATOR) and visit.mentor_id != actor.person_id
    if not actor.has(Role.COORDINATOR):
        raise DomainError("visit_edit_window_closed")
    return visit, True


async def open_for_edit(
    session: AsyncSession,
    actor: Actor,
    visit_id: int,
    *,
    now: datetime,
    edit_hours: int = DEFAULT_EDIT_HOURS,
) -> tuple[Visit, Family]:
    """The visit the actor may change now and its family, to prefill the form."""
    visit, _audited = await _changeable(session, actor, visit_id, now=now, edit_hours=edit_hours)
    family = await families_repo.by_id(session, visit.family_id)
    if family is None:  # pragma: no cover - the visit would be gone with its family
        raise DomainError("visit_deleted")
    return visit, family


async def update_visit(
    session: AsyncSession,
    actor: Actor,
    visit_id: int,
    draft: VisitDraft,
    *,
    now: datetime,
    edit_hours: int = DEFAULT_EDIT_HOURS,
    vocabulary: VisitsFile | None = None,
) -> Visit:
    """Change a visit: its author within `edit_hours` of recording, a coordinator any time
    (audited as visit.edit). The family of a visit does not change."""
    visit, audited = await _changeable(session, actor, visit_id, now=now, edit_hours=edit_hours)
    if draft.family_id != visit.family_id:
        raise DomainError("visit_family_fixed")
    family = await families_repo.by_id(session, visit.family_id)
    if family is None:  # pragma: no cover - the visit would be gone with its family
        raise DomainError("visit_deleted")
    clean = validate(
        draft,
        today=local_date(now, family.timezone),
        vocabulary=vocabulary or _default_vocabulary(),
    )
    had_concern = visit.concern
    for name, value in _fields(clean).items():
        setattr(visit, name, value)
    visit.updated_at = now
    visit.updated_by_id = actor.person_id
    await session.flush()
    if visit.concern:
        added = await visits_repo.add_concern_once(
            session, visit_id=visit.id, family_id=visit.family_id, now=now
        )
        if not added and not had_concern:  # removed earlier, back now: alerts resume
            await concerns_repo.set_alerts_for_visit(session, visit.id, now)
    elif had_concern:  # removed: nobody is reminded of it any more (unless taken on already)
        await concerns_repo.set_alerts_for_visit(session, visit.id, None)
    if audited:
        await audit.record(
            session, actor, "visit.edit", now, object_type="visit", object_id=visit.id
        )
    return visit


async def delete_visit(
    session: AsyncSession,
    actor: Actor,
    visit_id: int,
    *,
    now: datetime,
    edit_hours: int = DEFAULT_EDIT_HOURS,
) -> bool:
    """Soft delete under the same rule as editing. False when it was already deleted."""
    await authorize(session, actor, Action.VISIT_EDIT, visit_id)
    visit = await visits_repo.by_id(session, visit_id)
    if visit is not None and visit.deleted_at is not None:
        return False  # a double tap on «Delete»
    visit, audited = await _changeable(session, actor, visit_id, now=now, edit_hours=edit_hours)
    visit.deleted_at = now
    visit.updated_at = now
    visit.updated_by_id = actor.person_id
    await session.flush()
    if audited:
        await audit.record(
            session, actor, "visit.delete", now, object_type="visit", object_id=visit.id
        )
    return True


async def get_visit(
    session: AsyncSession, actor: Actor, visit_id: int, *, now: datetime
) -> VisitRow:
    """One visit to look at; a coordinator's look at someone else's visit is audited."""
    await authorize(session, actor, Action.VISIT_VIEW, visit_id)
    found = await visits_repo.row(session, visit_id)
    if found is None or found[0].deleted_at is not None:
        raise DomainError("visit_deleted")
    visit, family_name, mentor_name = found
    if visit.mentor_id != actor.person_id:
        await audit.record(
            session, actor, "visit.view", now, object_type="visit", object_id=visit_id
        )
    return VisitRow(visit, family_name, mentor_name)


async def visits_of_mentor(
    session: AsyncSession,
    actor: Actor,
    *,
    offset: int,
    limit: int,
    family_id: int | None = None,
) -> tuple[list[VisitRow], int]:
    """The actor's own visits (not deleted), newest first; optionally of one family."""
    rows, total = await visits_repo.page_of_mentor(
        session, actor.person_id, offset=offset, limit=limit, family_id=family_id
    )
    return [VisitRow(*r) for r in rows], total


async def visits_of_family(
    session: AsyncSession,
    actor: Actor,
    family_id: int,
    *,
    offset: int,
    limit: int,
    now: datetime,
) -> tuple[list[VisitRow], int]:
    """A family's visits (the card's timeline), newest first; the view is audited."""
    await authorize(session, actor, Action.FAMILY_VIEW, family_id)
    rows, total = await visits_repo.page_of_family(session, family_id, offset=offset, limit=limit)
    await audit.record(
        session,
        actor,
        "visit.list.view",
        now,
        object_type="family",
        object_id=family_id,
        offset=offset,
        shown=[r[0].id for r in rows],
    )
    return [VisitRow(*r) for r in rows], total
