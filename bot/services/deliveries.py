"""/deliveries: what the outbox could not deliver lately, and why, in words a coordinator reads."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import OutboxStatus
from bot.db.repositories import outbox as outbox_repo
from bot.services import audit
from bot.services.access import Action, Actor, authorize

WINDOW = timedelta(days=7)
LATEST = 10


class Reason(StrEnum):
    """What went wrong, from the sender's `last_error` (bot/delivery/sender.py writes them)."""

    INTERRUPTED = "interrupted"  # the bot stopped mid-send: the outcome is unknown
    DROPPED = "dropped"  # the connection dropped mid-send: the outcome is unknown
    BLOCKED = "blocked"
    CHAT_NOT_FOUND = "chat_not_found"
    TIMEOUT = "timeout"
    SERVER = "server"  # Telegram answered 5xx every time
    NETWORK = "network"
    BAD_REQUEST = "bad_request"  # Telegram refused the message; `detail` says why
    RENDER = "render"  # the message could not be composed
    OTHER = "other"


# Prefixes of the sender's reasons, most specific first.
_PREFIXES = (
    ("interrupted: connection dropped", Reason.DROPPED),
    ("interrupted", Reason.INTERRUPTED),
    ("recipient blocked the bot", Reason.BLOCKED),
    ("chat not found", Reason.CHAT_NOT_FOUND),
    ("timeout", Reason.TIMEOUT),
    ("server error", Reason.SERVER),
    ("network", Reason.NETWORK),
    ("render", Reason.RENDER),
    ("unknown kind", Reason.RENDER),
    ("error:", Reason.OTHER),
    ("bad request", Reason.BAD_REQUEST),
)


def reason_of(last_error: str | None) -> tuple[Reason, str | None]:
    """The reason and, for a refusal by Telegram, its description (never user text)."""
    text = (last_error or "").strip()
    lowered = text.lower()
    for prefix, reason in _PREFIXES:
        if lowered.startswith(prefix):
            return reason, (text if reason is Reason.BAD_REQUEST else None)
    return (Reason.BAD_REQUEST, text) if text else (Reason.OTHER, None)


@dataclass(frozen=True)
class FailedDelivery:
    outbox_id: int
    purpose: str
    person_id: int
    first_name: str
    due_at: datetime
    reason: Reason
    detail: str | None


@dataclass(frozen=True)
class DeliveryOverview:
    since: datetime
    pending: int
    failed: int
    blocked: int
    latest_failed: list[FailedDelivery]


async def overview(session: AsyncSession, actor: Actor | None, now: datetime) -> DeliveryOverview:
    """Counts of the last 7 days (by when the message was queued) and the latest failures."""
    await authorize(session, actor, Action.DELIVERIES_VIEW)
    since = now - WINDOW
    counts = await outbox_repo.counts_since(session, since)
    pending = sum(
        counts.get(status, 0)
        for status in (OutboxStatus.PENDING, OutboxStatus.CLAIMED, OutboxStatus.SENDING)
    )
    latest = [
        FailedDelivery(
            outbox_id=row_id,
            purpose=purpose,
            person_id=person_id,
            first_name=(name.split() or [""])[0],
            due_at=due_at,
            reason=reason_of(last_error)[0],
            detail=reason_of(last_error)[1],
        )
        for row_id, purpose, person_id, name, due_at, last_error in (
            await outbox_repo.latest_failed(session, since, LATEST)
        )
    ]
    result = DeliveryOverview(
        since=since,
        pending=pending,
        failed=counts.get(OutboxStatus.FAILED, 0),
        blocked=counts.get(OutboxStatus.BLOCKED, 0),
        latest_failed=latest,
    )
    await audit.record(
        session,
        actor,
        "deliveries.view",
        now,
        failed=result.failed,
        blocked=result.blocked,
        pending=result.pending,
    )
    return result
