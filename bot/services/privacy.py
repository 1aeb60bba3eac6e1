"""Data protection: what the bot holds about a person (/mydata), withdrawal of consent, and the
retention of closed families.

Withdrawal and retention blank personal fields and keep the rows that statistics count: a
visit, a hand-in, an RSVP or an SRS score stays, without a name or a text. Visits a mentor
recorded, and a mentor's feedback on homework, stay with their notes: they are the family's case
file, written about the family, not about the mentor; retention blanks them with the family.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import FamilyLinkKind, Person, Role
from bot.db.repositories import families as families_repo
from bot.db.repositories import people as people_repo
from bot.db.repositories import privacy as privacy_repo
from bot.services import audit
from bot.services.access import Actor
from bot.services.errors import AccessDenied
from bot.services.outbox import Recipient, enqueue

log = logging.getLogger(__name__)

RETENTION_BATCH = 200
WITHDRAWN_PURPOSE = "consent_withdrawn"
WITHDRAWN_KIND = "consent_withdrawn"  # rendered by bot.notifications.privacy
# Roles whose holder is gone once their families are: retention anonymises them too.
FAMILY_SIDE_ROLES = (Role.PARENT.value, Role.PARTICIPANT.value)


@dataclass(frozen=True)
class Summary:
    person: Person
    roles: list[str]
    consent_at: datetime | None
    consent_version: str | None
    families: list[tuple[str, int, str]]  # (link kind, family id, family name)
    counts: dict[str, int]


@dataclass(frozen=True)
class Withdrawal:
    person_id: int
    roles: list[str]
    family_ids: list[int]
    notified: int
    cancelled: int


@dataclass
class RetentionRun:
    families: int = 0
    people: int = 0
    batches: int = 0
    family_ids: list[int] = field(default_factory=list)


async def _own_person(session: AsyncSession, actor: Actor | None) -> Person:
    """Only a person who joined and still consents has data to see or withdraw."""
    if actor is None:
        raise AccessDenied("person")
    person = await people_repo.by_id(session, actor.person_id)
    if person is None or person.anonymised_at is not None:
        raise AccessDenied("person")
    return person


async def summary(session: AsyncSession, actor: Actor | None) -> Summary:
    person = await _own_person(session, actor)
    consents = await people_repo.consents_of(session, person.id)
    current = next((c for c in reversed(consents) if c.withdrawn_at is None), None)
    return Summary(
        person=person,
        roles=sorted(r.role for r in person.roles),
        consent_at=current.accepted_at if current else None,
        consent_version=current.text_version if current else None,
        families=await privacy_repo.linked_families(session, person.id),
        counts=await privacy_repo.counts(session, person.id),
    )


# --- the download ---------------------------------------------------------------------------------


def _when(value: datetime | date | None) -> str | None:
    return value.isoformat() if value is not None else None


async def export(session: AsyncSession, actor: Actor | None, now: datetime) -> dict[str, Any]:
    """Everything stored about the person themselves, nothing about anyone else."""
    person = await _own_person(session, actor)
    data: dict[str, Any] = {
        "exported_at": _when(now),
        "person": {
            "id": person.id,
            "telegram_id": person.telegram_id,
            "name": person.display_name,
            "language": person.locale,
            "timezone": person.timezone,
            "joined_at": _when(person.created_at),
        },
        "roles": [{"role": r.role, "granted_at": _when(r.granted_at)} for r in person.roles],
        "consents": [
            {
                "version": c.text_version,
                "language": c.locale,
                "accepted_at": _when(c.accepted_at),
                "withdrawn_at": _when(c.withdrawn_at),
            }
            for c in await people_repo.consents_of(session, person.id)
        ],
        "families": [
            {"family_id": family_id, "name": name, "as": kind}
            for kind, family_id, name in await privacy_repo.linked_families(session, person.id)
        ],
        "visits_recorded": [_visit(v) for v in await privacy_repo.visits_by(session, person.id)],
        "homework_answers": [
            {
                "week_id": a.homework_week_id,
                "kind": a.kind,
                "text": a.text,
                "file_id": a.file_id,
                "sent_at": _when(a.created_at),
                "late": a.late,
            }
            for a in await privacy_repo.answers_by(session, person.id)
        ],
        "homework_weeks_handed_in": [
            {
                "week_id": w.id,
                "week_number": w.week_number,
                "done_at": _when(w.done_at),
                "rating": w.rating,
                "rating_comment": w.rating_comment,
            }
            for w in await privacy_repo.weeks_handed_in_by(session, person.id)
        ],
        "meetings": [
            {
                "meeting_id": meeting.id,
                "starts_at": _when(meeting.starts_at),
                "name_given": participant.name,
                "relation": participant.relation,
                "phone": participant.phone,
                "rsvp": participant.rsvp,
                "rsvp_comment": participant.rsvp_comment,
                "attended": participant.attended,
                "srs": (
                    {"scores": srs.scores, "total": srs.total, "comment": srs.comment}
                    if srs is not None
                    else None
                ),
            }
            for participant, meeting, srs in await privacy_repo.participations_of(
                session, person.id
            )
        ],
        "audit": [
            {
                "at": _when(entry.at),
                "action": entry.action,
                "object_type": entry.object_type,
                "object_id": entry.object_id,
            }
            for entry in await privacy_repo.audit_of(session, person.id)
        ],
    }
    await audit.record(
        session, actor, "mydata.download", now, object_type="person", object_id=person.id
    )
    return data


def _visit(visit: Any) -> dict[str, Any]:
    return {
        "visit_id": visit.id,
        "family_id": visit.family_id,
        "date": _when(visit.visit_date),
        "format": visit.format,
        "duration_minutes": visit.duration_minutes,
        "methods": visit.methods,
        "help_given": visit.help_given,
        "situation": visit.situation,
        "concern": visit.concern,
        "concern_text": visit.concern_text,
        "notes_text": visit.notes_text,
        "deleted": visit.deleted_at is not None,
    }


def export_bytes(data: dict[str, Any]) -> bytes:
    return json.dumps(data, ensure_ascii=False, indent=2).encode("utf-8")


def export_filename(today: date) -> str:
    return f"my_data_{today.isoformat()}.json"


# --- withdrawal -----------------------------------------------------------------------------------


async def _anonymise(session: AsyncSession, person_id: int, now: datetime) -> int:
    """Everything that names the person or that they wrote; returns queued messages cancelled."""
    await privacy_repo.withdraw_consents(session, person_id, now)
    await privacy_repo.drop_roles_and_links(session, person_id)
    await privacy_repo.revoke_open_invitations(session, person_id, now)
    cancelled = await privacy_repo.cancel_and_blank_outbox(session, person_id)
    await privacy_repo.blank_what_they_wrote(session, person_id)
    await privacy_repo.anonymise_person_row(session, person_id, now)
    return cancelled


async def _staff_to_tell(session: AsyncSession, parent_of: list[int]) -> list[Person]:
    """A parent's families' curators (the coordinators when a family has none); for anyone
    else every coordinator."""
    found: dict[int, Person] = {}
    coordinators: list[Person] | None = None
    for family_id in parent_of:
        curators = [
            p
            for kind, p in await families_repo.linked_people(session, family_id)
            if kind == FamilyLinkKind.CURATOR.value
        ]
        if not curators:
            coordinators = coordinators or await people_repo.with_role(
                session, Role.COORDINATOR.value
            )
            curators = coordinators
        found.update((p.id, p) for p in curators)
    if not parent_of:
        found.update((p.id, p) for p in await people_repo.with_role(session, Role.COORDINATOR))
    return [found[key] for key in sorted(found)]


async def withdraw(session: AsyncSession, actor: Actor | None, now: datetime) -> Withdrawal:
    """One transaction (the caller commits): consent withdrawn, roles and links gone, personal
    fields blanked, the staff told. A second call (a stale button) is refused."""
    person = await _own_person(session, actor)
    person_id = person.id
    roles = sorted(r.role for r in person.roles)
    links = await privacy_repo.linked_families(session, person_id)
    parent_of = sorted({fid for kind, fid, _ in links if kind == FamilyLinkKind.PARENT.value})
    session.expunge(person)  # the bulk updates below change the row under the ORM
    cancelled = await _anonymise(session, person_id, now)
    staff = [p for p in await _staff_to_tell(session, parent_of) if p.id != person_id]
    for member in staff:
        await enqueue(
            session,
            recipient=Recipient(member.id, member.telegram_id),
            purpose=WITHDRAWN_PURPOSE,
            kind=WITHDRAWN_KIND,
            params={"person_id": person_id, "roles": roles, "family_ids": parent_of},
            now=now,
            object_type="person",
            object_id=person_id,
        )
    # The record carries the placeholder, not their Telegram id: ids and codes only.
    await audit.record(
        session,
        Actor(person_id, -person_id, frozenset()),
        "consent.withdraw",
        now,
        object_type="person",
        object_id=person_id,
        roles=roles,
        family_ids=parent_of,
        notified=len(staff),
    )
    log.info("person %s withdrew consent; %s staff told", person_id, len(staff))
    return Withdrawal(person_id, roles, parent_of, len(staff), cancelled)


# --- retention ------------------------------------------------------------------------------------


def retention_cutoff(now: datetime, years: int) -> datetime:
    try:
        return now.replace(year=now.year - years)
    except ValueError:  # 29 February
        return now.replace(year=now.year - years, day=28)


async def anonymise_closed_batch(
    session: AsyncSession, now: datetime, years: int, limit: int = RETENTION_BATCH
) -> tuple[int, RetentionRun]:
    """One batch of families closed more than `years` ago: (families examined, what was done).
    The caller commits each batch; a family is marked once, so a rerun or a second replica
    does nothing twice."""
    ids = await privacy_repo.closed_before(session, retention_cutoff(now, years), limit)
    run = RetentionRun()
    if not ids:
        return 0, run
    marked = await privacy_repo.anonymise_families(session, ids, now)
    parents = await privacy_repo.unlink_parents(session, marked)
    gone = await privacy_repo.without_active_ties(session, parents, FAMILY_SIDE_ROLES)
    for person_id in gone:
        await _anonymise(session, person_id, now)
    run.families, run.people, run.batches, run.family_ids = len(marked), len(gone), 1, marked
    if marked:
        await audit.record(
            session,
            None,
            "retention.anonymise",
            now,
            families=len(marked),
            people=len(gone),
            years=years,
        )
        log.info("retention: %s families, %s people anonymised", len(marked), len(gone))
    return len(ids), run
