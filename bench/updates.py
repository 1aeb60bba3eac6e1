"""Update throughput of the whole stack in one process, against a bare aiogram echo bot.

    .venv/bin/python -m bench.updates                      # 5,000 updates from 500 users, SQLite
    .venv/bin/python -m bench.updates --quick              # 500 updates from 50 users
    .venv/bin/python -m bench.updates --database-url postgresql+asyncpg://... --redis-url redis://...
    .venv/bin/python -m bench.updates --latency 100        # each Bot API call takes 100 ms

Both bots run on the same in-process fake Telegram (tests/faketg, flood control off: the fake
answers at once, so what is measured is our stack). The users are consenting coordinators; each
update is a dialog step: /language, a tap on a language (the dialog switches the whole menu), /help,
/families (the first page of the family list). The echo bot answers the same number of text
messages with `message.answer(text)`. Each user sends one update after the other, as
webhook traffic arrives, 40 users acting at a time (Telegram's default webhook max_connections).
Latency: from feeding the update until the bot's handling of it returned; measured twice, under
that load and one update at a time.

With --latency every Bot API call takes that long (half on the way there, half back), as calls
to the real Telegram do; the fake still answers at once. Then what bounds throughput is how long
a step holds what others need (the SQLite write lock, a pooled connection) across its calls.

Targets: our step >= 40 % of the echo's throughput, p99 < 25 ms (SQLite). The RSS lines are of
this one process, the fake (which keeps every message) included; the bot's own memory is what
bench/memory.py measures.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import logging
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a file: make the project importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    import bot  # noqa: F401  (before aiogram: see bench/__init__.py)

from aiogram import Bot, Dispatcher, F, Router
from aiogram.filters import Command
from aiogram.fsm.state import State, StatesGroup
from aiogram.fsm.storage.memory import MemoryStorage
from aiogram.types import CallbackQuery, Message
from aiogram_dialog import Dialog, DialogManager, StartMode, Window, setup_dialogs
from aiogram_dialog.widgets.kbd import Button, ScrollingGroup, Select
from aiogram_dialog.widgets.text import Const, Format
from sqlalchemy import bindparam, insert, text

from bench.proc import peak_rss_mb, rss_mb
from bot.clock import SystemClock
from bot.config import Settings
from bot.db.base import UTCDateTime
from bot.db.engine import create_engine, create_sessionmaker
from bot.db.migrate import upgrade_async
from bot.db.models import Family, FamilyLink, Person, PersonRole
from bot.factory import create_bot, create_dispatcher
from tests.faketg import FakeSession, FakeTelegram, FakeUser

TOKEN = "123456:BENCH"
FIRST_USER = 3_000_000
AGREE = "✅ Согласен(на)"
TARGET_SHARE = 40.0
TARGET_P99_MS = 25.0
LATENCY_UPDATES = 300
IN_FLIGHT = 40  # Telegram's default webhook max_connections


@dataclass
class Measured:
    name: str
    latencies: list[float]  # seconds, one per update
    elapsed: float
    cpu: float = 0.0  # process CPU seconds over the run (all threads): steadier than wall time

    @property
    def cpu_ms(self) -> float:
        return 1000 * self.cpu / len(self.latencies) if self.latencies else 0.0

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.elapsed if self.elapsed else 0.0

    def percentile(self, share: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(share * len(ordered)))] * 1000

    def line(self) -> str:
        return (
            f"{self.name:<14} {len(self.latencies):>6} updates  {self.rate:8.0f} upd/s  "
            f"p50 {self.percentile(0.50):6.2f} ms  p99 {self.percentile(0.99):6.2f} ms  "
            f"mean {statistics.fmean(self.latencies) * 1000:6.2f} ms  "
            f"CPU {self.cpu_ms:5.2f} ms/update"
        )


@dataclass
class Results:
    stack: Measured  # all users at once: throughput
    echo: Measured
    stack_alone: Measured  # one update at a time: latency without queueing
    echo_alone: Measured
    dialog_ref: Measured  # aiogram-dialog alone, the same steps, no database: the library's floor
    memory: list[tuple[str, float]]  # (moment, RSS in MB)
    session_cpu_ms: float  # one bare database session shaped like a step's, CPU per session


class Timed:
    """The fake's update hook: feeds a dispatcher and records how long each update took."""

    def __init__(self, feed: Callable[[dict[str, Any]], Awaitable[Any]]) -> None:
        self._feed = feed
        self.latencies: list[float] = []

    async def __call__(self, update: dict[str, Any]) -> None:
        started = time.perf_counter()
        await self._feed(update)
        self.latencies.append(time.perf_counter() - started)


