"""The child's social map (карта социальных связей, domain.md §3): dated snapshots of the people
around a child of a family, each with a relation, a circle of closeness (1 closest .. 3) and the
nature of the tie. A new snapshot starts as a copy of the previous one, carrying each person's
`key`, so two snapshots are compared person by person (not by name).

The map is part of preparing a network meeting, so the rights are those of meetings: coordinators.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import local_date
from bot.db.models import (
    Meeting,
    MeetingParticipant,
    MeetingStatus,
    Relation,
    SocialMap,
    SocialMapPerson,
    TieNature,
)
from bot.db.repositories import families as families_repo
from bot.db.repositories import meetings as meetings_repo
from bot.db.repositories import social_maps as maps_repo
from bot.services import audit
from bot.services.access import Action, Actor, authorize
from bot.services.errors import DomainError
from bot.services.meetings import MAX_PARTICIPANTS

CHILD_NAME_MAX = 40
NAME_MAX = 40
MAX_PEOPLE = 30  # the picture stays readable on a phone up to here (tested)
CIRCLES = (1, 2, 3)
OBJECT = "social_map"


def child_key(name: str) -> str:
    return " ".join(name.split()).casefold()


def _clean_name(value: str, limit: int, code: str) -> str:
    text = " ".join((value or "").split())
    if not text:
        raise DomainError(f"{code}_empty")
    if len(text) > limit:
        raise DomainError(f"{code}_long")
    return text


def _new_key() -> str:
    return secrets.token_hex(8)


@dataclass(frozen=True)
class Tie:
    """One person on a snapshot, as plain data for the dialogs and the pictures."""

    key: str
    name: str
    relation: str
    circle: int
    nature: str
    id: int = 0


@dataclass(frozen=True)
class Snapshot:
    id: int
    family_id: int
    child_name: str
    taken_on: date
    people: list[Tie]


@dataclass(frozen=True)
class SnapshotRow:
    id: int
    taken_on: date
    people: int


async def _map(session: AsyncSession, map_id: int) -> SocialMap:
    found = await maps_repo.by_id(session, map_id)
    if found is None:
        raise DomainError("map_not_found")
    return found


async def _ties(session: AsyncSession, map_id: int) -> list[Tie]:
    rows = await maps_repo.people_of(session, map_id)
    return [Tie(p.key, p.name, p.relation, p.circle, p.nature, p.id) for p in rows]


async def _latest(session: AsyncSession, family_id: int, key: str) -> SocialMap | None:
    return await maps_repo.latest(session, family_id, key)


async def children(session: AsyncSession, actor: Actor, family_id: int) -> list[str]:
    """The children of a family that have a map or a meeting, by first name (latest spelling)."""
    await authorize(session, actor, Action.MEETING_MANAGE)
    names: dict[str, str] = {}
    for name in await maps_repo.meeting_child_names(session, family_id):
        names[child_key(name)] = name
    for name in await maps_repo.map_child_names(session, family_id):
        names[child_key(name)] = name
    return sorted(names.values(), key=str.casefold)


async def snapshots(
    session: AsyncSession, actor: Actor, family_id: int, child_name: str
) -> list[SnapshotRow]:
    """The child's snapshots, latest first, with how many people each has."""
    await authorize(session, actor, Action.MEETING_MANAGE)
    rows = await maps_repo.snapshot_rows(session, family_id, child_key(child_name))
    return [SnapshotRow(map_id, taken_on, n) for map_id, taken_on, n in rows]


async def snapshot(session: AsyncSession, actor: Actor, map_id: int, now: datetime) -> Snapshot:
    """A snapshot with its people (audited: it lists people by name)."""
    await authorize(session, actor, Action.MEETING_MANAGE)
    found = await _map(session, map_id)
    await audit.record(session, actor, "social_map.view", now, object_type=OBJECT, object_id=map_id)
    return Snapshot(
        found.id, found.family_id, found.child_name, found.taken_on, await _ties(session, map_id)
    )


