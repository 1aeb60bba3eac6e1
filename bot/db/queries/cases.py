"""The case's figures for /stats and /report: help given and methods used on visits, children
and adults reached, requests by how the families came and by kind of difficulty, consilium
reviews, and the assessment's change between intake and final monitoring. Parameters as in
bot/db/queries/stats.py; every number is a SQL aggregate.

A visit's methods and help are counted from visit_codes (one row per code of a live visit); a
request's difficulties, kept as a JSON list, are unnested in SQL: `json_each` on SQLite,
`json_array_elements_text` on PostgreSQL."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Float, Row, and_, case, cast, distinct, func, select, true
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from bot.db.models import (
    AssessmentPhase,
    CaseAssessment,
    CaseRequest,
    Consilium,
    Family,
    FamilyMember,
    VisitCode,
)
from bot.db.queries.stats import Window, active_family, dialect_of
from bot.db.repositories import visits as _visits_repo  # noqa: F401  (keeps visit_codes written)

# A visit's lists of codes that can be totalled, and their kind in visit_codes.
VISIT_LISTS = {"methods": "method", "help": "help"}


def _elements(session: AsyncSession, column: Any) -> Any:
    """The items of a JSON list column as a table with one `value` column, joinable beside the
    row that holds the list (a function in FROM may read the rows before it, in both dialects)."""
    if dialect_of(session) == "sqlite":
        return func.json_each(column).table_valued("value")
    return func.json_array_elements_text(column).table_valued("value")


# --- visits: help given and methods used ------------------------------------------------------


async def _codes_in_use(session: AsyncSession, kind: str) -> list[str]:
    """The codes of one kind found in visit_codes, each found by one step down the (kind, code,
    …) index: a loose index scan, not a read of every row."""
    step = select(func.min(VisitCode.code).label("code")).where(VisitCode.kind == kind)
    codes = step.cte("codes", recursive=True)
    following = (
        select(func.min(VisitCode.code))
        .where(VisitCode.kind == kind, VisitCode.code > codes.c.code)
        .scalar_subquery()
    )
    codes = codes.union_all(select(following).where(codes.c.code.is_not(None)))
    found = await session.scalars(select(codes.c.code).where(codes.c.code.is_not(None)))
    return [str(code) for code in found]


async def visit_codes(session: AsyncSession, w: Window, which: str) -> dict[str, tuple[int, int]]:
    """Per code of a visit's `which` list ("methods" or "help"): (live visits in the period with
    it, families with at least one such visit). Read from visit_codes, a live visit's codes one
    a row (bot/db/repositories/visits.py keeps them). Over all families, naming the codes in
    use lets SQLite read each code's days as a range of the (kind, code, day, family) index, in
    code order: no sorting of the year's ~500,000 method rows to group them (2–3× faster than
    grouping the rows of a (kind, day, …) index). A scope's families are found by the (family,
    kind, day, code) index."""
    kind = VISIT_LISTS[which]
    codes = await _codes_in_use(session, kind)
    if not codes:
        return {}
    rows = await session.execute(
        select(VisitCode.code, func.count(), func.count(distinct(VisitCode.family_id)))
        .where(
            VisitCode.kind == kind,
            VisitCode.code.in_(codes),
            VisitCode.visit_date >= w.start,
            VisitCode.visit_date <= w.end,
            w.limit(VisitCode.family_id),
        )
        .group_by(VisitCode.code)
    )
    return {str(code): (int(visits), int(families)) for code, visits, families in rows if code}


# --- children and adults reached -----------------------------------------------------------------


async def members_reached(session: AsyncSession, w: Window) -> Row[*tuple[Any, ...]]:
    """(children, adults, families with a make-up recorded) of the families active in the
    period: the base /stats counts as families in work."""
    return (
        await session.execute(
            select(
                func.count(case((FamilyMember.is_child.is_(True), 1))),
                func.count(case((FamilyMember.is_child.is_(False), 1))),
                func.count(distinct(FamilyMember.family_id)),
            )
            .select_from(FamilyMember)
            .join(Family, Family.id == FamilyMember.family_id)
            .where(active_family(w))
        )
    ).one()


# --- requests ------------------------------------------------------------------------------------


def _received_in(w: Window) -> Any:
    return and_(
        CaseRequest.received_on >= w.start,
        CaseRequest.received_on <= w.end,
        w.limit(CaseRequest.family_id),
    )


async def requests_by_source(session: AsyncSession, w: Window) -> dict[str, int]:
    """Requests received in the period's days, by how the family came."""
    rows = await session.execute(
        select(CaseRequest.source, func.count()).where(_received_in(w)).group_by(CaseRequest.source)
    )
    return {str(code): int(count) for code, count in rows if code is not None}