class LatentSession(FakeSession):
    """The fake over a network: every call takes `latency` seconds."""

    def __init__(self, fake: FakeTelegram, latency: float) -> None:
        super().__init__(fake)
        self.latency = latency

    async def make_request(
        self,
        bot: Bot,
        method: Any,
        timeout: int | None = None,  # noqa: ASYNC109 - aiogram's interface
    ) -> Any:
        await asyncio.sleep(self.latency / 2)
        answer = await super().make_request(bot, method, timeout)
        await asyncio.sleep(self.latency / 2)
        return answer


def fake_session(fake: FakeTelegram, latency: float) -> FakeSession:
    return LatentSession(fake, latency) if latency else FakeSession(fake)


async def timed_run(
    name: str,
    users: list[FakeUser],
    script: Callable[[FakeUser, int], Awaitable[None]],
    steps: int,
    timed: Timed,
) -> Measured:
    cpu = time.process_time()
    elapsed = await run_users(users, script, steps)
    return Measured(name, timed.latencies, elapsed, time.process_time() - cpu)


async def run_users(
    users: list[FakeUser], script: Callable[[FakeUser, int], Awaitable[None]], steps: int
) -> float:
    """Every user runs `steps` steps one after the other; IN_FLIGHT users act at a time (as
    Telegram keeps at most that many webhook connections open), so every update is handled as
    soon as it is sent and a tap is answered while it is fresh. Returns seconds."""
    slots = asyncio.Semaphore(IN_FLIGHT)

    async def one(user: FakeUser) -> None:
        async with slots:
            for n in range(steps):
                await script(user, n)

    started = time.perf_counter()
    await asyncio.gather(*(one(u) for u in users))
    return time.perf_counter() - started


async def dialog_step(user: FakeUser, n: int) -> None:
    match n % 6:
        case 0:
            await user.send_command("language")
        case 1:
            await user.press("English")
        case 2:
            await user.send_command("language")
        case 3:
            await user.press("Русский")
        case 4:
            await user.send_command("help")
        case _:
            await user.send_command("families")


async def echo_step(user: FakeUser, n: int) -> None:
    await user.send_text(f"echo {n}")


def echo_dispatcher() -> Dispatcher:
    router = Router()

    @router.message(F.text)
    async def echo(message: Message) -> None:
        await message.answer(message.text or "")

    dp = Dispatcher()
    dp.include_router(router)
    return dp


class RefStates(StatesGroup):
    language = State()
    chosen = State()


class RefListStates(StatesGroup):
    page = State()


def dialog_reference_dispatcher() -> Dispatcher:
    """The same four steps built with aiogram-dialog only: memory storage, no database, no
    middlewares of ours. What aiogram-dialog itself costs per step, the floor under ours."""

    async def pick(callback: CallbackQuery, _button: Button, manager: DialogManager) -> None:
        await manager.switch_to(RefStates.chosen)

    async def families(**_kwargs: Any) -> dict[str, Any]:
        return {"families": [(f"Семья {n:02d}", n) for n in range(1, 31)]}

    language = Dialog(
        Window(
            Const("Выберите язык"),
            Button(Const("English"), id="en", on_click=pick),
            Button(Const("Русский"), id="ru", on_click=pick),
            state=RefStates.language,
        ),
        Window(
            Const("Язык выбран"),
            Button(Const("English"), id="en2", on_click=pick),
            Button(Const("Русский"), id="ru2", on_click=pick),
            state=RefStates.chosen,
        ),
    )
    family_list = Dialog(
        Window(
            Const("Семьи"),
            ScrollingGroup(
                Select(
                    Format("{item[0]}"), id="f", item_id_getter=lambda x: x[1], items="families"
                ),
                id="pages",
                width=1,
                height=8,
            ),
            getter=families,
            state=RefListStates.page,
        )
    )
    router = Router()

    @router.message(Command("language"))
    async def open_language(message: Message, dialog_manager: DialogManager) -> None:
        await dialog_manager.start(RefStates.language, mode=StartMode.RESET_STACK)

    @router.message(Command("families"))
    async def open_families(message: Message, dialog_manager: DialogManager) -> None:
        await dialog_manager.start(RefListStates.page, mode=StartMode.RESET_STACK)

    @router.message(Command("help"))
    async def help_text(message: Message) -> None:
        await message.answer("Помощь: /language, /families")

    dp = Dispatcher(storage=MemoryStorage())
    dp.include_routers(router, language, family_list)
    setup_dialogs(dp)
    return dp


def bench_settings(database_url: str, redis_url: str | None, users: int) -> Settings:
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        bot_token=TOKEN,
        admin_ids=[FIRST_USER + i for i in range(users)],
        database_url=database_url,
        redis_url=redis_url,
        default_timezone="Europe/Moscow",
        default_locale="ru",
    )


