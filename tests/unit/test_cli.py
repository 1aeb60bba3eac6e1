"""`python -m bot` as an operator runs it: a subprocess, settings only from the environment.

Each command runs with cwd=tmp_path (so no developer's .env is read) and an environment built
from scratch (so no BOT_TOKEN or DATABASE_URL leaks in from the shell running the tests).
"""

from __future__ import annotations

import hashlib
import re
import signal
import socket
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

from bot.clock import SystemClock
from tests.cli_support import (
    CLI_TIMEOUT,
    cli,
    db_path,
    finish,
    one_line_error,
    start_cli,
    tables,
)
from tests.conftest import ADMIN_ID, TOKEN
from tests.faketg import FakeTelegram, serve_http

LINK_RE = re.compile(r"https://t\.me/family_test_bot\?start=([A-Za-z0-9_-]+)")


# ---- configuration errors --------------------------------------------------------------------


def test_run_without_token_stops_at_once_with_one_line(tmp_path: Path) -> None:
    line = one_line_error(cli(tmp_path))
    assert "BOT_TOKEN" in line
    assert "@BotFather" in line
    assert not db_path(tmp_path).parent.exists()  # nothing touched before the check


@pytest.mark.parametrize("command", [["run"], ["invite", "--role", "mentor"]])
def test_commands_that_need_the_token_say_so(tmp_path: Path, command: list[str]) -> None:
    assert "@BotFather" in one_line_error(cli(tmp_path, *command))
    assert not db_path(tmp_path).parent.exists()


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("DEFAULT_TIMEZONE", "Mars/Base"),
        ("DEFAULT_LOCALE", "fr"),
        ("ADMIN_IDS", "12,abc"),
        ("WEBHOOK_PORT", "eighty"),
        ("LOG_LEVEL", "loud"),
    ],
)
def test_invalid_setting_names_the_setting(tmp_path: Path, name: str, value: str) -> None:
    line = one_line_error(cli(tmp_path, BOT_TOKEN=TOKEN, **{name: value}))
    assert name in line