async def requests_by_difficulty(session: AsyncSession, w: Window) -> dict[str, int]:
    """Requests received in the period's days that name each kind of difficulty."""
    items = _elements(session, CaseRequest.difficulties)
    rows = await session.execute(
        select(items.c.value, func.count(distinct(CaseRequest.id)))
        .select_from(CaseRequest)
        .join(items, true())
        .where(_received_in(w))
        .group_by(items.c.value)
    )
    return {str(code): int(count) for code, count in rows if code}


# --- consilium reviews ---------------------------------------------------------------------------


async def consiliums_held(session: AsyncSession, w: Window) -> int:
    """Consilium reviews held on one of the period's days."""
    held = await session.scalar(
        select(func.count()).where(
            Consilium.held_on >= w.start,
            Consilium.held_on <= w.end,
            w.limit(Consilium.family_id),
        )
    )
    return int(held or 0)


async def consiliums_overdue(
    session: AsyncSession, w: Window, *, today: date
) -> Row[*tuple[Any, ...]]:
    """(reviews, families) of open families whose consilium was planned before `today` and is
    neither held nor cancelled: the same rule, and the same `today`, as an overdue plan task."""
    return (
        await session.execute(
            select(func.count(), func.count(distinct(Consilium.family_id)))
            .select_from(Consilium)
            .join(Family, Family.id == Consilium.family_id)
            .where(
                Consilium.held_on.is_(None),
                Consilium.cancelled_at.is_(None),
                Consilium.planned_on < today,
                Family.closed_at.is_(None),
                w.limit(Family.id),
            )
        )
    ).one()


# --- the assessment's change ---------------------------------------------------------------------


async def assessment_change(session: AsyncSession, w: Window) -> Row[*tuple[Any, ...]]:
    """Over the families whose final assessment is dated in the period (its latest aspect's
    day) and that have an aspect rated both at intake and at the final monitoring:
    (families, mean intake average, mean final average, mean change, improved, unchanged,
    worse). A family's averages and change are taken over the aspects rated both times, as the
    case card's change is."""
    final_day = (
        select(CaseAssessment.family_id, func.max(CaseAssessment.assessed_on).label("day"))
        .where(
            CaseAssessment.phase == AssessmentPhase.FINAL.value,
            w.limit(CaseAssessment.family_id),
        )
        .group_by(CaseAssessment.family_id)
        .subquery()
    )
    before, after = aliased(CaseAssessment), aliased(CaseAssessment)
    per_family = (
        select(
            func.count().label("n"),
            func.sum(before.score).label("before"),
            func.sum(after.score).label("after"),
        )
        .select_from(final_day)
        .join(before, before.family_id == final_day.c.family_id)
        .join(
            after,
            and_(
                after.family_id == before.family_id,
                after.aspect == before.aspect,
                after.phase == AssessmentPhase.FINAL.value,
            ),
        )
        .where(
            final_day.c.day >= w.start,
            final_day.c.day <= w.end,
            before.phase == AssessmentPhase.INTAKE.value,
        )
        .group_by(final_day.c.family_id)
        .subquery()
    )
    n = cast(per_family.c.n, Float)
    return (
        await session.execute(
            select(
                func.count(),
                func.avg(cast(per_family.c.before, Float) / n),
                func.avg(cast(per_family.c.after, Float) / n),
                func.avg(cast(per_family.c.after - per_family.c.before, Float) / n),
                func.count(case((per_family.c.after > per_family.c.before, 1))),
                func.count(case((per_family.c.after == per_family.c.before, 1))),
                func.count(case((per_family.c.after < per_family.c.before, 1))),
            )
        )
    ).one()
