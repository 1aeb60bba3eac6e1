"""Every statement on the outbox: queueing once per key, the sender's claims and
compare-and-set transitions, cancelling and blanking queued rows, and the queue reads behind
/deliveries. Queries only; the caller commits."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Text, cast, exists, func, or_, select, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import (
    Family,
    FamilyLink,
    FamilyLinkKind,
    OutboxMessage,
    OutboxStatus,
    Person,
    Visit,
)
from bot.db.upsert import insert_unless_exists, session_dialect

_S = OutboxStatus
KEYS_CHUNK = 500
PENDING = (OutboxStatus.PENDING.value,)
QUEUED = (OutboxStatus.PENDING.value, OutboxStatus.CLAIMED.value)
# Settled rows: nothing will render them again, only their key (dedup) and status (/deliveries)
# are read.
SETTLED = (
    OutboxStatus.SENT.value,
    OutboxStatus.FAILED.value,
    OutboxStatus.BLOCKED.value,
    OutboxStatus.CANCELLED.value,
)
NO_LONGER_NEEDED = "no longer needed"  # last_error of a row cancelled because it became moot
CONSENT_WITHDRAWN = "consent withdrawn"  # last_error of a row cancelled by data protection


def _rowcount(result: Any) -> int:
    return int(result.rowcount or 0) if isinstance(result, CursorResult) else 0


async def _run(session: AsyncSession, statement: Any) -> int:
    return _rowcount(await session.execute(statement.execution_options(synchronize_session=False)))


# --- queueing ------------------------------------------------------------------------------------


async def insert_once(
    session: AsyncSession,
    *,
    dedup_key: str,
    person_id: int,
    chat_id: int,
    purpose: str,
    kind: str,
    params: dict[str, Any],
    due_at: datetime,
    now: datetime,
    object_type: str | None,
    object_id: int | None,
    family_facing: bool,
) -> bool:
    """A pending row unless one with this dedup key exists; True when a row was added."""
    return await insert_unless_exists(
        session,
        OutboxMessage,
        {
            "dedup_key": dedup_key,
            "person_id": person_id,
            "chat_id": chat_id,
            "purpose": purpose,
            "object_type": object_type,
            "object_id": object_id,
            "kind": kind,
            "params": params,
            "family_facing": family_facing,
            "status": OutboxStatus.PENDING,
            "due_at": due_at,
            "attempts": 0,
            "created_at": now,
        },
        [OutboxMessage.dedup_key],
    )


async def existing_keys(session: AsyncSession, keys: Iterable[str]) -> set[str]:
    """Which of these outbox dedup keys are already taken (unique index lookups)."""
    wanted = list(keys)
    found: set[str] = set()
    for start in range(0, len(wanted), KEYS_CHUNK):
        chunk = wanted[start : start + KEYS_CHUNK]
        found.update(
            await session.scalars(
                select(OutboxMessage.dedup_key).where(OutboxMessage.dedup_key.in_(chunk))
            )
        )
    return found


def ever_queued(object_type: str, object_id: Any, purpose: str, key_suffix: str) -> Any:
    """EXISTS: a row of this purpose about the object (a column, to correlate) whose key ends
    with `key_suffix`, whatever its status."""
    return (
        select(OutboxMessage.id)
        .where(
            OutboxMessage.object_type == object_type,
            OutboxMessage.object_id == object_id,
            OutboxMessage.purpose == purpose,
            OutboxMessage.dedup_key.endswith(key_suffix),
        )
        .exists()
    )


# --- the sender ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Claimed:
    id: int
    person_id: int
    chat_id: int
    kind: str
    params: dict[str, Any]
    family_facing: bool
    attempts: int


async def next_due(session: AsyncSession) -> datetime | None:
    due: datetime | None = await session.scalar(
        select(func.min(OutboxMessage.due_at)).where(OutboxMessage.status == _S.PENDING)
    )
    return due


async def recover_expired(
    session: AsyncSession, now: datetime, *, interrupted_error: str
) -> tuple[int, int]:
    """Claims whose lease ran out go back to pending; sends whose lease ran out fail (a request
    may have reached Telegram: never resend). (released, interrupted)."""
    expired = or_(OutboxMessage.lease_until < now, OutboxMessage.lease_until.is_(None))
    released = await _run(
        session,
        update(OutboxMessage)
        .where(OutboxMessage.status == _S.CLAIMED, expired)
        .values(status=_S.PENDING, claimed_by=None, lease_until=None),
    )
    interrupted = await _run(
        session,
        update(OutboxMessage)
        .where(OutboxMessage.status == _S.SENDING, expired)
        .values(status=_S.FAILED, last_error=interrupted_error, lease_until=None),
    )
    return released, interrupted


async def claim(
    session: AsyncSession, *, now: datetime, worker_id: str, lease_until: datetime, limit: int
) -> list[Claimed]:
    """Claim up to `limit` due pending rows for this worker, oldest due first."""
    # PostgreSQL: SKIP LOCKED keeps replicas off each other's rows. SQLite: compiles away; the
    # conditional update below still makes a double claim impossible.
    ids = list(
        (
            await session.scalars(
                select(OutboxMessage.id)
                .where(OutboxMessage.status == _S.PENDING, OutboxMessage.due_at <= now)
                .order_by(OutboxMessage.due_at, OutboxMessage.id)
                .limit(limit)
                .with_for_update(skip_locked=True)
            )
        ).all()
    )
    if not ids:
        return []
    await _run(
        session,
        update(OutboxMessage)
        .where(OutboxMessage.id.in_(ids), OutboxMessage.status == _S.PENDING)
        .values(status=_S.CLAIMED, claimed_by=worker_id, lease_until=lease_until),
    )
    result = await session.execute(
        select(
            OutboxMessage.id,
            OutboxMessage.person_id,
            OutboxMessage.chat_id,
            OutboxMessage.kind,
            OutboxMessage.params,
            OutboxMessage.family_facing,
            OutboxMessage.attempts,
        )
        .where(
            OutboxMessage.id.in_(ids),
            OutboxMessage.status == _S.CLAIMED,
            OutboxMessage.claimed_by == worker_id,
        )
        .order_by(OutboxMessage.due_at, OutboxMessage.id)
    )
    return [Claimed(*tuple(record)) for record in result.all()]


async def mark(
    session: AsyncSession, row_id: int, *, worker_id: str, expect: Sequence[str], **values: Any
) -> bool:
    """Compare-and-set: the row takes `values` only while its status is one of `expect` and
    this worker holds it. True when it did."""
    return (
        await _run(
            session,
            update(OutboxMessage)
            .where(
                OutboxMessage.id == row_id,
                OutboxMessage.status.in_(tuple(expect)),
                OutboxMessage.claimed_by == worker_id,
            )
            .values(**values),
        )
        == 1
    )


async def block_queue(session: AsyncSession, person_id: int, *, except_id: int, error: str) -> int:
    """Every other queued row to a person who blocked the bot is settled as blocked (claimed
    rows too: another worker's mark-sending then finds them settled)."""
    return await _run(
        session,
        update(OutboxMessage)
        .where(
            OutboxMessage.person_id == person_id,
            OutboxMessage.id != except_id,
            OutboxMessage.status.in_((_S.PENDING, _S.CLAIMED)),
        )
        .values(status=_S.BLOCKED, last_error=error, lease_until=None),
    )


# --- cancelling ----------------------------------------------------------------------------------


async def cancel_queued(
    session: AsyncSession,
    object_type: str,
    object_ids: int | Any,
    purposes: Collection[str],
) -> int:
    """Cancel queued messages about an object (one id, or a subquery of ids) that are no longer
    wanted (a reminder after the homework was handed in). A claimed row is cancelled too: its
    sender's compare-and-set then fails and it is not sent."""
    about = (
        OutboxMessage.object_id == object_ids
        if isinstance(object_ids, int)
        else OutboxMessage.object_id.in_(object_ids)
    )
    return await _run(
        session,
        update(OutboxMessage)
        .where(
            OutboxMessage.object_type == object_type,
            about,
            OutboxMessage.purpose.in_(list(purposes)),
            OutboxMessage.status.in_(list(QUEUED)),
        )
        .values(status=OutboxStatus.CANCELLED.value, last_error=NO_LONGER_NEEDED),
    )


async def cancel_rows(
    session: AsyncSession,
    ids: Collection[int],
    *,
    reason: str,
    statuses: Collection[str] = QUEUED,
    blank: bool = False,
) -> int:
    """Cancel these rows while their status is one of `statuses` (a claimed row's sender then
    fails its compare-and-set); `blank` drops their parameters too. Rows cancelled."""
    if not ids:
        return 0
    values: dict[str, Any] = {"status": OutboxStatus.CANCELLED.value, "last_error": reason}
    if blank:
        values["params"] = {}
    return await _run(
        session,
        update(OutboxMessage)
        .where(OutboxMessage.id.in_(list(ids)), OutboxMessage.status.in_(list(statuses)))
        .values(**values),
    )


async def moot_family_reminders(session: AsyncSession, purposes: Collection[str]) -> list[int]:
    """Pending reminders about a family that no longer need sending: the case was closed, the
    mentor is no longer linked, or a visit was logged after the reminder was queued."""
    visited = exists().where(
        Visit.family_id == OutboxMessage.object_id,
        Visit.recorded_at >= OutboxMessage.created_at,
        Visit.deleted_at.is_(None),
    )
    linked = exists().where(
        FamilyLink.family_id == OutboxMessage.object_id,
        FamilyLink.person_id == OutboxMessage.person_id,
        FamilyLink.kind == FamilyLinkKind.MENTOR.value,
    )
    closed = exists().where(Family.id == OutboxMessage.object_id, Family.closed_at.is_not(None))
    rows = await session.scalars(
        select(OutboxMessage.id).where(
            OutboxMessage.status == OutboxStatus.PENDING.value,
            OutboxMessage.purpose.in_(list(purposes)),
            OutboxMessage.object_type == "family",
            visited | closed | ~linked,
        )
    )
    return list(rows)


# --- folding a notice into a waiting one ---------------------------------------------------------


async def waiting_params(
    session: AsyncSession, purpose: str, object_type: str, object_ids: Collection[int]
) -> dict[int, list[tuple[int, dict[str, Any]]]]:
    """Queued rows of this purpose about these objects: object id -> [(row id, params)], oldest
    first."""
    waiting: dict[int, list[tuple[int, dict[str, Any]]]] = {}
    for row_id, object_id, params in await session.execute(
        select(OutboxMessage.id, OutboxMessage.object_id, OutboxMessage.params)
        .where(
            OutboxMessage.purpose == purpose,
            OutboxMessage.object_type == object_type,
            OutboxMessage.object_id.in_(list(object_ids)),
            OutboxMessage.status.in_(list(QUEUED)),
        )
        .order_by(OutboxMessage.id)
    ):
        waiting.setdefault(int(object_id), []).append((int(row_id), dict(params or {})))
    return waiting


async def latest_ids(
    session: AsyncSession, purpose: str, object_type: str, object_ids: Collection[int]
) -> dict[int, int]:
    """Object id -> its newest row of this purpose, whatever the status."""
    rows = await session.execute(
        select(OutboxMessage.object_id, func.max(OutboxMessage.id))
        .where(
            OutboxMessage.purpose == purpose,
            OutboxMessage.object_type == object_type,
            OutboxMessage.object_id.in_(list(object_ids)),
        )
        .group_by(OutboxMessage.object_id)
    )
    return {int(object_id or 0): int(row_id) for object_id, row_id in rows.all()}


# --- putting cancelled rows back -----------------------------------------------------------------


async def cancelled_as_moot(
    session: AsyncSession, *, object_type: str, object_id: int, purpose: str, person_id: int
) -> list[tuple[int, str]]:
    """(row id, dedup key) of rows to this person about the object cancelled because they
    became moot (cancel_queued), not for data protection."""
    rows = await session.execute(
        select(OutboxMessage.id, OutboxMessage.dedup_key).where(
            OutboxMessage.object_type == object_type,
            OutboxMessage.object_id == object_id,
            OutboxMessage.purpose == purpose,
            OutboxMessage.person_id == person_id,
            OutboxMessage.status == OutboxStatus.CANCELLED.value,
            OutboxMessage.last_error == NO_LONGER_NEEDED,
        )
    )
    return [(int(row_id), str(key)) for row_id, key in rows.all()]


async def requeue(
    session: AsyncSession, row_id: int, *, params: dict[str, Any], due_at: datetime
) -> None:
    """A settled row goes back to the queue as new: pending, no attempts, no claim, no error."""
    await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == row_id)
        .values(
            params=params,
            attempts=0,
            status=OutboxStatus.PENDING.value,
            due_at=due_at,
            claimed_by=None,
            lease_until=None,
            last_error=None,
        )
    )


