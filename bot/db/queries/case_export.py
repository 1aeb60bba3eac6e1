"""The /export sheets of the family's case: requests, make-up, assessments and consilium reviews.
Shaped like bot/db/repositories/export.py: plain columns in a stable order, as the driver gives
them (SQLite's dates and JSON are strings), ordered so they stream in chunks.

No family name on these sheets, and of the make-up only the first name (or label) the
coordinator recorded."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Select, and_, func, or_, select, type_coerce
from sqlalchemy.types import NullType

from bot.db.models import (
    CaseAssessment,
    CaseRequest,
    Consilium,
    ConsiliumDecision,
    Family,
    FamilyMember,
)
from bot.db.repositories.export import Limit


def _raw(*columns: Any) -> Select[*tuple[Any, ...]]:
    return select(*(type_coerce(column, NullType()) for column in columns))


def requests(start: date, end: date, limit: Limit) -> Select[*tuple[Any, ...]]:
    """Requests received on one of the period's days (the family's words included, as visits'
    notes are)."""
    return (
        _raw(
            CaseRequest.family_id,
            CaseRequest.received_on,
            CaseRequest.source,
            CaseRequest.words,
            CaseRequest.difficulties,
            CaseRequest.level,
            CaseRequest.level_signs,
        )
        .where(
            CaseRequest.received_on >= start,
            CaseRequest.received_on <= end,
            limit(CaseRequest.family_id),
        )
        .order_by(CaseRequest.id)
    )


def members(begin: datetime, finish: datetime, limit: Limit) -> Select[*tuple[Any, ...]]:
    """The make-up of the families active in the period (the families sheet's families):
    first name or label, year of birth, child or adult, an adult's relation."""
    return (
        _raw(
            FamilyMember.family_id,
            FamilyMember.name,
            FamilyMember.birth_year,
            FamilyMember.is_child,
            FamilyMember.relation,
        )
        .join(Family, Family.id == FamilyMember.family_id)
        .where(
            Family.created_at < finish,
            or_(Family.closed_at.is_(None), Family.closed_at >= begin),
            limit(FamilyMember.family_id),
        )
        .order_by(FamilyMember.family_id, FamilyMember.id)
    )


def assessments(start: date, end: date, limit: Limit) -> Select[*tuple[Any, ...]]:
    """Aspects rated (at intake or at the final monitoring) on one of the period's days."""
    return (
        _raw(
            CaseAssessment.family_id,
            CaseAssessment.phase,
            CaseAssessment.aspect,
            CaseAssessment.score,
            CaseAssessment.assessed_on,
            CaseAssessment.note,
        )
        .where(
            CaseAssessment.assessed_on >= start,
            CaseAssessment.assessed_on <= end,
            limit(CaseAssessment.family_id),
        )
        .order_by(CaseAssessment.family_id, CaseAssessment.phase.desc(), CaseAssessment.id)
    )


def consiliums(start: date, end: date, limit: Limit) -> Select[*tuple[Any, ...]]:
    """Consilium reviews planned or held on one of the period's days: how many people who use
    the bot took part, the others as written, how many decisions; never the note."""
    decisions = (
        select(func.count())
        .where(ConsiliumDecision.consilium_id == Consilium.id)
        .correlate(Consilium)
        .scalar_subquery()
    )
    return (
        _raw(
            Consilium.id,
            Consilium.family_id,
            Consilium.planned_on,
            Consilium.held_on,
            Consilium.cancelled_at,
            Consilium.outcome,
            func.json_array_length(Consilium.participant_ids),
            Consilium.participants_text,
            decisions,
            Consilium.next_review_on,
        )
        .where(
            or_(
                and_(Consilium.planned_on >= start, Consilium.planned_on <= end),
                and_(Consilium.held_on >= start, Consilium.held_on <= end),
            ),
            limit(Consilium.family_id),
        )
        .order_by(Consilium.id)
    )
