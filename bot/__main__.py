"""python -m bot [run | migrate | invite --role coordinator | backup PATH | restore PATH --yes]"""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import ValidationError

from bot.config import Settings
from bot.logging_setup import setup_logging

if TYPE_CHECKING:
    from bot.clock import Clock


def _settings() -> Settings:
    try:
        return Settings()
    except ValidationError as exc:
        errors = "; ".join(
            f"{'.'.join(map(str, e['loc'])).upper()}: {e['msg']}" for e in exc.errors()
        )
        sys.exit(f"Configuration error in the environment or .env: {errors}")


def _require_token(settings: Settings) -> None:
    # bot.factory.create_bot checks the same; this runs before importing aiogram (seconds), so
    # a missing token is reported at once.
    if settings.bot_token is None or not settings.bot_token.get_secret_value().strip():
        sys.exit(
            "BOT_TOKEN is not set: get a token from @BotFather in Telegram (/newbot) "
            "and put BOT_TOKEN=... into .env"
        )


def _setup_logging(settings: Settings) -> None:
    level = logging.getLevelName(settings.log_level.upper())
    if not isinstance(level, int):
        sys.exit(
            "Configuration error in the environment or .env: LOG_LEVEL: "
            f"unknown level {settings.log_level!r}, use DEBUG, INFO, WARNING or ERROR"
        )
    setup_logging(level)


def cmd_run(settings: Settings, clock: Clock | None = None) -> None:
    _require_token(settings)
    from bot.app import run
    from bot.factory import MissingToken

    async def until_signalled() -> None:
        # SIGTERM (docker stop, systemd) and Ctrl+C stop the bot the same clean way, in both
        # polling and webhook mode: a message being sent is finished, not cut off.
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)
        await run(settings, stop=stop, clock=clock)

    try:
        asyncio.run(until_signalled())
    except MissingToken as exc:
        sys.exit(str(exc))


def cmd_migrate(settings: Settings) -> None:
    from bot.db.migrate import upgrade

    upgrade(settings.database_url)
    print("database is up to date")


async def _invite(settings: Settings, role: str) -> str:
    from aiogram import Bot

    from bot.clock import SystemClock
    from bot.db.engine import create_engine, create_sessionmaker
    from bot.db.migrate import upgrade_async
    from bot.db.models import Role
    from bot.factory import create_bot
    from bot.services import invitations

    await upgrade_async(settings.database_url)
    bot: Bot = create_bot(settings)
    try:
        username = (await bot.me()).username
    finally:
        await bot.session.close()
    engine = create_engine(settings.database_url)
    try:
        async with create_sessionmaker(engine).begin() as session:
            created = await invitations.create_bootstrap(
                session,
                role=Role(role),
                now=SystemClock().now(),
                ttl=timedelta(days=settings.invitation_ttl_days),
            )
    finally:
        await engine.dispose()
    return invitations.invitation_link(username, created.token)


def cmd_invite(settings: Settings, role: str) -> None:
    _require_token(settings)
    from aiogram.exceptions import TelegramAPIError, TelegramNetworkError, TelegramUnauthorizedError

    from bot.factory import MissingToken

    try:
        print(asyncio.run(_invite(settings, role)))
    except MissingToken as exc:
        sys.exit(str(exc))
    except TelegramUnauthorizedError:
        sys.exit(f"Telegram at {settings.telegram_api_server} rejected BOT_TOKEN: check it")
    except TelegramNetworkError as exc:
        sys.exit(f"can't reach Telegram at {settings.telegram_api_server}: {exc.message}")
    except TelegramAPIError as exc:
        sys.exit(f"Telegram at {settings.telegram_api_server} refused getMe: {exc.message}")


PG_DUMP_HINT = (
    'for PostgreSQL use its own tools: pg_dump -Fc -f bot.dump "$DATABASE_URL" to back up, '
    'pg_restore --clean --if-exists -d "$DATABASE_URL" bot.dump to restore '
    "(a plain postgresql:// URL, without +asyncpg)"
)


def cmd_backup(settings: Settings, target: Path) -> None:
    from bot.db import sqlite_backup

    source = settings.sqlite_path()
    if source is None:
        sys.exit(f"backup works for the SQLite database; {PG_DUMP_HINT}")
    # SQLite's online backup copies a consistent snapshot while the bot keeps running.
    try:
        sqlite_backup.backup(source, target)
    except sqlite_backup.BackupError as exc:
        sys.exit(str(exc))
    print(f"backup written to {target}")


def cmd_restore(settings: Settings, backup_file: Path, *, yes: bool) -> None:
    database = settings.sqlite_path()
    if database is None:
        sys.exit(f"restore works for the SQLite database; {PG_DUMP_HINT}")
    from alembic.script import ScriptDirectory

    from bot.clock import SystemClock
    from bot.db import sqlite_backup
    from bot.db.migrate import alembic_config, upgrade

    script = ScriptDirectory.from_config(alembic_config(settings.database_url))
    known = {revision.revision for revision in script.walk_revisions()}
    try:
        revision = sqlite_backup.revision_of(backup_file, known)
        if database.exists() and not yes:
            sys.exit(
                f"restore replaces the database at {database} with {backup_file} "
                f"(schema {revision}); stop the bot, then run again with --yes"
            )
        restored = sqlite_backup.restore(backup_file, database, known, SystemClock().now())
    except sqlite_backup.BackupError as exc:
        sys.exit(str(exc))
    upgrade(settings.database_url)  # an older backup gets the current schema
    if restored.kept_at is not None:
        print(f"the database before the restore is kept at {restored.kept_at}")
    print(f"restored {database} from {backup_file}; the database is up to date")


def main(argv: list[str] | None = None, *, clock: Clock | None = None) -> None:
    """The command line; `clock` only for tests that run the real process at a set moment."""
    parser = argparse.ArgumentParser(prog="python -m bot", description=__doc__)
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("run", help="start the bot (default)")
    sub.add_parser("migrate", help="apply database migrations")
    invite = sub.add_parser("invite", help="print a one-time invitation link")
    invite.add_argument("--role", choices=["coordinator", "mentor"], default="coordinator")
    backup = sub.add_parser("backup", help="consistent copy of the SQLite database")
    backup.add_argument("path", type=Path)
    restore = sub.add_parser("restore", help="replace the SQLite database with a backup")
    restore.add_argument("path", type=Path)
    restore.add_argument(
        "--yes", action="store_true", help="confirm replacing the current database"
    )
    args = parser.parse_args(argv)

    settings = _settings()
    _setup_logging(settings)
    # aiogram logs every update at INFO with ids only; bot.logging_setup keeps the rest quiet.
    if args.command in (None, "run"):
        cmd_run(settings, clock)
    elif args.command == "migrate":
        cmd_migrate(settings)
    elif args.command == "invite":
        cmd_invite(settings, args.role)
    elif args.command == "backup":
        cmd_backup(settings, args.path)
    elif args.command == "restore":
        cmd_restore(settings, args.path, yes=args.yes)


if __name__ == "__main__":
    main()
