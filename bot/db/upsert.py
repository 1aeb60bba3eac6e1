"""The dialect-aware INSERT that SQLite and PostgreSQL both extend with ON CONFLICT."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession


def dialect_insert(dialect: str) -> Any:
    """`insert` of the dialect by name: PostgreSQL's, else SQLite's (the default database)."""
    return pg_insert if dialect == "postgresql" else sqlite_insert


def session_dialect(session: AsyncSession) -> str:
    return session.bind.dialect.name if session.bind else "sqlite"


async def insert_unless_exists(
    session: AsyncSession, model: Any, values: Mapping[str, Any], key: Sequence[Any]
) -> bool:
    """Insert one row unless a row with the same unique `key` columns exists (ON CONFLICT DO
    NOTHING); True when a row was added."""
    stmt = (
        dialect_insert(session_dialect(session))(model)
        .values(**values)
        .on_conflict_do_nothing(index_elements=list(key))
    )
    result = await session.execute(stmt)
    return bool(result.rowcount)  # type: ignore[attr-defined]
