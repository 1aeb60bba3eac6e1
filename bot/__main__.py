"""python -m bot [run | migrate | invite --role coordinator | backup PATH]"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sqlite3
import sys
from contextlib import closing
from datetime import timedelta
from pathlib import Path

from pydantic import ValidationError

from bot.config import Settings


def _settings() -> Settings:
    try:
        return Settings()
    except ValidationError as exc:
        errors = "; ".join(
            f"{'.'.join(map(str, e['loc'])).upper()}: {e['msg']}" for e in exc.errors()
        )
        sys.exit(f"Configuration error in the environment or .env: {errors}")


def cmd_run(settings: Settings) -> None:
    from bot.app import run
    from bot.factory import MissingToken

    try:
        asyncio.run(run(settings))
    except MissingToken as exc:
        sys.exit(str(exc))
    except KeyboardInterrupt:
        pass


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
    return f"https://t.me/{username}?start={created.token}"


def cmd_invite(settings: Settings, role: str) -> None:
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


def cmd_backup(settings: Settings, target: Path) -> None:
    source = settings.sqlite_path()
    if source is None:
        sys.exit("backup works for the SQLite database; for PostgreSQL use pg_dump")
    if not source.exists():
        sys.exit(f"no database at {source}")
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.exists() and target.resolve() == source.resolve():
        sys.exit("the backup target is the database itself; choose another path")
    # SQLite's online backup copies a consistent snapshot while the bot keeps running.
    try:
        with closing(sqlite3.connect(source)) as src, closing(sqlite3.connect(target)) as dst:
            src.backup(dst)
    except sqlite3.Error as exc:
        sys.exit(f"backup of {source} failed: {exc}")
    print(f"backup written to {target}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bot", description=__doc__)
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("run", help="start the bot (default)")
    sub.add_parser("migrate", help="apply database migrations")
    invite = sub.add_parser("invite", help="print a one-time invitation link")
    invite.add_argument("--role", choices=["coordinator", "mentor"], default="coordinator")
    backup = sub.add_parser("backup", help="consistent copy of the SQLite database")
    backup.add_argument("path", type=Path)
    args = parser.parse_args(argv)

    settings = _settings()
    logging.basicConfig(
        level=settings.log_level.upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    # aiogram logs every update at INFO with no text; keep it, but never the token (not logged).
    if args.command in (None, "run"):
        cmd_run(settings)
    elif args.command == "migrate":
        cmd_migrate(settings)
    elif args.command == "invite":
        cmd_invite(settings, args.role)
    elif args.command == "backup":
        cmd_backup(settings, args.path)


if __name__ == "__main__":
    main()
