"""`python -m bot backup` / `restore` as an operator runs them (subprocesses, SQLite)."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory

from bot.db.migrate import alembic_config, upgrade
from tests.cli_support import cli, db_path, one_line_error, tables

INSERT_PERSON = (
    "INSERT INTO people (telegram_id, display_name, timezone, created_at) "
    "VALUES (?, 'x', 'Europe/Moscow', '2026-11-23 07:00:00.000000')"
)


def people_ids(path: Path) -> list[int]:
    with closing(sqlite3.connect(path)) as conn:
        return [tg for (tg,) in conn.execute("SELECT telegram_id FROM people ORDER BY 1")]


def revision(path: Path) -> str:
    with closing(sqlite3.connect(path)) as conn:
        rows = conn.execute("SELECT version_num FROM alembic_version").fetchall()
    assert len(rows) == 1, rows
    return str(rows[0][0])


def head() -> str:
    heads = ScriptDirectory.from_config(alembic_config("sqlite://")).get_heads()
    assert len(heads) == 1, heads
    return heads[0]


def add_people(path: Path, *telegram_ids: int) -> None:
    with closing(sqlite3.connect(path)) as conn, conn:
        conn.executemany(INSERT_PERSON, [(tg,) for tg in telegram_ids])


def test_backup_then_restore_brings_the_data_back(tmp_path: Path) -> None:
    database = db_path(tmp_path)
    assert cli(tmp_path, "migrate").returncode == 0
    add_people(database, 111)
    backup_file = tmp_path / "backups" / "monday.sqlite3"
    assert cli(tmp_path, "backup", str(backup_file)).returncode == 0

    add_people(database, 222)  # written after the backup: the restore takes it away
    result = cli(tmp_path, "restore", str(backup_file), "--yes")
    assert result.returncode == 0, result.stderr
    assert "restored" in result.stdout

    assert people_ids(database) == [111]
    assert revision(database) == head()
    with closing(sqlite3.connect(database)) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    # the database as it was before the restore stays next to it
    kept = list(database.parent.glob(f"{database.name}.before-restore-*"))
    assert len(kept) == 1, kept
    assert str(kept[0]) in result.stdout
    assert people_ids(kept[0]) == [111, 222]
    assert people_ids(backup_file) == [111]  # the backup itself is untouched


def test_restore_over_a_database_asks_for_yes(tmp_path: Path) -> None:
    database = db_path(tmp_path)
    assert cli(tmp_path, "migrate").returncode == 0
    backup_file = tmp_path / "copy.sqlite3"
    assert cli(tmp_path, "backup", str(backup_file)).returncode == 0
    add_people(database, 333)

    line = one_line_error(cli(tmp_path, "restore", str(backup_file)))
    assert "--yes" in line and str(database) in line
    assert people_ids(database) == [333]
    assert not list(database.parent.glob("*.before-restore-*"))


def test_restore_refuses_while_the_bot_is_writing(tmp_path: Path) -> None:
    database = db_path(tmp_path)
    assert cli(tmp_path, "migrate").returncode == 0
    backup_file = tmp_path / "copy.sqlite3"
    assert cli(tmp_path, "backup", str(backup_file)).returncode == 0
    with closing(sqlite3.connect(database, isolation_level=None)) as bot_connection:
        bot_connection.execute("BEGIN IMMEDIATE")
        bot_connection.execute(INSERT_PERSON, (444,))
        line = one_line_error(cli(tmp_path, "restore", str(backup_file), "--yes"))
        bot_connection.execute("COMMIT")
    assert "stop the bot" in line
    assert people_ids(database) == [444]


@pytest.mark.parametrize(
    "content",
    [b"name,phone\nIvanov,123\n", b"SQLite format 3\x00" + b"\x00" * 200],
    ids=["text", "broken-sqlite"],
)
def test_restore_of_a_non_database_is_refused(tmp_path: Path, content: bytes) -> None:
    database = db_path(tmp_path)
    assert cli(tmp_path, "migrate").returncode == 0
    add_people(database, 555)
    not_a_backup = tmp_path / "notes.sqlite3"
    not_a_backup.write_bytes(content)

    line = one_line_error(cli(tmp_path, "restore", str(not_a_backup), "--yes"))
    assert str(not_a_backup) in line and "not" in line
    assert people_ids(database) == [555]
    assert not list(database.parent.glob("*.before-restore-*"))


def test_restore_of_another_programs_database_is_refused(tmp_path: Path) -> None:
    other = tmp_path / "other.sqlite3"
    with closing(sqlite3.connect(other)) as conn:
        conn.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)")
    line = one_line_error(cli(tmp_path, "restore", str(other), "--yes"))
    assert "not this bot's" in line and "alembic_version" in line
    assert not db_path(tmp_path).exists()


def test_restore_of_a_missing_file_says_so(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.sqlite3"
    line = one_line_error(cli(tmp_path, "restore", str(missing), "--yes"))
    assert str(missing) in line
    assert not missing.exists()


def test_an_older_backup_is_upgraded_on_restore(tmp_path: Path) -> None:
    old = tmp_path / "old.sqlite3"
    upgrade(f"sqlite+aiosqlite:///{old}", "0006")
    add_people(old, 666)
    assert revision(old) == "0006"

    database = db_path(tmp_path)  # a fresh server: no database yet, so no --yes needed
    result = cli(tmp_path, "restore", str(old))
    assert result.returncode == 0, result.stderr
    assert revision(database) == head() != "0006"
    assert people_ids(database) == [666]
    assert revision(old) == "0006"  # the backup file itself is not migrated
    assert {"people", "meetings", "alembic_version"} <= tables(database)


def test_a_backup_from_a_newer_bot_is_refused(tmp_path: Path) -> None:
    newer = tmp_path / "newer.sqlite3"
    upgrade(f"sqlite+aiosqlite:///{newer}")
    with closing(sqlite3.connect(newer)) as conn, conn:
        conn.execute("UPDATE alembic_version SET version_num = '9999'")
    line = one_line_error(cli(tmp_path, "restore", str(newer), "--yes"))
    assert "newer version" in line
    assert not db_path(tmp_path).exists()


@pytest.mark.parametrize("command", [["backup", "x.dump"], ["restore", "x.dump", "--yes"]])
def test_on_postgresql_the_commands_name_pg_dump(tmp_path: Path, command: list[str]) -> None:
    url = "postgresql+asyncpg://bot@127.0.0.1:1/bot"  # never reached
    line = one_line_error(cli(tmp_path, *command, DATABASE_URL=url))
    assert "pg_dump -Fc" in line and "pg_restore --clean" in line
