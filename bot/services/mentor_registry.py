"""The mentors' registry (/mentors): statuses, their moves with reasons, the list and a card.

Statuses follow the practice's path: candidate → tested → trained → active, then paused or left.
Allowed moves (decided here, one table):
- any step forward along candidate → tested → trained → active, skipping steps too (a mentor
  trained elsewhere may become active at once);
- active ↔ paused (a pause and the return from it);
- anything → left;
- left → candidate (someone who comes back starts the path again).
Going back along the path otherwise (trained → tested…) is refused: it would rewrite the history
the test and the course keep. A move to paused or left needs a reason of content/mentors.yaml;
other moves take an optional reason, and any move an optional short note. Every move writes a
MentorStatusChange, updates the MentorProfile and is audited; every view is audited.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.content.mentors import MentorsFile
from bot.db.models import MentorProfile, MentorStatus, MentorStatusChange
from bot.db.queries import mentors as mentors_q
from bot.db.queries.mentors import MentorRow, TestSummary, Training
from bot.db.repositories import mentors as mentors_repo
from bot.services import audit
from bot.services.access import Action, Actor, authorize
from bot.services.errors import DomainError

NOTE_MAX = 200
PATH = (MentorStatus.CANDIDATE, MentorStatus.TESTED, MentorStatus.TRAINED, MentorStatus.ACTIVE)


def allowed_moves(status: str) -> list[MentorStatus]:
    """Where a mentor in `status` may be moved, in the registry's order."""
    current = MentorStatus(status)
    targets: set[MentorStatus] = {MentorStatus.LEFT}
    if current in PATH:
        targets |= set(PATH[PATH.index(current) + 1 :])
    if current is MentorStatus.ACTIVE:
        targets.add(MentorStatus.PAUSED)
    if current is MentorStatus.PAUSED:
        targets.add(MentorStatus.ACTIVE)
    if current is MentorStatus.LEFT:
        targets = {MentorStatus.CANDIDATE}
    return [status_ for status_ in MentorStatus if status_ in targets]


@dataclass(frozen=True)
class Card:
    mentor: MentorRow
    families: list[tuple[int, str]]
    history: list[tuple[MentorStatusChange, str | None]]  # with who moved it
    training: Training
    test: TestSummary | None
    moves: list[MentorStatus]


def month_start(today: date) -> date:
    return today.replace(day=1)


async def list_page(
    session: AsyncSession,
    actor: Actor | None,
    now: datetime,
    today: date,
    *,
    status: str | None,
    offset: int,
    limit: int,
) -> tuple[list[MentorRow], int, dict[str, int]]:
    """A page of the registry, its total and the count of mentors per status (the filters)."""
    await authorize(session, actor, Action.MENTOR_REGISTRY)
    if status is not None:
        status = MentorStatus(status).value
    rows, total = await mentors_q.page(
        session,
        status=status,
        month_start=month_start(today),
        today=today,
        offset=offset,
        limit=limit,
    )
    counts = await mentors_q.count_by_status(session)
    await audit.record(
        session, actor, "mentors.list", now, status=status, people=[r.person_id for r in rows]
    )
    return rows, total, counts


async def card(
    session: AsyncSession, actor: Actor | None, person_id: int, now: datetime, today: date
) -> Card:
    await authorize(session, actor, Action.MENTOR_REGISTRY)
    row = await mentors_q.mentor(session, person_id, month_start=month_start(today), today=today)
    if row is None:
        raise DomainError("mentor_not_found")
    await audit.record(
        session, actor, "mentor.view", now, object_type="person", object_id=person_id
    )
    return Card(
        mentor=row,
        families=await mentors_q.families_of(session, person_id),
        history=await mentors_repo.history(session, person_id),
        training=await mentors_q.training(session, person_id),
        test=await mentors_q.latest_test(session, person_id),
        moves=allowed_moves(row.status),
    )


