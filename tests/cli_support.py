"""Running `python -m bot` as a separate process, as the CLI, backup and log tests do: a clean
environment built from scratch (so no BOT_TOKEN or DATABASE_URL leaks in from the shell running
the tests), the database path, the one-line errors and the tables of a SQLite file.
"""

from __future__ import annotations

import asyncio
import os
import sqlite3
import subprocess
import sys
from contextlib import closing
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
CLI_TIMEOUT = 60.0
PASS_THROUGH = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "SYSTEMROOT")


def cli_env(tmp_path: Path, **settings: str) -> dict[str, str]:
    env = {key: os.environ[key] for key in PASS_THROUGH if key in os.environ}
    env["PYTHONPATH"] = str(REPO_ROOT)
    env["DATABASE_URL"] = f"sqlite+aiosqlite:///{db_path(tmp_path)}"
    env.update(settings)
    return env


def db_path(tmp_path: Path) -> Path:
    return tmp_path / "data" / "bot.sqlite3"  # the directory does not exist yet


def cli(tmp_path: Path, *args: str, **settings: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=tmp_path,
        env=cli_env(tmp_path, **settings),
        capture_output=True,
        text=True,
        timeout=CLI_TIMEOUT,
        check=False,
    )


def one_line_error(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode != 0, result
    assert "Traceback" not in result.stderr, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


def tables(path: Path) -> set[str]:
    with closing(sqlite3.connect(path)) as conn:
        rows = conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
    return {name for (name,) in rows}


async def start_cli(tmp_path: Path, *args: str, **settings: str) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        *args,
        cwd=tmp_path,
        env=cli_env(tmp_path, **settings),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )


async def finish(process: asyncio.subprocess.Process) -> tuple[int, str, str]:
    try:
        async with asyncio.timeout(CLI_TIMEOUT):
            stdout, stderr = await process.communicate()
    except TimeoutError:
        process.kill()
        await process.wait()
        raise
    assert process.returncode is not None
    return process.returncode, stdout.decode(), stderr.decode()