async def start_snapshot(
    session: AsyncSession, actor: Actor, family_id: int, child_name: str, now: datetime
) -> SocialMap:
    """A new snapshot dated today (the family's calendar): a copy of the child's latest one, keys
    included, so the coordinator only changes what moved; empty for a first map."""
    await authorize(session, actor, Action.MEETING_MANAGE)
    family = await families_repo.by_id(session, family_id)
    if family is None:
        raise DomainError("family_not_found")
    if family.closed_at is not None:
        raise DomainError("family_closed")
    name = _clean_name(child_name, CHILD_NAME_MAX, "map_child")
    if len(name.split()) > 1:
        raise DomainError("map_child_surname")
    key = child_key(name)
    previous = await _latest(session, family.id, key)
    today = local_date(now, family.timezone)
    if previous is not None and previous.taken_on >= today:
        raise DomainError("map_today")  # one snapshot a day: a second tap changes nothing
    created = SocialMap(
        family_id=family.id,
        child_name=name,
        child_key=key,
        taken_on=today,
        created_at=now,
        created_by_id=actor.person_id,
        copied_from_id=previous.id if previous else None,
    )
    session.add(created)
    await session.flush()
    if previous is not None:
        for tie in await _ties(session, previous.id):
            session.add(
                SocialMapPerson(
                    map_id=created.id,
                    key=tie.key,
                    name=tie.name,
                    relation=tie.relation,
                    circle=tie.circle,
                    nature=tie.nature,
                    created_at=now,
                )
            )
        await session.flush()
    await audit.record(
        session,
        actor,
        "social_map.create",
        now,
        object_type=OBJECT,
        object_id=created.id,
        copied_from=previous.id if previous else None,
    )
    return created


def _valid(relation: str, circle: int, nature: str) -> tuple[str, int, str]:
    if circle not in CIRCLES:
        raise DomainError("map_circle")
    return Relation(relation).value, circle, TieNature(nature).value


async def add_person(
    session: AsyncSession,
    actor: Actor,
    map_id: int,
    *,
    name: str,
    relation: str,
    circle: int,
    nature: str,
    now: datetime,
) -> SocialMapPerson:
    await authorize(session, actor, Action.MEETING_MANAGE)
    found = await _map(session, map_id)
    relation, circle, nature = _valid(relation, circle, nature)
    if await maps_repo.people_count(session, found.id) >= MAX_PEOPLE:
        raise DomainError("map_full")
    person = SocialMapPerson(
        map_id=found.id,
        key=_new_key(),
        name=_clean_name(name, NAME_MAX, "map_person"),
        relation=relation,
        circle=circle,
        nature=nature,
        created_at=now,
    )
    session.add(person)
    await session.flush()
    return person


async def _person(session: AsyncSession, map_id: int, person_id: int) -> SocialMapPerson:
    person = await maps_repo.person_by_id(session, person_id)
    if person is None or person.map_id != map_id:
        raise DomainError("map_person_not_found")
    return person


async def change_person(
    session: AsyncSession,
    actor: Actor,
    map_id: int,
    person_id: int,
    *,
    circle: int | None = None,
    nature: str | None = None,
) -> bool:
    """Move someone to another circle or change the nature of the tie; False if nothing changed."""
    await authorize(session, actor, Action.MEETING_MANAGE)
    person = await _person(session, map_id, person_id)
    changed = False
    if circle is not None:
        if circle not in CIRCLES:
            raise DomainError("map_circle")
        changed |= person.circle != circle
        person.circle = circle
    if nature is not None:
        value = TieNature(nature).value
        changed |= person.nature != value
        person.nature = value
    return changed


async def remove_person(session: AsyncSession, actor: Actor, map_id: int, person_id: int) -> bool:
    """Take someone off this snapshot; False if they were not on it (a second tap)."""
    await authorize(session, actor, Action.MEETING_MANAGE)
    return await maps_repo.delete_person(session, map_id, person_id)


# --- comparing two snapshots -----------------------------------------------------------------


@dataclass(frozen=True)
class Comparison:
    earlier: list[Tie]
    later: list[Tie]
    appeared: list[Tie]  # on the later snapshot only
    left: list[Tie]  # on the earlier snapshot only
    closer: list[tuple[Tie, Tie]]  # (earlier, later): a smaller circle now
    further: list[tuple[Tie, Tie]]
    supportive_gained: list[Tie]  # supportive now, not before (new people included)
    supportive_lost: list[Tie]  # supportive before, not now (people who left included)
    conflictual_gained: list[Tie]
    conflictual_lost: list[Tie]

    @staticmethod
    def count(ties: Sequence[Tie], nature: TieNature) -> int:
        return sum(1 for t in ties if t.nature == nature.value)

    @property
    def supportive_before(self) -> int:
        return self.count(self.earlier, TieNature.SUPPORTIVE)

    @property
    def supportive_after(self) -> int:
        return self.count(self.later, TieNature.SUPPORTIVE)

    @property
    def conflictual_before(self) -> int:
        return self.count(self.earlier, TieNature.CONFLICTUAL)

    @property
    def conflictual_after(self) -> int:
        return self.count(self.later, TieNature.CONFLICTUAL)


