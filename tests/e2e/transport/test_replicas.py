"""Two replicas behind one webhook URL, as a scaled-out deployment runs them.

Two real processes (`python -m bot run`, webhook mode) share one PostgreSQL database, one Redis
FSM storage and one webhook secret. A small round-robin balancer in front of them is the URL both
register with the fake Telegram, served over HTTP. Then:

* a coordinator's multi-step form hops between the replicas on every update and still completes,
  each tap sent as soon as the reply shows (the dialog's state lives in Redis, not in either
  process, and a person's updates take turns through a lock in Redis: a replica shows the reply
  before it saves the state and commits);
* reminders queued in the outbox are delivered by both replicas' schedulers, each exactly once.

PostgreSQL only: SQLite is a single-process deployment.
"""

from __future__ import annotations

import asyncio
import itertools
import signal
from collections import Counter
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.clock import Clock, ShiftedClock, SystemClock
from bot.db.engine import create_sessionmaker
from bot.db.models import Family, OutboxMessage, OutboxStatus, Person
from bot.services import outbox
from bot.services.assignments import FAMILY_ASSIGNED_MENTOR
from tests.conftest import ADMIN_ID, ON_POSTGRES, REDIS_URL, TOKEN
from tests.e2e.http_steps import (
    REPLY_TIMEOUT,
    WEBHOOK_PATH,
    calm_clock,
    free_port,
    join,
    press,
    reply,
    unhurried,
)
from tests.e2e.transport import bot_at
from tests.e2e.transport.replica_set import (
    REPLICA_COUNT,
    START_TIMEOUT,
    STOP_TIMEOUT,
    Balancer,
    balancer,
    replica_env,
    wait_healthy,
)
from tests.faketg import FakeTelegram, FakeUser, serve_http

pytestmark = pytest.mark.skipif(
    not (ON_POSTGRES and REDIS_URL), reason="replicas need PostgreSQL and Redis"
)

DELIVERY_TIMEOUT = 30.0
REMINDERS = 40
FIRST_RECIPIENT = 8_100_000


@asynccontextmanager
async def replicas(
    fake: FakeTelegram, api_server: str, tmp_path: Path, clock: ShiftedClock
) -> AsyncIterator[tuple[Balancer, list[Path]]]:
    ports = [free_port() for _ in range(REPLICA_COUNT)]
    upstreams = [f"http://127.0.0.1:{port}" for port in ports]
    async with balancer(upstreams) as (state, public_url):
        processes: list[asyncio.subprocess.Process] = []
        logs = [tmp_path / f"replica-{n}.log" for n in range(REPLICA_COUNT)]
        try:
            for port, log_path in zip(ports, logs, strict=True):
                with log_path.open("wb") as log_file:
                    processes.append(
                        await asyncio.create_subprocess_exec(
                            *bot_at.command(clock.offset, "run"),  # both on one calendar
                            cwd=tmp_path,  # no .env of the checkout
                            env=replica_env(api_server, public_url, port),
                            stdout=log_file,
                            stderr=asyncio.subprocess.STDOUT,
                        )
                    )
            for url, process in zip(upstreams, processes, strict=True):
                await wait_healthy(url, process)
            # Both registered the same URL (the balancer's) with the same secret.
            await fake.wait_for(
                lambda: len(fake.calls_of("setWebhook")) == REPLICA_COUNT, START_TIMEOUT
            )
            assert {c.params["url"] for c in fake.calls_of("setWebhook")} == {
                public_url + WEBHOOK_PATH
            }
            yield state, logs
        finally:
            for process in processes:
                if process.returncode is None:
                    process.send_signal(signal.SIGTERM)
            for process in processes:
                try:
                    await asyncio.wait_for(process.wait(), STOP_TIMEOUT)
                except TimeoutError:
                    process.kill()
                    await process.wait()
                    raise AssertionError("a replica did not stop on SIGTERM") from None
    codes = [p.returncode for p in processes]
    assert codes == [0] * REPLICA_COUNT, (codes, [p.read_text()[-3000:] for p in logs])


async def think(fake: FakeTelegram, user: FakeUser) -> None:
    """A person reads the reply before acting on it: no fixed pause, only the chat's flood room."""
    await unhurried(fake, user.id, room=2)


async def screen(fake: FakeTelegram, user: FakeUser, predicate: Callable[[str], bool]) -> None:
    """Wait until the newest bot message, the one the person looks at, satisfies predicate.

    A button text alone is not enough: the menu has «➕ Добавить семью» too, so waiting for that
    button after /families would tap the menu's, on the screen /families is replacing.
    """
    await fake.wait_for(lambda: predicate(user.last_text()), REPLY_TIMEOUT)


async def step(fake: FakeTelegram, user: FakeUser, button: str) -> None:
    await think(fake, user)
    await press(fake, user, button)


