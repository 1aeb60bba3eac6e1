"""Backup and restore of the SQLite database with SQLite's online backup API.

The backup API copies pages through SQLite itself, so a copy is consistent even while the bot
writes, and the WAL file of the target is handled by SQLite (a plain file copy would not be).
"""

from __future__ import annotations

import sqlite3
from contextlib import closing
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

# Tables every revision since the first has; a file without them is not this bot's database.
REQUIRED_TABLES = frozenset({"alembic_version", "people", "consents", "outbox", "invitations"})
# How long a restore waits for a running bot's transaction before it gives up.
LOCK_TIMEOUT_SECONDS = 2.0


class BackupError(Exception):
    """Something an operator can fix; the message says what."""


@dataclass(frozen=True)
class Restored:
    revision: str
    kept_at: Path | None


def backup(source: Path, target: Path) -> None:
    if not source.exists():
        raise BackupError(f"no database at {source}")
    if target.exists() and target.resolve() == source.resolve():
        raise BackupError("the backup target is the database itself; choose another path")
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        _copy(source, target)
    except sqlite3.Error as exc:
        raise BackupError(f"backup of {source} failed: {exc}") from exc


def revision_of(path: Path, known_revisions: set[str]) -> str:
    """The Alembic revision of a backup of this bot's database; refuses anything else."""
    if not path.is_file():
        raise BackupError(f"no backup file at {path}")
    try:
        with closing(sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)) as conn:
            tables = {
                name
                for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            }
            missing = REQUIRED_TABLES - tables
            if missing:
                raise BackupError(
                    f"{path} is an SQLite database but not this bot's: "
                    f"no {', '.join(sorted(missing))} table"
                )
            versions = [v for (v,) in conn.execute("SELECT version_num FROM alembic_version")]
            if conn.execute("PRAGMA quick_check").fetchone() != ("ok",):
                raise BackupError(f"{path} is damaged (SQLite integrity check failed)")
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{path} is not an SQLite database of this bot: {exc}") from exc
    if len(versions) != 1:
        raise BackupError(f"{path} has no single schema revision; it is not a usable backup")
    if versions[0] not in known_revisions:
        raise BackupError(
            f"{path} was written by a newer version of the bot (schema {versions[0]}); "
            "update the bot first"
        )
    return versions[0]


def restore(
    backup_file: Path, database: Path, known_revisions: set[str], now: datetime
) -> Restored:
    """Replaces the database with the backup; the current database is kept next to it first."""
    if database.exists() and backup_file.resolve() == database.resolve():
        raise BackupError("the backup is the database itself; nothing to restore")
    revision = revision_of(backup_file, known_revisions)
    kept_at: Path | None = None
    try:
        if database.exists():
            _refuse_if_busy(database)
            kept_at = database.with_name(
                f"{database.name}.before-restore-{now.strftime('%Y%m%dT%H%M%SZ')}"
            )
            _copy(database, kept_at)
        else:
            database.parent.mkdir(parents=True, exist_ok=True)
        _copy(backup_file, database)
    except sqlite3.OperationalError as exc:
        raise BackupError(f"restore into {database} failed: {exc}; is the bot stopped?") from exc
    return Restored(revision=revision, kept_at=kept_at)


def _refuse_if_busy(database: Path) -> None:
    # A bot in the middle of a write holds a lock; an idle one holds none, hence --yes as well.
    with closing(sqlite3.connect(database, timeout=LOCK_TIMEOUT_SECONDS)) as conn:
        try:
            conn.execute("BEGIN IMMEDIATE")
            conn.rollback()
        except sqlite3.OperationalError as exc:
            raise BackupError(f"{database} is in use ({exc}): stop the bot first") from exc


def _copy(source: Path, target: Path) -> None:
    with (
        closing(sqlite3.connect(source, timeout=LOCK_TIMEOUT_SECONDS)) as src,
        closing(sqlite3.connect(target, timeout=LOCK_TIMEOUT_SECONDS)) as dst,
    ):
        src.backup(dst)
