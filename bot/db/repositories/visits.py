"""Visits and the safety concerns raised from them. Queries only; the caller commits.

A live visit's methods and help are also kept one code a row in `visit_codes` (what /stats and
/report total per code). This module keeps them in step with the visit, whoever writes it:
`insert_once` writes the new visit's codes, and an ORM flush that changes a visit's lists, day,
family or `deleted_at` rewrites them (the mapper events below), so a soft-deleted visit has none
and a restored one gets them back; a visit deleted for good takes them with it (ON DELETE
CASCADE). `replace_codes` and `drop_codes` do the same by hand, for rows written another way."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Select, delete, event, func, insert, inspect, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapper

from bot.db.models import (
    Family,
    FamilyLink,
    FamilyLinkKind,
    Person,
    SafetyConcern,
    Visit,
    VisitCode,
)
from bot.db.upsert import insert_unless_exists

# visit_codes.kind of each list of a visit
CODE_KINDS = {"method": "methods", "help": "help_given"}
# What a visit's codes depend on: a change to any of them rewrites them.
CODES_FROM = ("methods", "help_given", "visit_date", "family_id", "deleted_at")


async def by_id(session: AsyncSession, visit_id: int) -> Visit | None:
    return await session.get(Visit, visit_id)


async def by_draft_key(session: AsyncSession, draft_key: str) -> Visit | None:
    return await session.scalar(select(Visit).where(Visit.draft_key == draft_key))


async def insert_once(session: AsyncSession, values: dict[str, Any]) -> bool:
    """Insert a visit unless one with the same draft key exists, with its codes; True when a
    row was added."""
    inserted = await insert_unless_exists(session, Visit, values, [Visit.draft_key])
    if inserted:  # an INSERT statement: no mapper event writes its codes
        visit = await by_draft_key(session, values["draft_key"])
        if visit is not None:
            await replace_codes(session, visit)
    return inserted


# --- a visit's codes ----------------------------------------------------------------------------


def _rows_of(visit: Visit) -> list[dict[str, Any]]:
    """The visit_codes rows of a visit: per kind ("method", "help"), each code once; none for a
    deleted visit."""
    if visit.deleted_at is not None:
        return []
    return [
        {
            "visit_id": visit.id,
            "kind": kind,
            "code": code,
            "family_id": visit.family_id,
            "visit_date": visit.visit_date,
        }
        for kind, field in CODE_KINDS.items()
        for code in dict.fromkeys(str(c) for c in (getattr(visit, field) or ()) if c)
    ]


async def replace_codes(session: AsyncSession, visit: Visit) -> None:
    """The visit's codes as its lists are now: none when it is deleted."""
    await drop_codes(session, visit.id)
    rows = _rows_of(visit)
    if rows:
        await session.execute(insert(VisitCode), rows)


async def drop_codes(session: AsyncSession, visit_id: int) -> None:
    await session.execute(delete(VisitCode).where(VisitCode.visit_id == visit_id))


@event.listens_for(Visit, "after_insert")
def _codes_of_added(_mapper: Mapper[Visit], connection: Connection, visit: Visit) -> None:
    rows = _rows_of(visit)
    if rows:
        connection.execute(insert(VisitCode), rows)


@event.listens_for(Visit, "after_update")
def _codes_of_changed(_mapper: Mapper[Visit], connection: Connection, visit: Visit) -> None:
    state = inspect(visit)
    if not any(state.attrs[name].history.has_changes() for name in CODES_FROM):
        return
    connection.execute(delete(VisitCode).where(VisitCode.visit_id == visit.id))
    rows = _rows_of(visit)
    if rows:
        connection.execute(insert(VisitCode), rows)


async def add_concern_once(
    session: AsyncSession, *, visit_id: int, family_id: int, now: datetime
) -> bool:
    """One safety concern per visit; a second insert for the same visit is a no-op."""
    return await insert_unless_exists(
        session,
        SafetyConcern,
        {
            "visit_id": visit_id,
            "family_id": family_id,
            "raised_at": now,
            "alerts_sent": 0,
            "next_alert_at": now,
        },
        [SafetyConcern.visit_id],
    )


async def mentor_families(session: AsyncSession, person_id: int) -> list[Family]:
    """Open families the person is attached to as a mentor, by name."""
    rows = await session.scalars(
        select(Family)
        .join(FamilyLink, FamilyLink.family_id == Family.id)
        .where(
            FamilyLink.person_id == person_id,
            FamilyLink.kind == FamilyLinkKind.MENTOR.value,
            Family.closed_at.is_(None),
        )
        .order_by(Family.name, Family.id)
    )
    return list(rows)


Row = tuple[Visit, str, str | None]  # visit, family name, mentor's display name


def _rows() -> Select[Visit, str, str]:
    return (
        select(Visit, Family.name, Person.display_name)
        .join(Family, Family.id == Visit.family_id)
        .outerjoin(Person, Person.id == Visit.mentor_id)
        .where(Visit.deleted_at.is_(None))
    )


async def _page(
    session: AsyncSession, query: Select[Visit, str, str], offset: int, limit: int
) -> tuple[list[Row], int]:
    total = await session.scalar(select(func.count()).select_from(query.subquery())) or 0
    result = await session.execute(
        query.order_by(Visit.visit_date.desc(), Visit.id.desc()).offset(offset).limit(limit)
    )
    return [(r[0], r[1], r[2]) for r in result.all()], total


async def page_of_mentor(
    session: AsyncSession,
    mentor_id: int,
    *,
    offset: int,
    limit: int,
    family_id: int | None = None,
) -> tuple[list[Row], int]:
    query = _rows().where(Visit.mentor_id == mentor_id)
    if family_id is not None:
        query = query.where(Visit.family_id == family_id)
    return await _page(session, query, offset, limit)


async def page_of_family(
    session: AsyncSession, family_id: int, *, offset: int, limit: int
) -> tuple[list[Row], int]:
    return await _page(session, _rows().where(Visit.family_id == family_id), offset, limit)


async def row(session: AsyncSession, visit_id: int) -> Row | None:
    result = await session.execute(
        select(Visit, Family.name, Person.display_name)
        .join(Family, Family.id == Visit.family_id)
        .outerjoin(Person, Person.id == Visit.mentor_id)
        .where(Visit.id == visit_id)
    )
    found = result.first()
    return (found[0], found[1], found[2]) if found else None
