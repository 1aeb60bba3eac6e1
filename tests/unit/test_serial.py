"""One update at a time per person (bot/middlewares/serial.py).

The Redis lock, as two replicas see it: exclusion, expiry of a dead replica's lock, renewal while
an update runs long, a bounded wait, and a release that never frees someone else's lock. Then two
dispatchers (two replicas in one process) sharing the database and Redis, with the first one
stalled between showing a screen and saving it: a tap on that screen, handled by the second,
waits for the first and lands on the right step.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from aiogram import Bot, Dispatcher
from aiogram.client.session.middlewares.base import BaseRequestMiddleware, NextRequestMiddlewareType
from aiogram.methods import EditMessageText, SendMessage, TelegramMethod
from aiogram.methods.base import TelegramType
from aiogram.types import User

from bot.factory import create_bot, create_dispatcher
from bot.middlewares.serial import PerUserSerialMiddleware, RedisPersonLocks
from tests.conftest import ADMIN_ID, REDIS_URL
from tests.faketg import FakeSession
from tests.harness import THINK_SECONDS, BotHarness

needs_redis = pytest.mark.skipif(not REDIS_URL, reason="the shared lock lives in Redis")
BOT_ID = 123456
BOUND = 5.0  # every wait below ends long before this


@pytest.fixture
async def redis(redis_flushed: None) -> AsyncIterator[Callable[[], Any]]:
    """Connects clients (one per replica) to the flushed test Redis database."""
    from redis.asyncio import Redis

    clients: list[Redis] = []

    def connect() -> Redis:
        if not REDIS_URL:
            pytest.skip("the shared lock lives in Redis")
        client = Redis.from_url(REDIS_URL)
        clients.append(client)
        return client

    yield connect
    for client in clients:
        await client.aclose()


async def until(condition: Callable[[], bool]) -> None:
    async with asyncio.timeout(BOUND):
        while not condition():  # noqa: ASYNC110 - another task's progress, bounded above
            await asyncio.sleep(0.005)


# --- the lock --------------------------------------------------------------------------------


@needs_redis
async def test_a_second_replica_waits_for_the_first(redis: Callable[[], Any]) -> None:
    first, second = RedisPersonLocks(redis()), RedisPersonLocks(redis())
    order: list[str] = []
    release = asyncio.Event()

    async def one() -> None:
        async with first.hold(BOT_ID, ADMIN_ID) as held:
            assert held
            order.append("first in")
            await release.wait()
            order.append("first out")

    async def two() -> None:
        async with second.hold(BOT_ID, ADMIN_ID) as held:
            assert held
            order.append("second in")

    task_one = asyncio.create_task(one())
    await until(lambda: order == ["first in"])
    task_two = asyncio.create_task(two())
    await until(lambda: second.waits == 1)  # it found the person busy
    assert order == ["first in"]
    release.set()
    async with asyncio.timeout(BOUND):
        await asyncio.gather(task_one, task_two)
    assert order == ["first in", "first out", "second in"]
    assert await redis().exists(RedisPersonLocks.key(BOT_ID, ADMIN_ID)) == 0


@needs_redis
async def test_other_people_do_not_wait(redis: Callable[[], Any]) -> None:
    locks = RedisPersonLocks(redis())
    async with asyncio.timeout(BOUND), locks.hold(BOT_ID, 1), locks.hold(BOT_ID, 2) as held:
        assert held
    assert locks.waits == 0


@needs_redis
async def test_a_dead_replicas_lock_expires(redis: Callable[[], Any]) -> None:
    client = redis()
    key = RedisPersonLocks.key(BOT_ID, ADMIN_ID)
    # What a replica killed mid-update leaves behind: a lock nobody renews or releases.
    await client.set(key, "killed-replica", px=300)
    locks = RedisPersonLocks(client, ttl=0.3, max_wait=BOUND)
    async with asyncio.timeout(BOUND), locks.hold(BOT_ID, ADMIN_ID) as held:
        assert held
        assert locks.waits == 1
        assert await client.get(key) != b"killed-replica"


@needs_redis
async def test_a_long_update_keeps_its_lock(redis: Callable[[], Any]) -> None:
    client = redis()
    key = RedisPersonLocks.key(BOT_ID, ADMIN_ID)
    holder = RedisPersonLocks(client, ttl=0.3)
    other = RedisPersonLocks(redis(), ttl=0.3, max_wait=0.05)
    async with holder.hold(BOT_ID, ADMIN_ID):
        token = await client.get(key)
        loop = asyncio.get_running_loop()
        start = loop.time()
        await until(lambda: loop.time() - start > 1.0)  # over three times the expiry
        assert await client.get(key) == token
        async with other.hold(BOT_ID, ADMIN_ID) as held:
            assert not held  # still taken: the other replica gave up its bounded wait
    assert await client.exists(key) == 0


@needs_redis
async def test_the_wait_is_bounded(
    redis: Callable[[], Any], caplog: pytest.LogCaptureFixture
) -> None:
    client = redis()
    await client.set(RedisPersonLocks.key(BOT_ID, ADMIN_ID), "a-live-replica", px=60_000)
    locks = RedisPersonLocks(client, max_wait=0.1)
    with caplog.at_level(logging.WARNING, "bot.middlewares.serial"):
        async with asyncio.timeout(BOUND), locks.hold(BOT_ID, ADMIN_ID) as held:
            assert not held
    assert f"user {ADMIN_ID} still busy" in caplog.text


@needs_redis
async def test_a_release_never_frees_another_replicas_lock(redis: Callable[[], Any]) -> None:
    client = redis()
    key = RedisPersonLocks.key(BOT_ID, ADMIN_ID)
    locks = RedisPersonLocks(client)
    async with locks.hold(BOT_ID, ADMIN_ID):
        # Our lock expired during a stall and another replica took the person.
        await client.set(key, "another-replica", px=60_000)
    assert await client.get(key) == b"another-replica"


# --- the middleware --------------------------------------------------------------------------


class _Bot:
    id = BOT_ID


def _data(user_id: int) -> dict[str, Any]:
    return {
        "event_from_user": User(id=user_id, is_bot=False, first_name="x"),
        "bot": _Bot(),
    }


@pytest.mark.parametrize("shared", [False, pytest.param(True, marks=needs_redis)])
async def test_a_background_update_inside_an_update_does_not_wait(
    shared: bool, redis: Callable[[], Any]
) -> None:
    """aiogram-dialog's background manager re-enters the dispatcher from inside an update."""
    locks = RedisPersonLocks(redis()) if shared else None
    middleware = PerUserSerialMiddleware(locks)
    seen: list[str] = []

    async def inner(_event: Any, _data: dict[str, Any]) -> None:
        seen.append("background")

    async def outer(event: Any, data: dict[str, Any]) -> None:
        await middleware(inner, event, _data(ADMIN_ID))
        seen.append("update")

    async with asyncio.timeout(BOUND):
        await middleware(outer, object(), _data(ADMIN_ID))
    assert seen == ["background", "update"]