# --- blanking ------------------------------------------------------------------------------------


def _params_kept() -> Any:
    """The row still holds parameters ({} once blanked). Compared as text: PostgreSQL's json
    has no equality operator."""
    return cast(OutboxMessage.params, Text) != "{}"


async def cancel_and_blank_for(
    session: AsyncSession, person_id: int, *, invitation_ids: Any, reason: str = CONSENT_WITHDRAWN
) -> int:
    """Rows to the person, or about these invitations (ids, or a subquery), are cancelled while
    queued (a claimed one too: the sender's compare-and-set then fails), and every such row
    loses its parameters. Rows cancelled."""
    theirs = OutboxMessage.person_id == person_id
    naming_them = (OutboxMessage.object_type == "invitation") & OutboxMessage.object_id.in_(
        invitation_ids
    )
    cancelled = await _run(
        session,
        update(OutboxMessage)
        .where(theirs | naming_them, OutboxMessage.status.in_(QUEUED))
        .values(status=OutboxStatus.CANCELLED.value, last_error=reason),
    )
    await _run(session, update(OutboxMessage).where(theirs | naming_them).values(params={}))
    return cancelled


async def with_params(
    session: AsyncSession,
    *,
    purposes: Collection[str],
    object_type: str | None = None,
    object_ids: Collection[int] | None = None,
) -> list[tuple[int, str, dict[str, Any]]]:
    """(id, status, params) of rows of these purposes (about these objects) that still hold
    parameters, whatever their status."""
    if object_ids is not None and not object_ids:
        return []
    query = select(OutboxMessage.id, OutboxMessage.status, OutboxMessage.params).where(
        OutboxMessage.purpose.in_(list(purposes)), _params_kept()
    )
    if object_type is not None:
        query = query.where(OutboxMessage.object_type == object_type)
    if object_ids is not None:
        query = query.where(OutboxMessage.object_id.in_(list(object_ids)))
    rows = await session.execute(query.order_by(OutboxMessage.id))
    return [(int(i), str(status), dict(params or {})) for i, status, params in rows.all()]


