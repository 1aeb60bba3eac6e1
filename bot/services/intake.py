"""A family's intake: the request (обращение) and the family's make-up.

The request: when and how the family came, the request in the family's own words, the kinds of
difficulty, and the support level with the signs that justify it (the lists live in
content/intake.yaml). Saving the request's level sets the family's support level. The make-up is
the minimum: a first name or a label, the year of birth, child or adult, an adult's relation to
the children; children and adults reached become countable.

Coordinators record it (the curator is one); the family's mentors read it; parents and
participants never see it (bot/services/case_access.py). Every view is audited.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bot.content.intake import IntakeFile
from bot.db.models import CaseRequest, Family, FamilyMember, LevelSource, SupportLevel
from bot.db.repositories import intake as intake_repo
from bot.services import audit, case_access, families
from bot.services.access import Actor
from bot.services.errors import DomainError

WORDS_MAX = 1000
NAME_MAX = 40
MAX_MEMBERS = 20
OLDEST_YEAR = 1900
RECEIVED_YEARS_BACK = 10


@dataclass(frozen=True)
class RequestDraft:
    received_on: date
    source: str
    words: str | None
    difficulties: list[str]
    level: SupportLevel
    level_signs: list[str]


@dataclass(frozen=True)
class Intake:
    family: Family
    request: CaseRequest | None
    members: list[FamilyMember]
    can_keep: bool

    @property
    def children(self) -> int:
        return sum(1 for m in self.members if m.is_child)

    @property
    def adults(self) -> int:
        return sum(1 for m in self.members if not m.is_child)


async def intake(
    session: AsyncSession, actor: Actor | None, family_id: int, now: datetime
) -> Intake:
    """The request and the make-up for a screen showing them (audited)."""
    family = await case_access.require_view(session, actor, family_id)
    await audit.record(session, actor, "case.view", now, object_type="family", object_id=family_id)
    return Intake(
        family,
        await intake_repo.request_of(session, family_id),
        await intake_repo.members_of(session, family_id),
        await case_access.may_keep(session, actor, family_id),
    )


async def _open_for_keeping(session: AsyncSession, actor: Actor | None, family_id: int) -> Family:
    family = await case_access.require_keep(session, actor, family_id)
    if family.closed_at is not None:
        raise DomainError("family_closed")
    return family


async def require_keep(session: AsyncSession, actor: Actor | None, family_id: int) -> Family:
    """The family whose intake this person may record now (open, coordinators)."""
    return await _open_for_keeping(session, actor, family_id)


def check_received(family: Family, day: date, now: datetime) -> date:
    """The day the family came: not ahead of the family's today, at most ten years back."""
    today = families.family_today(family, now)
    if day > today:
        raise DomainError("received_future")
    if day < today - timedelta(days=366 * RECEIVED_YEARS_BACK):
        raise DomainError("received_old")
    return day


def clean_words(raw: str | None) -> str | None:
    text = (raw or "").strip()
    if len(text) > WORDS_MAX:
        raise DomainError("words_long")
    return text or None


def _known(codes: list[str], allowed: set[str]) -> list[str]:
    """Codes in the file's order of first appearance, unknown ones (forged) dropped."""
    seen: list[str] = []
    for code in codes:
        if code in allowed and code not in seen:
            seen.append(code)
    return seen


async def save_request(
    session: AsyncSession,
    actor: Actor,
    family_id: int,
    draft: RequestDraft,
    lists: IntakeFile,
    now: datetime,
) -> CaseRequest:
    """Record (or correct) the request; its level becomes the family's support level."""
    family = await _open_for_keeping(session, actor, family_id)
    check_received(family, draft.received_on, now)
    if draft.source not in lists.codes("sources"):
        raise DomainError("source_unknown")
    level = SupportLevel(draft.level)
    signs = _known(draft.level_signs, {s.code for s in lists.level_signs[level.value]})
    if not signs:
        raise DomainError("signs_required")
    request = await intake_repo.request_of(session, family_id)
    if request is None:
        request = CaseRequest(family_id=family_id, created_at=now, created_by_id=actor.person_id)
        session.add(request)
    request.received_on = draft.received_on
    request.source = draft.source
    request.words = clean_words(draft.words)
    request.difficulties = _known(draft.difficulties, lists.codes("difficulties"))
    request.level = level.value
    request.level_signs = signs
    request.updated_at = now
    request.updated_by_id = actor.person_id
    await session.flush()
    await families.set_support_level(
        session, actor, family_id, level, now, source=LevelSource.INTAKE
    )
    await audit.record(
        session,
        actor,
        "case.request.save",
        now,
        object_type="family",
        object_id=family_id,
        source=request.source,
        level=level.value,
    )
    return request


def clean_name(raw: str | None) -> str:
    name = " ".join((raw or "").split())
    if not name:
        raise DomainError("member_name_empty")
    if len(name) > NAME_MAX:
        raise DomainError("member_name_long")
    return name


def check_birth_year(year: int, today: date) -> int:
    if year < OLDEST_YEAR or year > today.year:
        raise DomainError("birth_year_range")
    return year


def age(birth_year: int | None, today: date) -> int | None:
    """Full years, give or take one: only the year of birth is kept."""
    return None if birth_year is None else max(today.year - birth_year, 0)


async def add_member(
    session: AsyncSession,
    actor: Actor,
    family_id: int,
    *,
    name: str,
    is_child: bool,
    birth_year: int | None,
    relation: str | None,
    lists: IntakeFile,
    now: datetime,
) -> FamilyMember:
    family = await _open_for_keeping(session, actor, family_id)
    if await intake_repo.member_count(session, family_id) >= MAX_MEMBERS:
        raise DomainError("members_too_many")
    if birth_year is not None:
        check_birth_year(birth_year, families.family_today(family, now))
    if is_child:
        relation = None
    elif relation not in lists.codes("relations"):
        raise DomainError("relation_unknown")
    member = FamilyMember(
        family_id=family_id,
        name=clean_name(name),
        birth_year=birth_year,
        is_child=is_child,
        relation=relation,
        created_at=now,
        created_by_id=actor.person_id,
    )
    session.add(member)
    await session.flush()
    await audit.record(
        session, actor, "case.member.add", now, object_type="family", object_id=family_id
    )
    return member


async def member_of(
    session: AsyncSession, actor: Actor | None, family_id: int, member_id: int
) -> FamilyMember:
    """One member of this family (an id of another family's member is out of date: forged)."""
    await case_access.require_view(session, actor, family_id)
    member = await intake_repo.member_by_id(session, member_id)
    if member is None or member.family_id != family_id:
        raise DomainError("member_not_found")
    return member


async def remove_member(
    session: AsyncSession, actor: Actor, family_id: int, member_id: int, now: datetime
) -> None:
    await _open_for_keeping(session, actor, family_id)
    await member_of(session, actor, family_id, member_id)
    await intake_repo.remove_member(session, member_id)
    await audit.record(
        session,
        actor,
        "case.member.remove",
        now,
        object_type="family",
        object_id=family_id,
        member_id=member_id,
    )
