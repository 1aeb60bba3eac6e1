"""Dialog steps through one and through two webhook replicas, on PostgreSQL + Redis.

    .venv/bin/python -m bench.replicas                     # 500 users x 10 steps on each setup
    .venv/bin/python -m bench.replicas --quick             # 50 users x 10 steps
    .venv/bin/python -m bench.replicas --database-url postgresql+asyncpg://... --redis-url redis://...

bench/updates.py measures the whole stack in one process, the fake Telegram in-process. This is the
deployment's shape instead: the fake Telegram served over HTTP (tests/faketg, flood control off),
real bot processes (`python -m bot run`, webhook mode, one PostgreSQL database, one Redis FSM
storage, one webhook secret) behind the small round-robin balancer of
tests/e2e/transport/replica_set.py.
Two setups run side by side on the same database: one replica behind its balancer, two replicas
behind theirs. The fake's webhook points at one setup at a time, in the order 1, 2, 2, 1 (each
block half of every user's steps), so a machine getting busier or quieter during the run weighs
on both setups alike; between blocks the traffic pauses for SETTLE seconds (not measured).

The users are consenting coordinators (ADMIN_IDS); everyone joins first (not measured), each
fresh setup gets one dialog round from the first users (not measured either), then each user runs
the dialog steps of bench/updates.py: /language, a tap on English, /language, a tap on Русский,
/help, /families. A user waits for the reply of a step before the next one (a person reads before
tapping; here reading takes no time), up to 40 users act at a time (Telegram's default webhook
max_connections). Latency: from sending the update until the reply the user waits for is seen in
the fake: a new bot message after a command, the answered callback query after a tap (the dialog
edits the screen before it answers).

A tap can land on the other replica than the update before it. A stale-button answer there (the
bot's "this button is out of date" notice and a fresh menu) is counted and printed, never hidden,
and so is a screen other than the one the step should show and a reply that did not come within
REPLY_TIMEOUT (told apart at the end: came later, or never).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

if __package__ in (None, ""):  # run as a file: make the project importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    import bot  # noqa: F401  (before aiogram: see bench/__init__.py)

from sqlalchemy import text

from bench.proc import rss_mb
from bench.updates import add_families
from bot.clock import SystemClock
from bot.db.engine import create_engine
from bot.db.migrate import upgrade_async
from tests.conftest import TOKEN
from tests.e2e.http_steps import REPLY_TIMEOUT, WEBHOOK_PATH, free_port, press, reply
from tests.e2e.transport.replica_set import (
    SECRET,
    START_TIMEOUT,
    STOP_TIMEOUT,
    Balancer,
    balancer,
    replica_env,
    wait_healthy,
)
from tests.faketg import FakeTelegram, FakeUser, serve_http
from tests.faketg.core import StoredMessage

DEFAULT_DATABASE_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/bench_replicas"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/14"
FIRST_USER = 3_100_000
IN_FLIGHT = 40  # Telegram's default webhook max_connections
AGREE = "✅ Согласен(на)"
MENU = {"English": "What would you like to do?", "Русский": "Что хотите сделать?"}
STALE = ("This button is out of date.", "Эта кнопка устарела.")
ORDER = (1, 2, 2, 1)  # replicas per block: ABBA, so a linear drift of the machine's load cancels
SETTLE = 2.0  # seconds between blocks: what the last replies left to do (save state) finishes
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


class Lost(Exception):
    """A step's reply did not come within REPLY_TIMEOUT."""