async def rewrite_params(
    session: AsyncSession, row_id: int, params: dict[str, Any], *, cancel: bool = False
) -> None:
    """New parameters for one row. A queued row is cancelled (cancel) or, if a sender has
    claimed it, handed back to the queue: that sender's compare-and-set then fails, and the
    next claim renders the new parameters. A row being sent cannot be stopped."""
    await _run(
        session, update(OutboxMessage).where(OutboxMessage.id == row_id).values(params=params)
    )
    if cancel:
        await cancel_rows(session, [row_id], reason=CONSENT_WITHDRAWN)
        return
    await _run(
        session,
        update(OutboxMessage)
        .where(OutboxMessage.id == row_id, OutboxMessage.status == OutboxStatus.CLAIMED.value)
        .values(status=OutboxStatus.PENDING.value, claimed_by=None, lease_until=None),
    )


async def settled_with_params(
    session: AsyncSession, cutoff: datetime, after_id: int, limit: int
) -> list[int]:
    """Settled rows (sent, failed, blocked, cancelled) before `cutoff` that still hold their
    parameters, in id order after `after_id`; on PostgreSQL a second replica skips the rows
    this one holds."""
    postgres = session.bind is not None and session_dialect(session) == "postgresql"
    # SQLite would take the (status, due_at) index and sort all old rows for every batch; an
    # expression on status makes it walk the primary key from the cursor, each row once a run.
    status = OutboxMessage.status if postgres else OutboxMessage.status.concat("")
    query = (
        select(OutboxMessage.id)
        .where(
            OutboxMessage.id > after_id,
            status.in_(SETTLED),
            func.coalesce(OutboxMessage.sent_at, OutboxMessage.due_at) < cutoff,
            _params_kept(),
        )
        .order_by(OutboxMessage.id)
        .limit(limit)
    )
    if postgres:
        query = query.with_for_update(skip_locked=True)
    return [int(x) for x in await session.scalars(query)]


