"""Every revision upgrades, downgrades and upgrades again, and matches the models at head."""

from __future__ import annotations

import asyncio
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.engine import Connection

from bot.db.engine import create_engine
from bot.db.migrate import alembic_config, downgrade, upgrade
from bot.db.models import Base
from tests.conftest import ON_POSTGRES, PG_URL, _reset_postgres


def _url(tmp_path: Path) -> str:
    if ON_POSTGRES:
        asyncio.run(_reset_postgres(PG_URL))
        return PG_URL
    return f"sqlite+aiosqlite:///{tmp_path / 'stairway.sqlite3'}"


def _diff(url: str) -> list[object]:
    async def run() -> list[object]:
        engine = create_engine(url)

        def compare(connection: Connection) -> list[object]:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            return list(compare_metadata(context, Base.metadata))

        async with engine.connect() as conn:
            result = await conn.run_sync(compare)
        await engine.dispose()
        return result

    return asyncio.run(run())


def test_stairway_every_revision(tmp_path: Path) -> None:
    url = _url(tmp_path)
    script = ScriptDirectory.from_config(alembic_config(url))
    revisions = list(reversed(list(script.walk_revisions())))
    assert revisions, "no migrations"
    for revision in revisions:
        upgrade(url, revision.revision)
        downgrade(url, revision.down_revision or "base")
        upgrade(url, revision.revision)
    # ends at head, so the shared PostgreSQL schema is ready for the tests that follow
    assert _diff(url) == [], "models and migrations differ: write a migration"


def test_mentors_who_joined_before_the_registry_are_active(tmp_path: Path) -> None:
    url = _url(tmp_path)
    upgrade(url, "0014")

    async def run(statements: list[str]) -> list[tuple[object, ...]]:
        engine = create_engine(url)
        async with engine.begin() as conn:
            rows: list[tuple[object, ...]] = []
            for statement in statements:
                result = await conn.execute(text(statement))
                if result.returns_rows:
                    rows = [tuple(r) for r in result]
        await engine.dispose()
        return rows

    asyncio.run(
        run(
            [
                "INSERT INTO people (id, telegram_id, display_name, locale, timezone, created_at)"
                " VALUES (1, 11, 'M', 'ru', 'Europe/Moscow', '2026-01-01 00:00:00'),"
                " (2, 12, 'P', 'ru', 'Europe/Moscow', '2026-01-01 00:00:00')",
                "INSERT INTO person_roles (person_id, role, granted_at) VALUES"
                " (1, 'mentor', '2026-01-01 00:00:00'), (2, 'parent', '2026-01-01 00:00:00')",
            ]
        )
    )
    upgrade(url)
    assert asyncio.run(run(["SELECT person_id, status FROM mentor_profiles"])) == [(1, "active")]
