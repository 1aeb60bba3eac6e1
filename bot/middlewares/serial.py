"""One update at a time per person, within a process and across webhook replicas.

Polling and the webhook handle updates concurrently, and behind a balancer a person's next tap
may reach another replica. Without this, a quick second tap is read against the form state the
first tap has not saved or committed yet, and lands on the wrong step (a reply reaches the person
before aiogram-dialog saves the stack and before the transaction commits). Updates of one person
now run one after the other, each seeing the previous one's committed rows and saved state;
different people still run in parallel.

Two layers: an asyncio lock per person (FIFO within the process), and, when the FSM storage is
Redis, a Redis lock per person shared by the replicas (`RedisPersonLocks`). The Redis lock has a
short expiry that a holder keeps renewing, so a replica killed mid-update frees the person after
`ttl`; a waiter gives up after `max_wait` and goes on without it (logged), so nobody is stuck.

The middleware sits on dp.update after aiogram's FSMContextMiddleware, which reads `raw_state`
before this lock: it is read again once the lock is held. aiogram-dialog loads its stack in the
message/callback observers, inside this lock. It is also on dp.errors: aiogram's error handling
runs after the update's middlewares have returned, and aiogram-dialog's error middleware loads and
saves the stack there too.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any

from aiogram import BaseMiddleware
from aiogram.fsm.context import FSMContext
from aiogram.fsm.storage.base import BaseStorage
from aiogram.types import TelegramObject, User

if TYPE_CHECKING:
    from redis.asyncio import Redis

log = logging.getLogger(__name__)

# Set while a person's update runs: aiogram-dialog's background updates re-enter the
# dispatcher from inside it and must not wait for their own lock.
_holding: ContextVar[int | None] = ContextVar("serial_holding", default=None)

LOCK_TTL_SECONDS = 10.0  # a dead replica's lock frees the person after this
MAX_WAIT_SECONDS = 30.0  # a waiter goes on without the lock after this
_POLL_FIRST = 0.005
_POLL_MAX = 0.05

# Renew or delete the key only while it still holds our token (it may have expired and been
# taken by another replica meanwhile).
_RENEW = """
if redis.call('get', KEYS[1]) == ARGV[1] then
    return redis.call('pexpire', KEYS[1], ARGV[2])
end
return 0
"""
_RELEASE = """
if redis.call('get', KEYS[1]) == ARGV[1] then
    return redis.call('del', KEYS[1])
end
return 0
"""


class RedisPersonLocks:
    """A lock per person shared by every process using the same Redis database."""

    def __init__(
        self,
        redis: Redis,
        *,
        ttl: float = LOCK_TTL_SECONDS,
        max_wait: float = MAX_WAIT_SECONDS,
    ) -> None:
        self.redis = redis
        self.ttl = ttl
        self.max_wait = max_wait
        self.waits = 0  # acquisitions that found the person busy (observable in tests)
        self._renew = redis.register_script(_RENEW)
        self._release = redis.register_script(_RELEASE)

    @staticmethod
    def key(bot_id: int, user_id: int) -> str:
        return f"serial:{bot_id}:{user_id}"

    @contextlib.asynccontextmanager
    async def hold(self, bot_id: int, user_id: int) -> AsyncIterator[bool]:
        """Yields True while the lock is held, False when it could not be had (gave up)."""
        key = self.key(bot_id, user_id)
        token = uuid.uuid4().hex
        acquired = await self._acquire(key, token, user_id)
        if not acquired:
            yield False
            return
        renewer = asyncio.create_task(self._keep(key, token, user_id))
        try:
            yield True
        finally:
            renewer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await renewer
            try:
                await self._release(keys=[key], args=[token])
            except Exception as error:  # Redis away: the key expires by itself
                log.warning(
                    "person lock of user %s not released: %s", user_id, type(error).__name__
                )

    async def _acquire(self, key: str, token: str, user_id: int) -> bool:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.max_wait
        pause = _POLL_FIRST
        waited = False
        try:
            while not await self.redis.set(key, token, nx=True, px=self._ttl_ms):
                if not waited:
                    waited = True
                    self.waits += 1
                if loop.time() >= deadline:
                    log.warning(
                        "user %s still busy on another replica after %.0f s; going on",
                        user_id,
                        self.max_wait,
                    )
                    return False
                await asyncio.sleep(pause)  # another process holds it: poll, bounded above
                pause = min(pause * 2, _POLL_MAX)
        except Exception as error:
            # Redis is away: the FSM storage fails as well and the update reports it; the
            # in-process lock still holds.
            log.warning("person lock of user %s not taken: %s", user_id, type(error).__name__)
            return False
        return True

    async def _keep(self, key: str, token: str, user_id: int) -> None:
        """Push the expiry forward while the update runs."""
        while True:
            await asyncio.sleep(self.ttl / 3)
            try:
                renewed = await self._renew(keys=[key], args=[token, self._ttl_ms])
            except Exception as error:
                log.warning("person lock of user %s not renewed: %s", user_id, type(error).__name__)
                continue
            if not renewed:
                log.warning("person lock of user %s expired while held", user_id)
                return

    @property
    def _ttl_ms(self) -> int:
        return max(1, int(self.ttl * 1000))


def shared_locks_for(storage: BaseStorage) -> RedisPersonLocks | None:
    """Replicas share the FSM storage; with Redis they share the person locks too."""
    from aiogram.fsm.storage.redis import RedisStorage

    if isinstance(storage, RedisStorage):
        return RedisPersonLocks(storage.redis)
    return None  # the database storage means SQLite or one process: the local lock suffices


class PerUserSerialMiddleware(BaseMiddleware):
    def __init__(self, shared: RedisPersonLocks | None = None) -> None:
        self.shared = shared
        self._locks: dict[int, asyncio.Lock] = {}
        self._waiting: dict[int, int] = {}

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        user = data.get("event_from_user")
        if not isinstance(user, User) or _holding.get() is not None:
            return await handler(event, data)
        key = user.id
        lock = self._locks.setdefault(key, asyncio.Lock())
        self._waiting[key] = self._waiting.get(key, 0) + 1
        try:
            async with lock:
                token = _holding.set(key)
                try:
                    if self.shared is None:
                        return await self._locked(handler, event, data)
                    async with self.shared.hold(data["bot"].id, key):
                        return await self._locked(handler, event, data)
                finally:
                    _holding.reset(token)
        finally:
            # Forget the lock once nobody holds or waits for it: memory stays flat.
            self._waiting[key] -= 1
            if not self._waiting[key]:
                del self._waiting[key]
                self._locks.pop(key, None)

    @staticmethod
    async def _locked(
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        state = data.get("state")
        if isinstance(state, FSMContext) and "raw_state" in data:
            # FSMContextMiddleware read it before this lock; the previous update may have
            # changed it since.
            data["raw_state"] = await state.get_state()
        return await handler(event, data)
