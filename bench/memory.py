"""Resident memory of the bot as it runs, with 10,000 families and a long stretch of traffic.

    .venv/bin/python -m bench.memory            # 10,000 families; 500 users, 6 rounds of 4 steps
    .venv/bin/python -m bench.memory --quick    # 1,000 families; 50 users, 3 rounds
    .venv/bin/python -m bench.memory --database-url postgresql+asyncpg://... --redis-url redis://...

The bot is its own process, as deployed: `python -m bot run` in the embedded default (a SQLite
file, the database FSM storage, long polling) against the fake Telegram served over HTTP
(tests/faketg, flood control off) in this process, so the figures are the bot's alone; the fake
keeps every message it was sent, which is why bench/updates.py (bot and fake in one process) is
no measure of memory. The register is bulk-inserted first (bench/updates.py `add_families`).
The users are coordinators; each runs the dialog steps of bench/replicas.py (/language, a tap on
English, /language, a tap on Русский, /help, /families), waiting for each reply, 40 at a time.
RSS is read from /proc after start, after everyone joined, and after each round, so growth shows.

Target (#7): under 200 MB after the traffic (the default run: 12,000 steps, more than a busy
hour of a service with 40 mentors and a few hundred families).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a file: make the project importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    import bot  # noqa: F401  (before aiogram: see bench/__init__.py)

from bench.proc import peak_rss_mb, rss_mb
from bench.replicas import Lost, Tally, dialog_step, join, log_problems, run_users
from bench.updates import add_families
from bot.clock import SystemClock
from bot.db.migrate import upgrade_async
from tests.conftest import TOKEN
from tests.e2e.http_steps import REPLY_TIMEOUT
from tests.faketg import FakeTelegram, serve_http

REPO = Path(__file__).resolve().parents[1]
FIRST_USER = 3_200_000
TARGET_RSS_MB = 200.0
START_TIMEOUT = 60.0
STOP_TIMEOUT = 20.0


def bot_env(api_server: str, database_url: str, redis_url: str | None, admins: list[int]) -> dict:
    env = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "TMPDIR")}
    return env | {
        "PYTHONPATH": str(REPO),
        "BOT_TOKEN": TOKEN,
        "TELEGRAM_API_SERVER": api_server,
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url or "",
        "ADMIN_IDS": ",".join(map(str, admins)),
        "DEFAULT_TIMEZONE": "Europe/Moscow",
        "QUIET_HOURS_START": "00:00",
        "QUIET_HOURS_END": "00:00",
        "LOG_LEVEL": "WARNING",
    }


async def measure(
    database_url: str,
    redis_url: str | None,
    families: int,
    users: int,
    rounds: int,
    steps: int,
    workdir: Path,
) -> tuple[list[tuple[str, float]], float, Tally, list[str]]:
    await upgrade_async(database_url)
    if families:
        await add_families(database_url, families, mentors=max(1, families // 50))
    fake = FakeTelegram(SystemClock(), token=TOKEN, flood_control=False)
    admins = [FIRST_USER + i for i in range(users)]
    people = [fake.user(uid, first_name="Анна") for uid in admins]
    log_path = workdir / "bot.log"
    memory: list[tuple[str, float]] = []
    tally = Tally(1)
    async with serve_http(fake) as server:
        with log_path.open("wb") as log_file:
            process = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "bot",
                "run",
                cwd=workdir,  # no .env of the checkout
                env=bot_env(server.url, database_url, redis_url, admins),
                stdout=log_file,
                stderr=asyncio.subprocess.STDOUT,
            )
        try:
            await fake.wait_for(lambda: bool(fake.calls_of("getUpdates")), START_TIMEOUT)
            memory.append(("started, polling", rss_mb(process.pid)))
            took = await run_users(people, lambda user: join(fake, user))
            memory.append((f"{users} users joined ({took:.0f} s)", rss_mb(process.pid)))
            done = {user.id: 0 for user in people}

            async def steps_of(user: Any) -> None:
                if user.id not in done:
                    return
                first = done[user.id]
                for n in range(first, first + steps):
                    try:
                        await dialog_step(fake, user, n, tally)
                    except Lost:
                        del done[user.id]  # its dialog's state is unknown now
                        return
                    done[user.id] = n + 1

            for number in range(1, rounds + 1):
                took = await run_users(people, steps_of)
                tally.elapsed += took
                answered = len(tally.latencies)
                memory.append(
                    (
                        f"round {number}: {answered} steps answered ({took:.0f} s)",
                        rss_mb(process.pid),
                    )
                )
            peak = peak_rss_mb(process.pid)
        finally:
            if process.returncode is None:
                process.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(process.wait(), STOP_TIMEOUT)
            except TimeoutError:
                process.kill()
                await process.wait()
    problems = log_problems([log_path])
    if process.returncode != 0:
        problems.append(f"the bot exited with {process.returncode}")
    problems += [f"fake Telegram: {v}" for v in fake.violations[:5]]
    return memory, peak, tally, problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--families", type=int, default=10_000)
    parser.add_argument("--users", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--steps", type=int, default=4, help="dialog steps per user and round")
    parser.add_argument("--quick", action="store_true", help="1,000 families, 50 users, 3 rounds")
    parser.add_argument("--database-url", default=None, help="default: a temporary SQLite file")
    parser.add_argument("--redis-url", default=None, help="FSM storage in Redis")
    args = parser.parse_args(argv)
    families, users, rounds = args.families, args.users, args.rounds
    if args.quick:
        families, users, rounds = 1_000, 50, 3
    with tempfile.TemporaryDirectory(prefix="bench-memory-") as tmp:
        workdir = Path(tmp)
        url = args.database_url or f"sqlite+aiosqlite:///{workdir / 'bot.sqlite3'}"
        backend = "PostgreSQL" if url.startswith("postgresql") else "SQLite"
        storage = "Redis" if args.redis_url else "database"
        print(
            f"python -m bot run: {backend}, FSM storage {storage}, long polling; {families} "
            f"families; {users} users x {rounds} rounds x {args.steps} steps",
            flush=True,
        )
        started = time.perf_counter()
        memory, peak, tally, problems = asyncio.run(
            measure(url, args.redis_url, families, users, rounds, args.steps, workdir)
        )
    for moment, megabytes in memory:
        print(f"RSS {megabytes:6.0f} MB  {moment}")
    print(f"peak RSS {peak:.0f} MB; took {time.perf_counter() - started:.0f} s in all")
    expected = users * rounds * args.steps
    late = sum(1 for came in tally.lost if came())
    print(
        f"{len(tally.latencies)}/{expected} steps answered (p50 {tally.percentile(0.5):.0f} ms, "
        f"p99 {tally.percentile(0.99):.0f} ms); replies not seen within {REPLY_TIMEOUT:.0f} s: "
        f"{len(tally.lost)} ({late} came later, {len(tally.lost) - late} never); other screens "
        f"{dict(tally.odd) or 'none'}; stale-button answers {tally.stale}"
    )
    for problem in problems:
        print(problem)
    small = memory[-1][1] < TARGET_RSS_MB
    print(f"memory after the traffic: {'OK' if small else 'ABOVE'} (target {TARGET_RSS_MB:.0f} MB)")
    clean = not problems and len(tally.latencies) == expected
    if not clean:
        print("traffic: NOT CLEAN (see above)")
    return 0 if small and clean else 1


if __name__ == "__main__":
    raise SystemExit(main())
