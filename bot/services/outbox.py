"""Everything the bot sends on its own is queued here first; the sender delivers it later."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.repositories import outbox as outbox_repo


@dataclass(frozen=True)
class Recipient:
    person_id: int
    chat_id: int


def dedup_key(
    person_id: int, purpose: str, object_type: str | None, object_id: int | None, occurrence: str
) -> str:
    return f"{person_id}:{purpose}:{object_type or '-'}:{object_id or 0}:{occurrence}"


async def enqueue(
    session: AsyncSession,
    *,
    recipient: Recipient,
    purpose: str,
    kind: str,
    params: dict[str, Any],
    now: datetime,
    due_at: datetime | None = None,
    object_type: str | None = None,
    object_id: int | None = None,
    occurrence: str = "",
    family_facing: bool = False,
) -> bool:
    """Queue one message; the same (recipient, purpose, object, occurrence) twice is a no-op.

    Returns True when a new row was added.
    """
    return await outbox_repo.insert_once(
        session,
        dedup_key=dedup_key(recipient.person_id, purpose, object_type, object_id, occurrence),
        person_id=recipient.person_id,
        chat_id=recipient.chat_id,
        purpose=purpose,
        kind=kind,
        params=params,
        due_at=due_at or now,
        now=now,
        object_type=object_type,
        object_id=object_id,
        family_facing=family_facing,
    )
