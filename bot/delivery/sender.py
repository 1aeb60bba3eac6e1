"""The outbox sender: claims due rows, renders them for the recipient, sends within the limits.

Row life cycle (every transition is a compare-and-set on status and ``claimed_by``, committed on
its own, so a worker that lost its lease can never overwrite another worker's decision)::

    pending --claim--> claimed --slot reached--> sending --ok--> sent
       ^                  |                         |--403--> blocked (and the person's queue)
       |                  |                         |--400--> failed
       +-- put back ------+ (quiet hours, busy chat)
       +-- 429 / 5xx / timeout / refused (backoff) -+
                                                    |--dropped mid-send--> failed (interrupted)

Delivery is *at most once*: a row found ``sending`` after its lease ran out (the worker died while
a request may have been in flight) is marked failed, never resent. A reminder twice is worse than
a reminder missed and logged. The same holds for a connection that dropped after the request
left: the row fails as "interrupted" instead of being retried.
"""

from __future__ import annotations

import asyncio
import logging
import math
import os
import socket
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import aiohttp
from aiogram import Bot
from aiogram.exceptions import (
    TelegramAPIError,
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
    TelegramUnauthorizedError,
)
from aiogram.types import Message
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock, zone_or
from bot.config import Settings
from bot.content import Content
from bot.db.models import OutboxStatus
from bot.db.repositories import outbox as outbox_repo
from bot.db.repositories import people as people_repo
from bot.db.repositories.outbox import Claimed as _Row
from bot.delivery.ratelimit import Deferred, RateLimiter, Reservation
from bot.delivery.render import KindRegistry, Outgoing, TranslatorFactory, UnknownKind
from bot.delivery.render import registry as default_registry
from bot.delivery.retry import caller_handles_retry_after
from bot.services.quiet_hours import next_allowed_time

log = logging.getLogger(__name__)

ERROR_MAX_LENGTH = 255  # the outbox's last_error
INTERRUPTED = "interrupted: outcome unknown"
UNKNOWN_KIND = "unknown kind"
CHAT_NOT_FOUND = "chat not found"
RECIPIENT_BLOCKED = "recipient blocked the bot"
DROPPED = "interrupted: connection dropped, outcome unknown"
TIMEOUT = "timeout"
SERVER_ERROR = "server error"
NETWORK_ERROR = "network"

_S = OutboxStatus


@dataclass
class DeliveryStats:
    """Counters since the sender started, for metrics and the bench."""

    claimed: int = 0
    sent: int = 0
    retried_429: int = 0
    retried_network: int = 0
    deferred_quiet: int = 0
    deferred_chat: int = 0
    blocked: int = 0
    failed: int = 0
    recovered_claims: int = 0
    interrupted: int = 0


@dataclass(frozen=True)
class _Recipient:
    locale: str | None
    timezone: str
    blocked: bool


def default_worker_id() -> str:
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def _after(moment: datetime, seconds: float) -> datetime:
    # Whole milliseconds plus a margin: a row must never come due a hair before its slot is
    # free (float noise between datetimes and monotonic seconds), or it would bounce again.
    return moment + timedelta(milliseconds=math.ceil(max(0.0, seconds) * 1000 + 0.5))


def _clip(text: str) -> str:
    return text if len(text) <= ERROR_MAX_LENGTH else text[: ERROR_MAX_LENGTH - 1] + "…"


def _may_have_arrived(exc: BaseException) -> bool:
    # aiogram wraps aiohttp's error as the cause. Failing to connect means nothing was sent;
    # a disconnect, reset or broken payload after connecting means the request may have arrived.
    cause = exc.__cause__
    if isinstance(cause, aiohttp.ClientConnectorError):
        return False
    return isinstance(
        cause,
        (aiohttp.ServerDisconnectedError, aiohttp.ClientOSError, aiohttp.ClientPayloadError),
    )


def _transient_reason(exc: BaseException) -> str:
    if isinstance(exc, TimeoutError) or isinstance(exc.__cause__, TimeoutError):
        return TIMEOUT
    if isinstance(exc, TelegramServerError):
        return f"{SERVER_ERROR}: {exc.message}"
    detail = exc.message if isinstance(exc, TelegramAPIError) else type(exc).__name__
    return f"{NETWORK_ERROR}: {detail}"