@dataclass
class Tally:
    """What the blocks of one setup saw, summed."""

    replicas: int
    latencies: list[float] = field(default_factory=list)  # seconds, one per answered step
    elapsed: float = 0.0
    stale: int = 0  # taps answered with the stale-button notice (and a fresh menu)
    odd: Counter[str] = field(default_factory=Counter)  # replies other than the step's screen
    odd_screens: list[str] = field(default_factory=list)  # the first few of them, shortened
    lost: list[Callable[[], bool]] = field(default_factory=list)  # their replies' predicates
    skipped: int = 0  # steps a user no longer ran after a lost reply
    bench_cpu: float = 0.0  # seconds: this process (users, fake Telegram, balancers)
    replica_cpu: list[float] = field(default_factory=list)  # seconds, per replica process
    routed: Counter[int] = field(default_factory=Counter)  # updates per replica (the balancer's)
    machine: list[float] = field(default_factory=lambda: [0.0, 0.0])  # busy, total jiffies
    violations: list[str] = field(default_factory=list)  # the fake's, during this setup's blocks

    @property
    def name(self) -> str:
        return f"{self.replicas} replica" + ("s" if self.replicas > 1 else "")

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.elapsed if self.elapsed else 0.0

    def percentile(self, share: float) -> float:
        ordered = sorted(self.latencies)
        if not ordered:
            return 0.0
        return ordered[min(len(ordered) - 1, int(share * len(ordered)))] * 1000

    def per_update_ms(self, seconds: float) -> float:
        return 1000 * seconds / len(self.latencies) if self.latencies else 0.0

    def line(self) -> str:
        mean = statistics.fmean(self.latencies) * 1000 if self.latencies else 0.0
        return (
            f"{self.name:<11} {len(self.latencies):>6} steps  {self.elapsed:6.1f} s  "
            f"{self.rate:6.1f} upd/s  p50 {self.percentile(0.50):7.1f} ms  "
            f"p99 {self.percentile(0.99):7.1f} ms  mean {mean:7.1f} ms  stale {self.stale}"
        )

    def cpu_line(self) -> str:
        replicas = " + ".join(f"{self.per_update_ms(s):.1f}" for s in self.replica_cpu)
        busy = " + ".join(f"{100 * s / self.elapsed:.0f} %" for s in self.replica_cpu)
        machine_busy, machine_total = self.machine
        cpus = os.cpu_count() or 1
        return (
            f"            CPU per step: replicas {replicas} ms, bench process "
            f"{self.per_update_ms(self.bench_cpu):.1f} ms; busy: replicas {busy}, bench "
            f"{100 * self.bench_cpu / self.elapsed:.0f} % of a core; whole machine "
            f"{cpus * machine_busy / max(machine_total, 1):.2f} of {cpus} CPUs busy; "
            f"updates per replica {[self.routed[i] for i in range(self.replicas)]}"
        )


def machine_cpu() -> tuple[int, int]:
    """(busy, total) jiffies of all CPUs since boot (Linux /proc/stat)."""
    with open("/proc/stat") as stat:
        values = [int(v) for v in stat.readline().split()[1:]]
    idle = values[3] + values[4]  # idle + iowait
    total = sum(values[:8])  # guest time is already counted in user
    return total - idle, total


