"""python -m bot [run | migrate | invite --role coordinator | backup PATH]"""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
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
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")


def cmd_run(settings: Settings) -> None:
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
        await run(settings, stop=stop)

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
    return f"https://t.me/{username}?start={created.token}"


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
    _setup_logging(settings)
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