def compare(earlier: Sequence[Tie], later: Sequence[Tie]) -> Comparison:
    """Who appeared, who left, who came closer or moved away, which ties turned supportive or
    stopped being conflictual; people are matched by key."""
    before = {t.key: t for t in earlier}
    after = {t.key: t for t in later}
    supportive, conflictual = TieNature.SUPPORTIVE.value, TieNature.CONFLICTUAL.value

    def became(nature: str) -> list[Tie]:
        return [t for k, t in after.items() if t.nature == nature and _nature(before, k) != nature]

    def stopped(nature: str) -> list[Tie]:
        return [t for k, t in before.items() if t.nature == nature and _nature(after, k) != nature]

    moved = [(before[k], t) for k, t in after.items() if k in before]
    return Comparison(
        earlier=list(earlier),
        later=list(later),
        appeared=[t for k, t in after.items() if k not in before],
        left=[t for k, t in before.items() if k not in after],
        closer=[(a, b) for a, b in moved if b.circle < a.circle],
        further=[(a, b) for a, b in moved if b.circle > a.circle],
        supportive_gained=became(supportive),
        supportive_lost=stopped(supportive),
        conflictual_gained=became(conflictual),
        conflictual_lost=stopped(conflictual),
    )


def _nature(ties: dict[str, Tie], key: str) -> str | None:
    tie = ties.get(key)
    return tie.nature if tie else None


async def previous_of(session: AsyncSession, actor: Actor, map_id: int) -> int | None:
    """The child's snapshot just before this one, to compare with."""
    await authorize(session, actor, Action.MEETING_MANAGE)
    found = await _map(session, map_id)
    return await maps_repo.previous_id(session, found)


# --- filling a meeting's list from the map -------------------------------------------------


async def _map_for_meeting(session: AsyncSession, meeting: Meeting) -> SocialMap | None:
    """The latest snapshot of the meeting's child; when the names do not match but the family
    has maps of one child only, that child's."""
    found = await _latest(session, meeting.family_id, child_key(meeting.child_name))
    if found is not None:
        return found
    keys = await maps_repo.child_keys(session, meeting.family_id)
    return await _latest(session, meeting.family_id, keys[0]) if len(keys) == 1 else None


async def missing_from_meeting(session: AsyncSession, actor: Actor, meeting_id: int) -> list[Tie]:
    """The people of the child's latest map not yet on the meeting's list (by name)."""
    await authorize(session, actor, Action.MEETING_MANAGE)
    meeting = await meetings_repo.by_id(session, meeting_id)
    if meeting is None:
        return []
    found = await _map_for_meeting(session, meeting)
    if found is None:
        return []
    listed = {child_key(name) for name in await maps_repo.participant_names(session, meeting.id)}
    return [t for t in await _ties(session, found.id) if child_key(t.name) not in listed]


async def fill_meeting(
    session: AsyncSession, actor: Actor, meeting_id: int, now: datetime
) -> tuple[int, int]:
    """Put the map's people (name and relation) not yet listed on the meeting's list, not yet
    approved by the child; returns (added, left out because the list is full)."""
    await authorize(session, actor, Action.MEETING_MANAGE)
    meeting = await meetings_repo.by_id(session, meeting_id)
    if meeting is None:
        raise DomainError("meeting_not_found")
    if meeting.status != MeetingStatus.PLANNED:
        raise DomainError("meeting_not_planned")
    missing = await missing_from_meeting(session, actor, meeting_id)
    listed = await meetings_repo.participant_count(session, meeting.id)
    room = max(MAX_PARTICIPANTS - listed, 0)
    for tie in missing[:room]:
        session.add(
            MeetingParticipant(
                meeting_id=meeting.id,
                name=tie.name,
                relation=tie.relation,
                approved_by_child=False,  # the child still approves the list
                created_at=now,
            )
        )
    await session.flush()
    added = min(len(missing), room)
    await audit.record(
        session,
        actor,
        "meeting.fill_from_map",
        now,
        object_type="meeting",
        object_id=meeting.id,
        added=added,
    )
    return added, len(missing) - added