@dataclass
class Fleet:
    count: int
    lb: Balancer
    public_url: str
    processes: list[asyncio.subprocess.Process]
    logs: list[Path]
    codes: list[int | None] = field(default_factory=list)  # exit codes, once stopped

    def cpu(self) -> list[float]:
        """CPU seconds (user + system) each replica process has used so far (Linux /proc)."""
        seconds = []
        for process in self.processes:
            with open(f"/proc/{process.pid}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
            seconds.append((int(fields[11]) + int(fields[12])) / CLOCK_TICKS)
        return seconds

    def rss_mb(self) -> list[float]:
        """Resident memory of each replica process now, in MB (Linux /proc)."""
        return [rss_mb(process.pid) for process in self.processes]


@asynccontextmanager
async def replica_set(
    fake: FakeTelegram,
    api_server: str,
    workdir: Path,
    count: int,
    database_url: str,
    redis_url: str,
    admin_ids: list[int],
) -> AsyncIterator[Fleet]:
    """`count` replicas behind a balancer, as tests/e2e/transport/test_replicas.py starts two."""
    ports = [free_port() for _ in range(count)]
    upstreams = [f"http://127.0.0.1:{port}" for port in ports]
    registered = len(fake.calls_of("setWebhook"))
    async with balancer(upstreams) as (lb, public_url):
        processes: list[asyncio.subprocess.Process] = []
        logs = [workdir / f"of-{count}-replica-{n}.log" for n in range(count)]
        fleet = Fleet(count, lb, public_url, processes, logs)
        try:
            for port, log_path in zip(ports, logs, strict=True):
                env = replica_env(api_server, public_url, port) | {
                    "DATABASE_URL": database_url,
                    "REDIS_URL": redis_url,
                    "ADMIN_IDS": ",".join(map(str, admin_ids)),
                    "DELIVERY_RATE_PER_SECOND": str(24 / count),
                }
                with log_path.open("wb") as log_file:
                    processes.append(
                        await asyncio.create_subprocess_exec(
                            sys.executable,
                            "-m",
                            "bot",
                            "run",
                            cwd=workdir,  # no .env of the checkout
                            env=env,
                            stdout=log_file,
                            stderr=asyncio.subprocess.STDOUT,
                        )
                    )
            for url, process in zip(upstreams, processes, strict=True):
                await wait_healthy(url, process)
            await fake.wait_for(
                lambda: len(fake.calls_of("setWebhook")) == registered + count, START_TIMEOUT
            )
            yield fleet
        finally:
            for process in processes:
                if process.returncode is None:
                    process.send_signal(signal.SIGTERM)
            for process in processes:
                try:
                    await asyncio.wait_for(process.wait(), STOP_TIMEOUT)
                except TimeoutError:
                    process.kill()  # reported: exit code -9
                    await process.wait()
    fleet.codes = [p.returncode for p in processes]


async def point_webhook(fake: FakeTelegram, fleet: Fleet) -> None:
    """Telegram's webhook now posts to this setup's balancer (what its replicas registered)."""
    url = fleet.public_url + WEBHOOK_PATH
    status, body = await fake.handle("setWebhook", {"url": url, "secret_token": SECRET})
    assert status == 200, body


def newest_id(user: FakeUser) -> int:
    return max((m.message_id for m in user.messages()), default=0)


def newest_with(user: FakeUser, button: str) -> StoredMessage | None:
    return next((m for m in reversed(user.messages()) if button in m.button_texts()), None)


async def seen(fake: FakeTelegram, predicate: Callable[[], bool], tally: Tally | None) -> None:
    try:
        await fake.wait_for(predicate, REPLY_TIMEOUT)
    except TimeoutError:
        if tally is not None:
            tally.lost.append(predicate)
        raise Lost from None


def odd(tally: Tally, what: str, screen: str) -> None:
    tally.odd[what] += 1
    if len(tally.odd_screens) < 5:
        tally.odd_screens.append(f"{what}: {screen[:90]!r}")


async def dialog_step(fake: FakeTelegram, user: FakeUser, n: int, tally: Tally | None) -> None:
    """One step of bench/updates.py's dialog, waiting for its reply; tally=None: not measured."""
    kind = n % 6
    started = time.perf_counter()
    if kind in (1, 3):
        button = "English" if kind == 1 else "Русский"
        message = newest_with(user, button)
        if message is None:  # the /language reply before did not show the buttons
            if tally is not None:
                odd(tally, f"no {button} button to tap", user.last_text())
            return
        before = newest_id(user)
        query = await user.press(button, message_id=message.message_id)
        await seen(fake, lambda: fake.callback_answer(query) is not None, tally)
        answer = fake.callback_answer(query) or {}
        if str(answer.get("text", "")).startswith(STALE):
            # The notice is answered first; the fresh menu the person then sees follows.
            await seen(fake, lambda: newest_id(user) > before, tally)
            if tally is not None:
                tally.stale += 1
        elif tally is not None:
            shown = fake.message(user.chat_id, message.message_id)
            screen = shown.visible_text if shown else "(deleted)"
            if answer.get("text"):
                odd(tally, f"tap {button}: an alert", str(answer["text"]))
            elif MENU[button] not in screen:
                odd(tally, f"tap {button}: not the menu in that language", screen)
    else:
        command = ("language", "", "language", "", "help", "families")[kind]
        sent = await user.send_command(command)
        await seen(fake, lambda: newest_id(user) > sent.message_id, tally)
        buttons = set(user.last().button_texts())
        if tally is not None and command == "language" and not {"English", "Русский"} <= buttons:
            odd(tally, "/language: no language buttons", user.last_text())
    if tally is not None:
        tally.latencies.append(time.perf_counter() - started)


async def join(fake: FakeTelegram, user: FakeUser) -> None:
    await user.send_start()
    await reply(fake, user, lambda t: "Прежде чем начать" in t)
    await press(fake, user, AGREE)
    await reply(fake, user, lambda t: "Что хотите сделать?" in t)


async def run_users(users: list[FakeUser], script: Callable[[FakeUser], Awaitable[None]]) -> float:
    """Every user runs its script; IN_FLIGHT users act at a time. Returns seconds."""
    slots = asyncio.Semaphore(IN_FLIGHT)

    async def one(user: FakeUser) -> None:
        async with slots:
            await script(user)

    started = time.perf_counter()
    await asyncio.gather(*(one(u) for u in users))
    return time.perf_counter() - started


async def block(
    fake: FakeTelegram,
    fleet: Fleet,
    people: list[FakeUser],
    done: dict[int, int],
    steps: int,
    tally: Tally,
) -> Tally:
    """Every user still going runs its next `steps` steps through `fleet`; sums into tally."""
    part = Tally(fleet.count)
    violations = len(fake.violations)
    routed_before = Counter(index for index, _ in fleet.lb.routed)

    async def steps_of(user: FakeUser) -> None:
        if user.id not in done:
            part.skipped += steps  # lost a reply before: its dialog is in an unknown state
            return
        first = done[user.id]
        for n in range(first, first + steps):
            try:
                await dialog_step(fake, user, n, part)
            except Lost:
                del done[user.id]
                part.skipped += first + steps - n - 1
                return
            done[user.id] = n + 1

    cpu, replica_cpu, machine = time.process_time(), fleet.cpu(), machine_cpu()
    part.elapsed = await run_users(people, steps_of)
    part.bench_cpu = time.process_time() - cpu
    part.replica_cpu = [b - a for a, b in zip(replica_cpu, fleet.cpu(), strict=True)]
    part.machine = [float(b - a) for a, b in zip(machine, machine_cpu(), strict=True)]
    part.routed = Counter(index for index, _ in fleet.lb.routed) - routed_before
    part.violations = fake.violations[violations:]

    tally.latencies += part.latencies
    tally.elapsed += part.elapsed
    tally.stale += part.stale
    tally.odd += part.odd
    tally.odd_screens += part.odd_screens
    tally.lost += part.lost
    tally.skipped += part.skipped
    tally.bench_cpu += part.bench_cpu
    tally.replica_cpu = [
        a + b
        for a, b in zip(tally.replica_cpu or [0.0] * fleet.count, part.replica_cpu, strict=True)
    ]
    tally.machine = [a + b for a, b in zip(tally.machine, part.machine, strict=True)]
    tally.routed += part.routed
    tally.violations += part.violations
    return part


async def reset(database_url: str, redis_url: str) -> None:
    engine = create_engine(database_url)
    try:
        async with engine.begin() as conn:
            await conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            await conn.execute(text("CREATE SCHEMA public"))
    finally:
        await engine.dispose()
    from redis.asyncio import Redis

    client = Redis.from_url(redis_url)
    try:
        await client.flushdb()
    finally:
        await client.aclose()
    await upgrade_async(database_url)  # once, before the replicas start


def log_problems(logs: list[Path]) -> list[str]:
    found = []
    for path in logs:
        lines = path.read_text(errors="replace").splitlines()
        concern = ("ERROR", "Traceback", "bot.middlewares.serial")  # serial: a person lock waited
        bad = [line for line in lines if any(word in line for word in concern)]
        if bad:
            found.append(f"{path.name}: {len(bad)} lines of concern, first: {bad[0][:200]}")
    return found


def block_sizes(steps: int) -> list[int]:
    """Each setup's share of `steps` split over its blocks in ORDER, in the order they run."""
    per_setup: dict[int, list[int]] = {}
    for count in dict.fromkeys(ORDER):
        blocks = ORDER.count(count)
        per_setup[count] = [
            steps // blocks + (1 if i < steps % blocks else 0) for i in range(blocks)
        ]
    return [per_setup[count].pop(0) for count in ORDER]


async def measure(
    database_url: str, redis_url: str, users: int, steps: int, workdir: Path, families: int = 0
) -> tuple[dict[int, Tally], FakeTelegram, list[str], int]:
    await reset(database_url, redis_url)
    if families:  # the --families world: the register the replicas' queries run against
        await add_families(database_url, families, mentors=max(1, families // 50))
    fake = FakeTelegram(SystemClock(), token=TOKEN, flood_control=False, allow_http_webhook=True)
    admin_ids = [FIRST_USER + i for i in range(users)]
    people = [fake.user(uid, first_name="Анна") for uid in admin_ids]
    tallies = {count: Tally(count) for count in dict.fromkeys(ORDER)}
    fleets: dict[int, Fleet] = {}
    async with serve_http(fake) as server, AsyncExitStack() as stack:
        for count in tallies:
            started = time.perf_counter()
            fleets[count] = await stack.enter_async_context(
                replica_set(fake, server.url, workdir, count, database_url, redis_url, admin_ids)
            )
            print(f"{count} replica(s) up in {time.perf_counter() - started:.1f} s", flush=True)
        await point_webhook(fake, fleets[ORDER[0]])
        unjoined: list[FakeUser] = []

        async def join_or_note(user: FakeUser) -> None:
            try:
                await join(fake, user)
            except TimeoutError:
                unjoined.append(user)

        took = await run_users(people, join_or_note)
        print(f"{users} users joined in {took:.1f} s (not measured)", flush=True)
        if unjoined:
            print(f"joining: {len(unjoined)} replies not seen within {REPLY_TIMEOUT:.0f} s")

        warm_lost = 0

        async def warm(user: FakeUser) -> None:
            nonlocal warm_lost
            for n in range(6):
                try:
                    await dialog_step(fake, user, n, None)
                except Lost:
                    warm_lost += 1
                    return

        for fleet in fleets.values():  # fresh processes: imports, pools, caches
            await point_webhook(fake, fleet)
            await run_users(people[:IN_FLIGHT], warm)
            await asyncio.sleep(SETTLE)
        warm_violations = len(fake.violations)
        if warm_lost:
            print(f"warm-up: {warm_lost} replies not seen within {REPLY_TIMEOUT:.0f} s")

        # Steps each user has run; a user is gone after a loss (its dialog's state is unknown).
        done = {user.id: 0 for user in people if user not in unjoined}
        for count, size in zip(ORDER, block_sizes(steps), strict=True):
            await point_webhook(fake, fleets[count])
            part = await block(fake, fleets[count], people, done, size, tallies[count])
            print(f"block: {part.line()}", flush=True)
            await asyncio.sleep(SETTLE)
        for count, fleet in fleets.items():
            sizes = ", ".join(f"{mb:.0f} MB" for mb in fleet.rss_mb())
            print(f"RSS of the {count}-replica setup's processes after the traffic: {sizes}")
    # The replicas have stopped: lost replies that came late show now, and so do their logs.
    problems = [line for fleet in fleets.values() for line in log_problems(fleet.logs)]
    for fleet in fleets.values():
        if fleet.codes != [0] * fleet.count:
            problems.append(
                f"{fleet.count} replica(s): exit codes {fleet.codes} (-9: killed, as it had "
                f"not stopped {STOP_TIMEOUT:.0f} s after SIGTERM)"
            )
    return tallies, fake, problems, warm_violations


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=500)
    parser.add_argument("--steps", type=int, default=10, help="dialog steps per user and setup")
    parser.add_argument("--quick", action="store_true", help="50 users x 10 steps")
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL)
    parser.add_argument("--redis-url", default=DEFAULT_REDIS_URL)
    parser.add_argument("--logs", type=Path, help="keep the replicas' logs here (a directory)")
    parser.add_argument(
        "--families", type=int, default=0, help="families on the register first (e.g. 10000)"
    )
    args = parser.parse_args(argv)
    if not args.database_url.startswith("postgresql"):
        parser.error("replicas share one PostgreSQL database; SQLite is a single process")
    users, steps = (50, 10) if args.quick else (args.users, args.steps)
    print(
        f"PostgreSQL + Redis, webhook over HTTP through a round-robin balancer; {users} users x "
        f"{steps} steps on each setup, {IN_FLIGHT} users acting at a time, blocks in the order "
        f"{ORDER} replicas; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs",
        flush=True,
    )
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="bench-replicas-") as tmp:
        workdir = args.logs or Path(tmp)
        workdir.mkdir(parents=True, exist_ok=True)
        tallies, fake, problems, warm_violations = asyncio.run(
            measure(args.database_url, args.redis_url, users, steps, workdir, args.families)
        )
    print("results:")
    for tally in tallies.values():
        print(tally.line())
        print(tally.cpu_line())
    one, two = tallies[1], tallies[2]
    if one.rate and one.percentile(0.5):
        print(
            f"2 replicas / 1 replica: x{two.rate / one.rate:.2f} updates/s, "
            f"x{two.percentile(0.5) / one.percentile(0.5):.2f} p50 latency"
        )
    ok = True
    for tally in tallies.values():
        answered, late = len(tally.latencies), sum(1 for came in tally.lost if came())
        ok = ok and not tally.lost and not tally.odd and not tally.violations
        print(
            f"{tally.name}: {answered}/{users * steps} steps answered; stale-button answers "
            f"{tally.stale}; other screens {dict(tally.odd) or 'none'}; replies not seen within "
            f"{REPLY_TIMEOUT:.0f} s {len(tally.lost)} ({late} came later, "
            f"{len(tally.lost) - late} never; {tally.skipped} steps of those users not run); "
            f"fake Telegram violations {len(tally.violations)}"
        )
        for screen in tally.odd_screens:
            print(f"    {screen}")
        for kind, times in Counter(v.split(": specified")[0] for v in tally.violations).items():
            print(f"    {times} x {kind}")
    if warm_violations:
        print(f"violations during joining and warm-up: {warm_violations}")
    if fake.webhook_failures:
        ok = False
        print(f"webhook failures: {len(fake.webhook_failures)}, first {fake.webhook_failures[0]}")
    try:
        fake.assert_no_violations()
        print("fake Telegram: no violations in the whole run")
    except AssertionError as exc:
        ok = False
        print(str(exc).splitlines()[0])
    for line in problems:
        ok = False
        print(line)
    print(f"took {time.perf_counter() - started:.0f} s in all")
    print("OK: nothing lost" if ok else "PROBLEMS: see above")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