async def blank_params(session: AsyncSession, ids: Collection[int]) -> int:
    """Drop the parameters of these settled rows; key, purpose, object, status and times stay."""
    if not ids:
        return 0
    return await _run(
        session,
        update(OutboxMessage)
        .where(OutboxMessage.id.in_(list(ids)), OutboxMessage.status.in_(SETTLED), _params_kept())
        .values(params={}),
    )


# --- /deliveries ---------------------------------------------------------------------------------


async def counts_since(session: AsyncSession, since: datetime) -> dict[str, int]:
    result = await session.execute(
        select(OutboxMessage.status, func.count())
        .where(OutboxMessage.created_at >= since)
        .group_by(OutboxMessage.status)
    )
    return {str(status): int(count) for status, count in result.all()}


async def latest_failed(
    session: AsyncSession, since: datetime, limit: int
) -> list[tuple[int, str, int, str, datetime, str | None]]:
    """(row id, purpose, person id, display name, due at, last error), newest first."""
    result = await session.execute(
        select(
            OutboxMessage.id,
            OutboxMessage.purpose,
            OutboxMessage.person_id,
            Person.display_name,
            OutboxMessage.due_at,
            OutboxMessage.last_error,
        )
        .join(Person, Person.id == OutboxMessage.person_id)
        .where(OutboxMessage.status == OutboxStatus.FAILED, OutboxMessage.created_at >= since)
        .order_by(OutboxMessage.due_at.desc(), OutboxMessage.id.desc())
        .limit(limit)
    )
    return [tuple(row) for row in result.all()]  # type: ignore[misc]