async def test_one_persons_updates_run_one_after_the_other() -> None:
    middleware = PerUserSerialMiddleware()
    log: list[str] = []
    gates = {name: asyncio.Event() for name in ("a1", "a2", "a3", "b1")}

    def handler_for(name: str) -> Callable[[Any, dict[str, Any]], Awaitable[None]]:
        async def handler(_event: Any, _data: dict[str, Any]) -> None:
            log.append(f"{name} in")
            await gates[name].wait()
            log.append(f"{name} out")

        return handler

    tasks = [
        asyncio.create_task(middleware(handler_for(name), object(), _data(user_id)))
        for name, user_id in (("a1", 1), ("a2", 1), ("a3", 1), ("b1", 2))
    ]
    await until(lambda: log == ["a1 in", "b1 in"])  # another person is not held up
    for name in ("a3", "a2", "b1", "a1"):  # released out of order
        gates[name].set()
    async with asyncio.timeout(BOUND):
        await asyncio.gather(*tasks)
    person_one = [entry for entry in log if entry.startswith("a")]
    assert person_one == ["a1 in", "a1 out", "a2 in", "a2 out", "a3 in", "a3 out"]


# --- two replicas in one process -------------------------------------------------------------


class StallAfterScreen(BaseRequestMiddleware):
    """Once armed: after the next screen reaches Telegram, stall until released.

    The window a real replica has between the reply and saving the dialog's stack and committing.
    """

    def __init__(self) -> None:
        self.armed = False
        self.stalled = asyncio.Event()
        self.release = asyncio.Event()

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Any:
        result = await make_request(bot, method)
        if self.armed and isinstance(method, SendMessage | EditMessageText):
            self.armed = False
            self.stalled.set()
            await self.release.wait()
        return result


@needs_redis
async def test_a_tap_on_the_other_replica_waits_for_the_screen_to_be_saved(
    app: BotHarness,
) -> None:
    admin = await app.admin(ADMIN_ID)
    stall = StallAfterScreen()
    app.bot.session.middleware(stall)
    other_bot = create_bot(app.settings, session=FakeSession(app.fake))
    other_dp, _ = create_dispatcher(app.settings, app.engine, clock=app.clock)
    replicas: itertools.cycle[tuple[Dispatcher, Bot]] = itertools.cycle(
        [(app.dp, app.bot), (other_dp, other_bot)]
    )
    handling: list[asyncio.Task[Any]] = []

    async def balanced(update: dict[str, Any]) -> None:
        # Round robin; a webhook answers at once and handles the update in the background.
        app.clock.advance(THINK_SECONDS)
        dp, bot = next(replicas)
        handling.append(asyncio.create_task(dp.feed_raw_update(bot, update)))

    app.fake.deliver = balanced
    try:
        stall.armed = True
        await admin.send_command("families")  # → the first replica, which stalls
        async with asyncio.timeout(BOUND):
            await stall.stalled.wait()
        assert admin.last_text().startswith("Семьи не найдены")  # the person sees the list
        await admin.press("➕ Добавить семью")  # → the second replica
        other_locks = next(
            m for m in other_dp.update.outer_middleware if isinstance(m, PerUserSerialMiddleware)
        ).shared
        assert other_locks is not None
        await until(lambda: other_locks.waits == 1)  # the tap waits for the first replica
        assert not admin.last_text().startswith("Новая семья")
        stall.release.set()
        async with asyncio.timeout(BOUND):
            await asyncio.gather(*handling)
        assert admin.last_text().startswith("Новая семья")

        await admin.send_text("Орловы")  # → the first replica again
        async with asyncio.timeout(BOUND):
            await asyncio.gather(*handling)
        assert "Категория семьи «Орловы»" in admin.last_text()
    finally:
        await other_dp.storage.close()
        await other_bot.session.close()