async def add_families(database_url: str, families: int, mentors: int) -> None:
    """Families on the register with their mentors, bulk-inserted (the --families world)."""
    now = datetime.now(UTC)
    engine = create_engine(database_url)
    try:
        async with engine.begin() as conn:
            await conn.execute(
                insert(Person),
                [
                    {
                        "id": 1_000_000 + m,
                        "telegram_id": 9_000_000 + m,
                        "display_name": f"Mentor {m}",
                        "timezone": "Europe/Moscow",
                        "created_at": now,
                    }
                    for m in range(mentors)
                ],
            )
            await conn.execute(
                insert(PersonRole),
                [
                    {"person_id": 1_000_000 + m, "role": "mentor", "granted_at": now}
                    for m in range(mentors)
                ],
            )
            await conn.execute(
                insert(Family),
                [
                    {
                        "id": 1_000_000 + f,
                        "name": f"Семья {f:05d}",
                        "search_name": f"семья {f:05d}",
                        "category": "tzhs",
                        "support_level": "basic",
                        "timezone": "Europe/Moscow",
                        "created_at": now,
                    }
                    for f in range(families)
                ],
            )
            await conn.execute(
                insert(FamilyLink),
                [
                    {
                        "family_id": 1_000_000 + f,
                        "person_id": 1_000_000 + f % mentors,
                        "kind": "mentor",
                        "created_at": now,
                    }
                    for f in range(families)
                ],
            )
            if database_url.startswith("postgresql"):
                for table in ("people", "families"):
                    await conn.execute(
                        text(
                            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                            f"(SELECT max(id) FROM {table}))"
                        )
                    )
    finally:
        await engine.dispose()


async def reset_postgres(url: str) -> None:
    engine = create_engine(url)
    async with engine.begin() as conn:
        await conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        await conn.execute(text("CREATE SCHEMA public"))
    await engine.dispose()


async def flush_redis(url: str | None) -> None:
    if url:
        from redis.asyncio import Redis

        client = Redis.from_url(url)
        await client.flushdb()
        await client.aclose()


SESSION_FLOOR_RUNS = 300


async def session_floor(database_url: str) -> float:
    """CPU ms of one database session shaped like a dialog step's (3 reads by key, 2 upserts,
    commit) through the bot's engine, with nothing else: SQLAlchemy and the driver alone."""
    engine = create_engine(database_url)
    sessions = create_sessionmaker(engine)
    read = text('SELECT state, data FROM fsm_records WHERE "key" = :key')
    write = text(
        'INSERT INTO fsm_records ("key", state, data, updated_at) VALUES (:key, NULL, NULL, :at) '
        'ON CONFLICT ("key") DO UPDATE SET updated_at = excluded.updated_at'
    ).bindparams(bindparam("at", type_=UTCDateTime()))
    at = datetime.now(UTC)
    try:
        for warm_up in (True, False):
            started = time.process_time()
            for _ in range(20 if warm_up else SESSION_FLOOR_RUNS):
                async with sessions() as session:
                    for k in range(3):
                        await session.execute(read, {"key": f"bench:floor:{k}"})
                    for k in range(2):
                        await session.execute(write, {"key": f"bench:floor:{k}", "at": at})
                    await session.commit()
        return 1000 * (time.process_time() - started) / SESSION_FLOOR_RUNS
    finally:
        await engine.dispose()