class OutboxSender:
    def __init__(
        self,
        bot: Bot,
        sessionmaker: async_sessionmaker[AsyncSession],
        clock: Clock,
        settings: Settings,
        translator_factory: TranslatorFactory,
        worker_id: str | None = None,
        *,
        content: Content,
        registry: KindRegistry | None = None,
        limiter: RateLimiter | None = None,
        lease_seconds: float | None = None,
        concurrency: int = 8,
        request_timeout: int = 20,
        max_backoff_seconds: float = 300.0,
    ) -> None:
        """``lease_seconds`` must exceed ``request_timeout`` so a live worker's row is never
        taken over mid-request; ``concurrency`` bounds sends in flight within a batch."""
        self._bot = bot
        self._sessionmaker = sessionmaker
        self._clock = clock
        self._settings = settings
        self._translator_factory = translator_factory
        self._content = content  # what renderers registered with_content read
        self.worker_id = (worker_id or default_worker_id())[:64]
        self._registry = default_registry if registry is None else registry
        self.limiter = limiter or RateLimiter(
            clock, settings.delivery_rate_per_second, settings.delivery_chat_interval_seconds
        )
        self._lease = timedelta(
            seconds=settings.delivery_lease_seconds if lease_seconds is None else lease_seconds
        )
        self._concurrency = max(1, concurrency)
        self._request_timeout = request_timeout
        self._max_backoff = max_backoff_seconds
        self._lock = asyncio.Lock()
        self._semaphore = asyncio.Semaphore(self._concurrency)
        self.stats = DeliveryStats()

    # ------------------------------------------------------------------ loop entry points

    async def run_once(self) -> int:
        """One round: recover expired leases, claim a batch of due rows, deliver them.

        Returns the number of rows claimed (0: nothing was due). Overlapping calls in one
        process run one after the other.
        """
        async with self._lock:
            now = self._clock.now()
            await self._recover(now)
            rows = await self._claim(now)
            if not rows:
                return 0
            self.stats.claimed += len(rows)
            people = await self._load_people({row.person_id for row in rows})
            tasks: list[asyncio.Task[None]] = []
            try:
                for row in rows:
                    await self._semaphore.acquire()
                    try:
                        task = await self._dispatch(row, people.get(row.person_id))
                    except BaseException:
                        self._semaphore.release()
                        raise
                    if task is None:
                        self._semaphore.release()
                    else:
                        tasks.append(task)
            finally:
                results = await asyncio.gather(*tasks, return_exceptions=True)
                for result in results:
                    if isinstance(result, BaseException):
                        log.error("outbox delivery task crashed", exc_info=result)
            return len(rows)

    async def drain(self, max_rounds: int = 10_000, *, max_idle_wait: float | None = None) -> int:
        """Run rounds until no pending row is left, sleeping (on the clock) until the next one
        is due. ``max_idle_wait``: stop instead of sleeping longer than this. Returns rows
        claimed in total."""
        total = 0
        for _ in range(max_rounds):
            claimed = await self.run_once()
            total += claimed
            if claimed:
                continue
            next_due = await self.next_due()
            if next_due is None:
                return total
            wait = (next_due - self._clock.now()).total_seconds()
            if max_idle_wait is not None and wait > max_idle_wait:
                return total
            await self._clock.sleep(max(wait, 0.001))
        return total

    async def next_due(self) -> datetime | None:
        async with self._sessionmaker() as session:
            return await outbox_repo.next_due(session)

    # ------------------------------------------------------------------ claiming

    async def _recover(self, now: datetime) -> None:
        async with self._sessionmaker() as session, session.begin():
            released, interrupted = await outbox_repo.recover_expired(
                session, now, interrupted_error=INTERRUPTED
            )
        if count := released:
            self.stats.recovered_claims += count
            log.warning("outbox: %d expired claims handed back", count)
        if count := interrupted:
            self.stats.interrupted += count
            self.stats.failed += count
            log.warning("outbox: %d interrupted sends marked failed", count)

    async def _claim(self, now: datetime) -> list[_Row]:
        async with self._sessionmaker() as session, session.begin():
            return await outbox_repo.claim(
                session,
                now=now,
                worker_id=self.worker_id,
                lease_until=now + self._lease,
                limit=self._settings.delivery_batch_size,
            )

    async def _load_people(self, person_ids: set[int]) -> dict[int, _Recipient]:
        async with self._sessionmaker() as session:
            return {
                pid: _Recipient(locale, timezone, blocked)
                for pid, locale, timezone, blocked in await people_repo.delivery_profiles(
                    session, person_ids
                )
            }

    # ------------------------------------------------------------------ per-row decisions

    async def _dispatch(self, row: _Row, person: _Recipient | None) -> asyncio.Task[None] | None:
        """Decide about one claimed row; returns the send task, or None when settled here."""
        now = self._clock.now()
        if person is None or person.blocked:
            await self._settle(row, _S.BLOCKED, RECIPIENT_BLOCKED, expect=(_S.CLAIMED,))
            return None

        if row.family_facing:
            allowed = self._quiet_hours_end(now, person.timezone)
            if allowed > now:
                self.stats.deferred_quiet += 1
                log.debug("outbox %d (%s): quiet hours, due %s", row.id, row.kind, allowed)
                await self._release(row, allowed, expect=(_S.CLAIMED,))
                return None

        # Only chats that are free get their row rendered and a slot booked.
        chat_wait = self.limiter.chat_wait(row.chat_id)
        if chat_wait > 0:
            self.stats.deferred_chat += 1
            await self._release(row, _after(now, chat_wait), expect=(_S.CLAIMED,))
            return None

        try:
            translator = self._translator_factory(person.locale or self._settings.default_locale)
            outgoing = self._registry.render(row.kind, row.params, translator, self._content)
        except UnknownKind:
            log.error("outbox %d: unknown kind %s", row.id, row.kind)
            await self._settle(row, _S.FAILED, UNKNOWN_KIND, expect=(_S.CLAIMED,))
            return None
        except Exception as exc:
            log.exception("outbox %d (%s): rendering failed", row.id, row.kind)
            reason = f"render: {type(exc).__name__}"
            await self._settle(row, _S.FAILED, reason, expect=(_S.CLAIMED,))
            return None

        booked = self.limiter.reserve(row.chat_id)
        if isinstance(booked, Deferred):
            if booked.reason == "chat":
                self.stats.deferred_chat += 1
            await self._release(row, _after(now, booked.seconds), expect=(_S.CLAIMED,))
            return None
        return asyncio.create_task(self._deliver(row, outgoing, booked))

    def _quiet_hours_end(self, now: datetime, timezone: str) -> datetime:
        start, end = self._settings.quiet_hours_start, self._settings.quiet_hours_end
        zone = zone_or(timezone, self._settings.default_timezone)
        return next_allowed_time(now, zone, start, end)

    async def _deliver(self, row: _Row, outgoing: Outgoing, booked: Reservation) -> None:
        try:
            async with self.limiter.turn(booked) as slot:
                if isinstance(slot, Deferred):  # a long 429 pause began after booking
                    due = _after(self._clock.now(), slot.seconds)
                    await self._release(row, due, expect=(_S.CLAIMED,))
                    return
                # Marked inside the turn, sent right after it: no other sender's wait runs
                # between the slot and the request.
                if not await self._mark_sending(row):
                    log.warning("outbox %d: claim lost before sending, skipped", row.id)
                    return
            await self._send(row, outgoing)
        finally:
            self._semaphore.release()

    async def _request(self, row: _Row, outgoing: Outgoing) -> Message:
        common: dict[str, Any] = {
            "chat_id": row.chat_id,
            "reply_markup": outgoing.reply_markup,
            "disable_notification": outgoing.disable_notification,
            "request_timeout": self._request_timeout,
        }
        caption = outgoing.text or None
        if outgoing.media == "photo" and outgoing.file_id:
            return await self._bot.send_photo(photo=outgoing.file_id, caption=caption, **common)
        if outgoing.media == "voice" and outgoing.file_id:
            return await self._bot.send_voice(voice=outgoing.file_id, caption=caption, **common)
        if outgoing.media == "document" and outgoing.file_id:
            return await self._bot.send_document(
                document=outgoing.file_id, caption=caption, **common
            )
        return await self._bot.send_message(text=outgoing.text, **common)

    async def _send(self, row: _Row, outgoing: Outgoing) -> None:
        try:
            with caller_handles_retry_after():
                message = await self._request(row, outgoing)
        except TelegramRetryAfter as exc:
            # Telegram refused it, so it was not sent: back in the queue, never lost.
            self.stats.retried_429 += 1
            self.limiter.pause(exc.retry_after)
            log.warning("outbox %d: 429, retry in %ss", row.id, exc.retry_after)
            await self._release(
                row, _after(self._clock.now(), exc.retry_after), expect=(_S.SENDING,)
            )
        except TelegramForbiddenError as exc:
            await self._on_forbidden(row, exc)
        except TelegramBadRequest as exc:
            reason = CHAT_NOT_FOUND if CHAT_NOT_FOUND in exc.message.lower() else exc.message
            log.warning("outbox %d (%s): bad request, failed", row.id, row.kind)
            await self._settle(row, _S.FAILED, reason, expect=(_S.SENDING,))
        except TelegramUnauthorizedError:
            # The token is wrong or revoked: every row would fail alike. Keep them queued.
            log.error("outbox %d: bot token rejected, delivery paused", row.id)
            self.limiter.pause(60)
            await self._release(row, _after(self._clock.now(), 60), expect=(_S.SENDING,))
        except (TelegramNetworkError, TelegramServerError, TimeoutError) as exc:
            await self._on_transient(row, exc)
        except TelegramAPIError as exc:
            log.warning("outbox %d (%s): %s, failed", row.id, row.kind, type(exc).__name__)
            await self._settle(row, _S.FAILED, exc.message, expect=(_S.SENDING,))
        except Exception as exc:
            log.exception("outbox %d (%s): unexpected error while sending", row.id, row.kind)
            reason = f"error: {type(exc).__name__}"
            await self._settle(row, _S.FAILED, reason, expect=(_S.SENDING,))
        else:
            await self._mark_sent(row, message.message_id)

    async def _on_transient(self, row: _Row, exc: BaseException) -> None:
        if _may_have_arrived(exc):
            # The connection dropped after the request left: Telegram may have delivered it.
            # Same rule as for a crashed worker: never resend blindly.
            log.warning("outbox %d (%s): connection dropped mid-send, failed", row.id, row.kind)
            self.stats.interrupted += 1
            await self._settle(
                row, _S.FAILED, DROPPED, expect=(_S.SENDING,), attempts=row.attempts + 1
            )
            return
        # Connection refused, a 5xx, a timeout: Telegram refused or never processed it in the
        # common case, so it is retried with backoff a bounded number of times. A timeout can
        # hide a delivery Telegram completed late; we accept that rare duplicate over a loss.
        attempts = row.attempts + 1
        reason = _transient_reason(exc)
        if attempts >= self._settings.delivery_max_attempts:
            log.warning("outbox %d (%s): network errors, giving up", row.id, row.kind)
            await self._settle(row, _S.FAILED, reason, expect=(_S.SENDING,), attempts=attempts)
            return
        backoff = min(2.0**attempts, self._max_backoff)
        self.stats.retried_network += 1
        log.info("outbox %d: network error, attempt %d, retry in %ss", row.id, attempts, backoff)
        await self._release(
            row,
            _after(self._clock.now(), backoff),
            expect=(_S.SENDING,),
            attempts=attempts,
            error=reason,
        )

    async def _on_forbidden(self, row: _Row, exc: TelegramForbiddenError) -> None:
        now = self._clock.now()
        async with self._sessionmaker() as session, session.begin():
            await people_repo.mark_blocked_by_id(session, row.person_id, now)
            this = await outbox_repo.mark(
                session,
                row.id,
                worker_id=self.worker_id,
                expect=(_S.SENDING,),
                status=_S.BLOCKED,
                last_error=_clip(exc.message),
                lease_until=None,
            )
            others = await outbox_repo.block_queue(
                session, row.person_id, except_id=row.id, error=RECIPIENT_BLOCKED
            )
        count = int(this) + others
        self.stats.blocked += count
        log.info(
            "outbox %d: person %d blocked the bot, %d rows blocked", row.id, row.person_id, count
        )

    # ------------------------------------------------------------------ transitions

    async def _apply(self, row_id: int, expect: Sequence[str], **values: Any) -> bool:
        async with self._sessionmaker() as session, session.begin():
            return await outbox_repo.mark(
                session, row_id, worker_id=self.worker_id, expect=expect, **values
            )

    async def _mark_sending(self, row: _Row) -> bool:
        return await self._apply(
            row.id,
            (_S.CLAIMED,),
            status=_S.SENDING,
            lease_until=self._clock.now() + self._lease,
        )

    async def _mark_sent(self, row: _Row, message_id: int) -> None:
        # Also over a "failed: interrupted" set by a worker that thought this one dead: the
        # message did go out, and that is what the row must say.
        ok = await self._apply(
            row.id,
            (_S.SENDING, _S.FAILED),
            status=_S.SENT,
            sent_at=self._clock.now(),
            telegram_message_id=message_id,
            lease_until=None,
            last_error=None,
        )
        self.stats.sent += 1
        if not ok:
            log.error("outbox %d: sent as message %d but the row had moved on", row.id, message_id)
        log.debug("outbox %d (%s): sent", row.id, row.kind)

    async def _release(
        self,
        row: _Row,
        due_at: datetime,
        *,
        expect: Sequence[str],
        attempts: int | None = None,
        error: str | None = None,
    ) -> None:
        values: dict[str, Any] = {
            "status": _S.PENDING,
            "due_at": due_at,
            "claimed_by": None,
            "lease_until": None,
        }
        if attempts is not None:
            values["attempts"] = attempts
        if error is not None:
            values["last_error"] = _clip(error)
        await self._apply(row.id, expect, **values)

    async def _settle(
        self,
        row: _Row,
        status: OutboxStatus,
        reason: str,
        *,
        expect: Sequence[str],
        attempts: int | None = None,
    ) -> None:
        values: dict[str, Any] = {
            "status": status,
            "last_error": _clip(reason),
            "lease_until": None,
        }
        if attempts is not None:
            values["attempts"] = attempts
        if await self._apply(row.id, expect, **values):
            if status == _S.BLOCKED:
                self.stats.blocked += 1
            elif status == _S.FAILED:
                self.stats.failed += 1