async def mentor_to_assign(
    session: AsyncSession, actor: Actor | None, family_id: int, person_id: int
) -> tuple[str, str] | None:
    """The name and status of a mentor a coordinator is about to attach to a family: anything
    but active asks the coordinator to confirm first. None when the person is not a mentor."""
    await authorize(session, actor, Action.FAMILY_MANAGE, family_id)
    return await mentors_q.name_and_status(session, person_id)


async def confirm_not_active(
    session: AsyncSession,
    actor: Actor | None,
    family_id: int,
    person_id: int,
    status: str,
    now: datetime,
) -> None:
    """The coordinator confirmed attaching a mentor who is not active: recorded in the audit."""
    await authorize(session, actor, Action.FAMILY_MANAGE, family_id)
    await audit.record(
        session,
        actor,
        "family.mentor.assign_not_active",
        now,
        object_type="family",
        object_id=family_id,
        person_id=person_id,
        status=status,
    )


def clean_note(text: str | None) -> str | None:
    if text is None:
        return None
    text = " ".join(text.split())
    if not text:
        return None
    if len(text) > NOTE_MAX:
        raise DomainError("mentor_note_too_long")
    return text


async def move(
    session: AsyncSession,
    actor: Actor | None,
    person_id: int,
    to_status: str,
    now: datetime,
    *,
    content: MentorsFile,
    reason: str | None = None,
    note: str | None = None,
    expected_from: str | None = None,
) -> MentorStatusChange:
    """Move the mentor's status with a reason of content/mentors.yaml. `expected_from` is the
    status the coordinator saw: when another coordinator moved it meanwhile, the move is refused
    as stale rather than applied to a status nobody looked at."""
    await authorize(session, actor, Action.MENTOR_STATUS, person_id)
    current = await mentors_q.status_of(session, person_id)
    if current is None:
        raise DomainError("mentor_not_found")
    try:
        target = MentorStatus(to_status)
    except ValueError:
        raise DomainError("mentor_move_not_allowed") from None
    if expected_from is not None and expected_from != current:
        raise DomainError("mentor_status_changed")
    if target not in allowed_moves(current):
        raise DomainError("mentor_move_not_allowed")
    offered = {item.code for item in content.reasons_for(target.value)}
    if reason is not None and reason not in offered:
        raise DomainError("mentor_reason_unknown")
    if reason is None and content.reason_required(target.value):
        raise DomainError("mentor_reason_required")
    change = MentorStatusChange(
        person_id=person_id,
        from_status=current,
        to_status=target.value,
        reason=reason,
        note=clean_note(note),
        changed_at=now,
        changed_by_id=actor.person_id if actor else None,
    )
    session.add(change)
    await _set_status(session, person_id, target, now)
    await session.flush()
    await audit.record(
        session,
        actor,
        "mentor.status",
        now,
        object_type="person",
        object_id=person_id,
        from_status=current,
        to_status=target.value,
        reason=reason,
    )
    return change


async def _set_status(
    session: AsyncSession, person_id: int, status: MentorStatus, now: datetime
) -> MentorProfile:
    profile = await mentors_repo.profile(session, person_id)
    if profile is None:
        profile = MentorProfile(person_id=person_id, created_at=now, status=status, status_at=now)
        session.add(profile)
    profile.status = status.value
    profile.status_at = now
    return profile


async def on_mentor_joined(
    session: AsyncSession, person_id: int, invited_status: str | None, now: datetime
) -> None:
    """A person who got the mentor role gets a profile: a candidate when the invitation said so,
    otherwise active. A profile already there (a returning mentor) is left as it is."""
    if await mentors_repo.profile(session, person_id) is not None:
        return
    status = (
        MentorStatus.CANDIDATE
        if invited_status == MentorStatus.CANDIDATE.value
        else MentorStatus.ACTIVE
    )
    session.add(
        MentorProfile(person_id=person_id, status=status.value, status_at=now, created_at=now)
    )
    session.add(
        MentorStatusChange(
            person_id=person_id,
            from_status=None,
            to_status=status.value,
            changed_at=now,
            changed_by_id=None,
        )
    )
    await session.flush()