def test_settings_come_from_dotenv_in_the_working_directory(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("BOT_TOKEN=123:abc\nDEFAULT_TIMEZONE=Mars/Base\n")
    line = one_line_error(cli(tmp_path, "migrate"))
    assert "DEFAULT_TIMEZONE" in line and "Mars/Base" in line


# ---- migrate and backup ----------------------------------------------------------------------


def test_migrate_creates_the_database_and_is_idempotent(tmp_path: Path) -> None:
    first = cli(tmp_path, "migrate")
    assert first.returncode == 0, first.stderr
    assert "up to date" in first.stdout
    assert db_path(tmp_path).exists()
    created = tables(db_path(tmp_path))
    assert {"people", "outbox", "invitations", "alembic_version"} <= created

    again = cli(tmp_path, "migrate")
    assert again.returncode == 0, again.stderr
    assert tables(db_path(tmp_path)) == created
    with closing(sqlite3.connect(db_path(tmp_path))) as conn:
        assert len(conn.execute("SELECT version_num FROM alembic_version").fetchall()) == 1


def test_backup_is_a_consistent_copy(tmp_path: Path) -> None:
    assert cli(tmp_path, "migrate").returncode == 0
    insert = (
        "INSERT INTO people (telegram_id, display_name, timezone, created_at) "
        "VALUES (?, 'x', 'Europe/Moscow', '2026-11-23 07:00:00.000000')"
    )
    target = tmp_path / "backups" / "copy.sqlite3"
    # The bot keeps running during a backup: one row is committed, another is being written.
    with closing(sqlite3.connect(db_path(tmp_path), isolation_level=None)) as conn:
        conn.execute(insert, (111,))
        conn.execute("BEGIN IMMEDIATE")
        conn.execute(insert, (222,))
        result = cli(tmp_path, "backup", str(target))
        conn.execute("COMMIT")
    assert result.returncode == 0, result.stderr
    assert str(target) in result.stdout

    assert {"people", "outbox", "alembic_version"} <= tables(target)
    with closing(sqlite3.connect(target)) as copy:
        assert copy.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        people = copy.execute("SELECT telegram_id FROM people").fetchall()
        assert people == [(111,)]  # the committed row, not the unfinished transaction
        assert copy.execute("SELECT count(*) FROM alembic_version").fetchone() == (1,)


def test_backup_without_a_database_says_so(tmp_path: Path) -> None:
    target = tmp_path / "copy.sqlite3"
    line = one_line_error(cli(tmp_path, "backup", str(target)))
    assert str(db_path(tmp_path)) in line
    assert not target.exists()
    assert not db_path(tmp_path).exists()  # no empty database was created on the way


# ---- commands that talk to the Bot API (the fake, served over real HTTP) ----------------------


async def cli_async(tmp_path: Path, *args: str, **settings: str) -> tuple[int, str, str]:
    """Run the CLI without blocking this event loop, which keeps serving the fake Telegram."""
    return await finish(await start_cli(tmp_path, *args, **settings))


@pytest.mark.parametrize("role", ["coordinator", "mentor"])
async def test_invite_prints_a_working_link(tmp_path: Path, role: str) -> None:
    fake = FakeTelegram(SystemClock(), token=TOKEN)
    async with serve_http(fake) as server:
        code, out, err = await cli_async(
            tmp_path, "invite", "--role", role, BOT_TOKEN=TOKEN, TELEGRAM_API_SERVER=server.url
        )
    assert code == 0, err
    lines = out.splitlines()
    assert len(lines) == 1, out
    match = LINK_RE.fullmatch(lines[0])
    assert match is not None, lines[0]
    token = match.group(1)
    assert len(token) >= 22  # at least 128 bits

    with closing(sqlite3.connect(db_path(tmp_path))) as conn:
        rows = conn.execute(
            "SELECT role, used_at, revoked_at FROM invitations WHERE token_hash = ?",
            (hashlib.sha256(token.encode()).hexdigest(),),
        ).fetchall()
        assert rows == [(role, None, None)]
        # only the hash is stored, never the token itself
        dump = "\n".join(conn.iterdump())
        assert token not in dump
    assert [c.method for c in fake.calls] == ["getMe"]
    fake.assert_no_violations()


async def test_invite_with_a_rejected_token(tmp_path: Path) -> None:
    fake = FakeTelegram(SystemClock(), token=TOKEN)
    async with serve_http(fake) as server:
        code, _out, err = await cli_async(
            tmp_path, "invite", BOT_TOKEN="999:WRONG", TELEGRAM_API_SERVER=server.url
        )
    assert code != 0
    assert "Traceback" not in err
    assert "rejected BOT_TOKEN" in err.strip().splitlines()[-1]


async def test_invite_when_telegram_is_unreachable(tmp_path: Path) -> None:
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{sock.getsockname()[1]}"
        code, _out, err = await cli_async(
            tmp_path, "invite", BOT_TOKEN=TOKEN, TELEGRAM_API_SERVER=url
        )
    assert code != 0
    assert "Traceback" not in err
    assert f"can't reach Telegram at {url}" in err.strip().splitlines()[-1]


async def test_run_polls_and_stops_cleanly_on_sigterm(tmp_path: Path) -> None:
    fake = FakeTelegram(SystemClock(), token=TOKEN)
    async with serve_http(fake) as server:
        process = await start_cli(
            tmp_path, BOT_TOKEN=TOKEN, TELEGRAM_API_SERVER=server.url, ADMIN_IDS=str(ADMIN_ID)
        )
        try:
            await fake.wait_for(lambda: fake.long_polls_waiting > 0, CLI_TIMEOUT)
            admin = fake.user(ADMIN_ID)
            await admin.send_start()
            await fake.wait_for(
                lambda: any("Прежде чем начать" in t for t in admin.texts()), CLI_TIMEOUT
            )
            process.send_signal(signal.SIGTERM)  # what `docker stop` or systemd sends
            code, _out, err = await finish(process)
        finally:
            if process.returncode is None:
                process.kill()
                await process.wait()
        # its last long poll still waits on the fake's side; a newer one ends it at once
        if fake.long_polls_waiting:
            await fake.handle("getUpdates", {"timeout": 0})
    assert code == 0, err
    assert "Traceback" not in err
    assert "Polling stopped" in err
    assert db_path(tmp_path).exists()  # migrations ran on start
    fake.assert_no_violations()