async def measure(
    database_url: str,
    redis_url: str | None,
    users: int,
    steps: int,
    families: int = 0,
    latency: float = 0.0,
) -> Results:
    memory = [("imports done, nothing built", rss_mb())]
    if database_url.startswith("postgresql"):
        await reset_postgres(database_url)
    await flush_redis(redis_url)
    await upgrade_async(database_url)
    if families:
        await add_families(database_url, families, mentors=max(1, families // 50))
    settings = bench_settings(database_url, redis_url, users)
    clock = SystemClock()
    fake = FakeTelegram(clock, token=TOKEN, flood_control=False)
    engine = create_engine(database_url)
    bot = create_bot(settings, session=fake_session(fake, latency))
    dp, _ = create_dispatcher(settings, engine, clock=clock)
    people = [fake.user(FIRST_USER + i, first_name="Анна") for i in range(users)]
    try:
        # Everyone joins first (not measured): the steps are those of people who use the bot.
        fake.deliver = lambda update: dp.feed_raw_update(bot, update)

        async def join(user: FakeUser, n: int) -> None:
            await (user.send_start() if n == 0 else user.press(AGREE))

        await run_users(people, join, 2)
        memory.append(("bot built, users joined", rss_mb()))

        ours = Timed(lambda update: dp.feed_raw_update(bot, update))
        fake.deliver = ours
        stack = await timed_run("dialog step", people, dialog_step, steps, ours)
        await dp["background"].wait()
        memory.append(("after the dialog traffic", rss_mb()))
        # The fake keeps every call and message; what it holds is not the bot's.
        fake.calls.clear()
        fake.updates.clear()
        gc.collect()
        memory.append(("same, the fake's call log dropped", rss_mb()))
        # Latency without queueing behind other users: one update at a time.
        alone = Timed(lambda update: dp.feed_raw_update(bot, update))
        fake.deliver = alone
        stack_alone = await timed_run(
            "dialog, alone", people[:1], dialog_step, LATENCY_UPDATES, alone
        )

        echo_dp = echo_dispatcher()
        echo_bot = Bot(token=TOKEN, session=fake_session(fake, latency))
        bare = Timed(lambda update: echo_dp.feed_raw_update(echo_bot, update))
        fake.deliver = bare
        try:
            echo = await timed_run("bare echo", people, echo_step, steps, bare)
            bare_alone = Timed(lambda update: echo_dp.feed_raw_update(echo_bot, update))
            fake.deliver = bare_alone
            echo_alone = await timed_run(
                "echo, alone", people[:1], echo_step, LATENCY_UPDATES, bare_alone
            )
            ref_dp = dialog_reference_dispatcher()
            reference = Timed(lambda update: ref_dp.feed_raw_update(echo_bot, update))
            fake.deliver = reference
            dialog_ref = await timed_run(
                "aiogram-dialog", people[:1], dialog_step, LATENCY_UPDATES, reference
            )
            fake.assert_no_violations()
            floor = await session_floor(database_url)
            return Results(stack, echo, stack_alone, echo_alone, dialog_ref, memory, floor)
        finally:
            await echo_bot.session.close()
    finally:
        await dp.storage.close()
        await bot.session.close()
        await fake.close()
        await engine.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=500)
    parser.add_argument("--steps", type=int, default=10, help="updates per user")
    parser.add_argument("--quick", action="store_true", help="50 users x 10 updates")
    parser.add_argument("--database-url", default=None, help="default: a temporary SQLite file")
    parser.add_argument("--redis-url", default=None, help="FSM storage in Redis")
    parser.add_argument("--families", type=int, default=0, help="families on the register first")
    parser.add_argument(
        "--latency", type=float, default=0.0, help="ms each Bot API call takes (default 0)"
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    users, steps, families = args.users, args.steps, args.families
    if args.quick:
        users, steps = 50, 10

    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite+aiosqlite:///{Path(tmp) / 'bench.sqlite3'}"
        backend = "PostgreSQL" if url.startswith("postgresql") else "SQLite"
        storage = "Redis" if args.redis_url else "database"
        print(f"backend {backend}, FSM storage {storage}, {users} users x {steps} updates")
        if families:
            print(f"world: {families} families")
        if args.latency:
            print(f"each Bot API call takes {args.latency:.0f} ms")
        results = asyncio.run(
            measure(url, args.redis_url, users, steps, families, args.latency / 1000)
        )

    stack, echo = results.stack, results.echo
    share = 100 * stack.rate / echo.rate if echo.rate else 0.0
    print(f"{IN_FLIGHT} users acting at a time (throughput):")
    print(stack.line())
    print(echo.line())
    print("one update at a time (latency):")
    print(results.stack_alone.line())
    print(results.echo_alone.line())
    print(results.dialog_ref.line())
    ref_share = 100 * results.dialog_ref.rate / results.echo_alone.rate
    print(f"ratio          {share:.1f} % of the bare echo's throughput")
    print(
        f"               (aiogram-dialog alone, no database, one update at a time: "
        f"{ref_share:.1f} % of the echo's)"
    )
    # What 40 % would leave: the echo's CPU x 2.5, less aiogram-dialog's step and a bare session.
    budget = results.echo_alone.cpu_ms * 100 / TARGET_SHARE
    print(
        f"floor          a bare database session like a step's (3 reads, 2 upserts, commit): "
        f"{results.session_cpu_ms:.2f} ms CPU; {TARGET_SHARE:.0f} % of the echo allows "
        f"{budget:.2f} ms per step, aiogram-dialog alone takes {results.dialog_ref.cpu_ms:.2f}"
    )
    for moment, megabytes in results.memory:
        print(f"RSS {megabytes:6.0f} MB  {moment}")
    end = f"at the end (peak {peak_rss_mb():.0f} MB; one process: bot + fake)"
    print(f"RSS {rss_mb():6.0f} MB  {end}")
    ok = share >= TARGET_SHARE and results.stack_alone.percentile(0.99) < TARGET_P99_MS
    print("OK" if ok else "BELOW TARGET")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