async def add_family_by_form(fake: FakeTelegram, admin: FakeUser) -> None:
    """The coordinator's "add a family" form: a command, a text and five taps."""
    await think(fake, admin)
    await admin.send_command("families")
    await screen(fake, admin, lambda t: t.startswith("Семьи не найдены"))
    await step(fake, admin, "➕ Добавить семью")
    await screen(fake, admin, lambda t: t.startswith("Новая семья"))  # read before typing
    await think(fake, admin)
    await admin.send_text("Орловы")
    await screen(fake, admin, lambda t: "Категория семьи «Орловы»" in t)
    await step(fake, admin, "Многодетная")
    await fake.wait_for(lambda: "базовый" in admin.last().button_texts(), REPLY_TIMEOUT)
    await step(fake, admin, "базовый")
    await fake.wait_for(
        lambda: "Москва, Вологда (UTC+3)" in admin.last().button_texts(), REPLY_TIMEOUT
    )
    await step(fake, admin, "Москва, Вологда (UTC+3)")
    await fake.wait_for(lambda: "✅ Сохранить" in admin.last().button_texts(), REPLY_TIMEOUT)
    await step(fake, admin, "✅ Сохранить")
    await reply(fake, admin, lambda t: "сохранена" in t)


async def queue_reminders(engine: AsyncEngine, fake: FakeTelegram, clock: Clock) -> list[int]:
    """REMINDERS notices to as many people, due now, straight into the shared outbox."""
    sessionmaker = create_sessionmaker(engine)
    now = clock.now()
    chats = [FIRST_RECIPIENT + n for n in range(REMINDERS)]
    async with sessionmaker.begin() as session:
        for n, chat in enumerate(chats):
            person = Person(
                telegram_id=chat, display_name=f"R{n}", timezone="Europe/Moscow", created_at=now
            )
            session.add(person)
            await session.flush()
            fake.user(chat)
            fake.mark_started(chat)
            assert await outbox.enqueue(
                session,
                recipient=outbox.Recipient(person.id, chat),
                purpose="replicas",
                kind=FAMILY_ASSIGNED_MENTOR,
                params={"family": f"Семья {n}"},
                now=now,
                occurrence=str(n),
            )
    return chats


async def test_two_webhook_replicas_share_forms_and_the_outbox(
    engine: AsyncEngine, redis_flushed: None, tmp_path: Path
) -> None:
    clock = calm_clock()
    fake = FakeTelegram(SystemClock(), token=TOKEN, allow_http_webhook=True)
    async with (
        serve_http(fake) as server,
        replicas(fake, server.url, tmp_path, clock) as (lb, logs),
    ):
        admin = fake.user(ADMIN_ID, first_name="Мария")
        try:
            await join(fake, admin)
            await add_family_by_form(fake, admin)
        except TimeoutError:
            tail = [log.read_text()[-2000:] for log in logs]
            raise AssertionError((admin.texts()[-3:], lb.replicas_of(ADMIN_ID), tail)) from None

        # Every update of the coordinator went to the other replica than the one before.
        hops = lb.replicas_of(ADMIN_ID)
        assert len(hops) >= 9, hops
        assert all(a != b for a, b in itertools.pairwise(hops)), hops
        async with create_sessionmaker(engine)() as session:
            names = (await session.scalars(select(Family.name))).all()
        assert names == ["Орловы"]

        chats = await queue_reminders(engine, fake, clock)
        wanted = set(chats)

        def delivered() -> Counter[int]:
            return Counter(
                c.chat_id for c in fake.calls_of("sendMessage") if c.ok and c.chat_id in wanted
            )

        await fake.wait_for(lambda: len(delivered()) == REMINDERS, DELIVERY_TIMEOUT)

        # The fake has answered every send; each replica records "sent" right after.
        async def settled() -> list[Any]:
            async with create_sessionmaker(engine)() as session:
                return list(
                    (
                        await session.execute(
                            select(OutboxMessage.status, OutboxMessage.claimed_by, func.count())
                            .where(OutboxMessage.purpose == "replicas")
                            .group_by(OutboxMessage.status, OutboxMessage.claimed_by)
                        )
                    ).all()
                )

        async with asyncio.timeout(REPLY_TIMEOUT):
            while True:
                rows = await settled()
                if {status for status, _, _ in rows} == {OutboxStatus.SENT}:
                    break
                await asyncio.sleep(0.05)  # polling another process's commit: bounded above
        assert {status for status, _, _ in rows} == {OutboxStatus.SENT}, rows
        assert len({worker for _, worker, _ in rows}) == REPLICA_COUNT, rows  # both sent some

    # After both stopped: nothing more went out, and nothing went out twice.
    assert delivered() == Counter(dict.fromkeys(chats, 1))
    assert not fake.webhook_failures, fake.webhook_failures
    fake.assert_no_violations()
    for log_path in logs:
        text = log_path.read_text()
        assert "Traceback" not in text and "ERROR" not in text, text[-3000:]
