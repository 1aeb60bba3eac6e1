"""Evidence that change lasts, as figures for /stats, /report and /charts: programmes whose
positive change held at the follow-up, network meetings by reason, decisions taken and carried
out by their date, and families taken off the register after a network meeting. Every number
is a SQL aggregate (bot/db/queries/evidence.py) with its base."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from bot.content import Content
from bot.content.programmes import DEFAULT_LASTING_TOLERANCE
from bot.db.queries import evidence as queries
from bot.services.access import Action, Actor, authorize
from bot.services.stats import Period, Scope, window


def meeting_reason_label(content: Content, code: str, locale: str) -> str:
    """A reason code as content/meetings.yaml names it (a retired code as itself)."""
    return content.meetings.reason_label(code, locale)


def reason_codes(content: Content) -> list[str]:
    """Every reason code in content/meetings.yaml's order."""
    return content.meetings.reason_codes()


def follow_up_months(content: Content) -> list[int]:
    """The follow-up months of every programme, in order (the export's and report's columns)."""
    return sorted({m for p in content.programmes.values() for m in p.follow_up_months})


@dataclass(frozen=True)
class MonthsKept:
    months: int  # the follow-up, in months after the programme
    followed: int  # follow-ups answered in the period (the base)
    kept: int


@dataclass(frozen=True)
class LastingChange:
    """Programmes completed with positive dynamics whose family answered a follow-up in the
    period: how many kept the change at the latest follow-up, and per follow-up month."""

    followed: int = 0  # the base
    kept: int = 0
    by_months: list[MonthsKept] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not self.followed


@dataclass(frozen=True)
class DecisionsOutcome:
    """Network meetings' decisions taken in the period, by what became of them now."""

    taken: int = 0  # the base
    done_by_date: int = 0  # carried out on or before their date (the family's calendar)
    done_late: int = 0
    not_done: int = 0  # marked not done at the follow-up
    open: int = 0
    overdue: int = 0  # of the open ones, due before today

    @property
    def empty(self) -> bool:
        return not self.taken


@dataclass(frozen=True)
class ClosedImprovement:
    """Families taken off the register in the period because their situation improved, and of
    them those with at least one network meeting held."""

    closed: int = 0
    with_meeting: int = 0


def tolerances(content: Content) -> dict[str, int]:
    return {code: p.lasting_tolerance for code, p in content.programmes.items()}


async def lasting_change(
    session: AsyncSession, actor: Actor, period: Period, scope: Scope, content: Content
) -> LastingChange:
    await authorize(session, actor, Action.STATS_VIEW)
    w = window(period, scope)
    per_programme = tolerances(content)
    followed, kept = await queries.lasting_change(
        session, w, per_programme, DEFAULT_LASTING_TOLERANCE
    )
    rows = await queries.lasting_change_by_months(
        session, w, per_programme, DEFAULT_LASTING_TOLERANCE
    )
    return LastingChange(
        followed=int(followed or 0),
        kept=int(kept or 0),
        by_months=[MonthsKept(int(m), int(n), int(k)) for m, n, k in rows],
    )


async def meeting_reasons(
    session: AsyncSession, actor: Actor, period: Period, scope: Scope
) -> dict[str | None, int]:
    """Meetings (not cancelled) taking place in the period by reason code; None: not stated."""
    await authorize(session, actor, Action.STATS_VIEW)
    return await queries.meetings_by_reason(session, window(period, scope))


def _offset(zone: str, day: date) -> timedelta:
    try:
        offset = datetime.combine(day, time(12), ZoneInfo(zone)).utcoffset()
    except (KeyError, ValueError):
        return timedelta(0)
    return offset or timedelta(0)


async def decisions(
    session: AsyncSession, actor: Actor, period: Period, scope: Scope, *, today: date
) -> DecisionsOutcome:
    """`today` is the coordinator's local day: an open decision due before it is overdue."""
    await authorize(session, actor, Action.STATS_VIEW)
    w = window(period, scope)
    zones = await queries.decision_zones(session, w)
    offsets = {zone: _offset(zone, period.start) for zone in zones}
    row = await queries.decisions(session, w, today=today, offsets=offsets)
    taken, by_date, late, not_done, still_open, overdue = (int(v or 0) for v in row)
    return DecisionsOutcome(taken, by_date, late, not_done, still_open, overdue)


async def closed_improvement(
    session: AsyncSession, actor: Actor, period: Period, scope: Scope
) -> ClosedImprovement:
    await authorize(session, actor, Action.STATS_VIEW)
    closed, with_meeting = await queries.closed_improvement(session, window(period, scope))
    return ClosedImprovement(int(closed or 0), int(with_meeting or 0))
