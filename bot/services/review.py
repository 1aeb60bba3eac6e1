"""What the review dialog (/stats, /report, /export, /charts) needs beside the figures: who may
open which command, the mentors a scope can name, and the audit of what was viewed."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import FamilyLinkKind, Role
from bot.db.repositories import families as families_repo
from bot.db.repositories import people as people_repo
from bot.services import audit
from bot.services.access import Action, Actor, authorize
from bot.services.stats import Period, Scope, Section


class Mode(StrEnum):
    STATS = "stats"
    REPORT = "report"
    EXPORT = "export"
    CHARTS = "charts"


def action_for(mode: Mode) -> Action:
    # Raw data with personal data is its own right; the figures are another.
    return Action.DATA_EXPORT if mode is Mode.EXPORT else Action.STATS_VIEW


async def require(session: AsyncSession, actor: Actor | None, mode: Mode) -> Actor:
    await authorize(session, actor, action_for(mode))
    assert actor is not None  # authorize refuses nobody-at-all
    return actor


async def mentors_page(
    session: AsyncSession, actor: Actor | None, *, offset: int, limit: int
) -> tuple[list[tuple[int, str]], int]:
    """(person id, display name) of people with the mentor role, by name, one page."""
    await authorize(session, actor, Action.STATS_VIEW)
    rows, total = await families_repo.people_with_role_page(
        session, Role.MENTOR, FamilyLinkKind.MENTOR, offset=offset, limit=limit
    )
    return [(person.id, person.display_name) for person, _open in rows], total


async def mentor_name(session: AsyncSession, actor: Actor | None, mentor_id: int) -> str | None:
    """The name of a mentor picked for a scope; None when that id is no mentor (forged/stale)."""
    await authorize(session, actor, Action.STATS_VIEW)
    person = await people_repo.by_id(session, mentor_id)
    if person is None or not any(r.role == Role.MENTOR.value for r in person.roles):
        return None
    return person.display_name


def scope_details(scope: Scope) -> dict[str, Any]:
    details: dict[str, Any] = {}
    if scope.mentor_id is not None:
        details["mentor_id"] = scope.mentor_id
    if scope.category is not None:
        details["category"] = scope.category
    return details


async def record_view(
    session: AsyncSession,
    actor: Actor,
    now: datetime,
    section: Section,
    period: Period,
    scope: Scope,
) -> None:
    """A coordinator looked at a section: ids and codes only, never names."""
    await audit.record(
        session,
        actor,
        "stats.view",
        now,
        section=section.value,
        start=period.start.isoformat(),
        end=period.end.isoformat(),
        **scope_details(scope),
    )
