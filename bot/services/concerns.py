"""Child-safety concerns: alert every coordinator and the curator until someone takes it on.

The schedule is the concern row itself: ``next_alert_at`` says when the next alert is due and
``alerts_sent`` how many went out. A job calls `send_due_alerts` often; each alert is an outbox
row keyed by (recipient, concern, alert number), so a restart or a second replica never sends the
same alert twice.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from bot.db.models import LevelSource, SafetyConcern, SupportLevel
from bot.db.repositories import concerns as concerns_repo
from bot.db.repositories import families as families_repo
from bot.services import audit, families, outbox
from bot.services.access import Action, Actor, authorize, is_allowed
from bot.services.errors import DomainError

log = logging.getLogger(__name__)

PURPOSE = "concern_alert"
KIND = "concern_alert"
OBJECT_TYPE = "concern"
TEXT_MAX = 1500  # what the mentor wrote, as quoted in the alert (the visit keeps it whole)
DUE_BATCH = 200


@dataclass(frozen=True)
class ConcernView:
    """A concern as the alert's buttons need it after a press."""

    concern_id: int
    acknowledged_at: datetime | None
    acknowledged_by_id: int | None
    acknowledged_by_name: str | None
    family_level: str
    can_raise: bool


def total_alerts(settings: Settings) -> int:
    return 1 + settings.concern_max_realerts


async def send_due_alerts(
    session: AsyncSession, now: datetime, settings: Settings, *, limit: int = DUE_BATCH
) -> int:
    """Enqueue every alert that is due; returns how many concerns were alerted."""
    alerted = 0
    for concern_id in await concerns_repo.due_ids(session, now, limit):
        if await alert(session, concern_id, now, settings):
            alerted += 1
    return alerted


async def alert_for_visit(
    session: AsyncSession, visit_id: int, now: datetime, settings: Settings
) -> bool:
    """The first alert of a visit's concern, queued with the visit itself: no wait for the job."""
    concern_id = await concerns_repo.id_for_visit(session, visit_id)
    return concern_id is not None and await alert(session, concern_id, now, settings)


class SavedConcern(StrEnum):
    """What happened to a visit's child-safety concern when the visit was saved (its mentor is
    told in these words, not in a promise of an alert that does not go out)."""

    NONE = "none"  # no concern, none before
    ALERTED = "alerted"  # an alert leaves now
    KEPT = "kept"  # alerted before; the changed note is kept (and in any reminder still due)
    TAKEN_ON = "taken_on"  # a coordinator is on it already; the changed note is kept
    REMOVED = "removed"  # no longer a concern: no more reminders of it
    REMOVED_TAKEN_ON = "removed_taken_on"  # removed, but someone had taken it on


async def after_visit_saved(
    session: AsyncSession,
    visit_id: int,
    *,
    concern: bool,
    had_concern: bool,
    now: datetime,
    settings: Settings,
) -> SavedConcern:
    """After a visit is saved (new or edited): the first alert of a new concern, and what the
    mentor should be told. `had_concern`: the visit had one when the edit began."""
    if concern and await alert_for_visit(session, visit_id, now, settings):
        return SavedConcern.ALERTED
    taken_on = await concerns_repo.taken_on_for_visit(session, visit_id)
    if taken_on is None:
        return SavedConcern.NONE
    if concern:
        return SavedConcern.TAKEN_ON if taken_on else SavedConcern.KEPT
    if not had_concern:
        return SavedConcern.NONE
    return SavedConcern.REMOVED_TAKEN_ON if taken_on else SavedConcern.REMOVED


async def alert(session: AsyncSession, concern_id: int, now: datetime, settings: Settings) -> bool:
    """Enqueue the concern's next alert to every coordinator and its curator, if one is due.

    The visits service may call this right after saving a concern, in the same transaction, so
    the first alert leaves without waiting for the job.
    """
    context = await concerns_repo.alert_context(session, concern_id)
    if context is None:
        return False
    total = total_alerts(settings)
    number = context.alerts_sent + 1
    if number > total:  # the limit was lowered meanwhile
        await concerns_repo.stop_alerts(session, concern_id)
        return False
    next_at = now + timedelta(minutes=settings.concern_realert_minutes) if number < total else None
    if not await concerns_repo.mark_alert_sent(
        session,
        concern_id,
        alerts_sent_before=context.alerts_sent,
        now=now,
        next_alert_at=next_at,
    ):
        return False  # taken on meanwhile, or another worker sent this one
    text = context.text or ""
    if len(text) > TEXT_MAX:
        text = text[: TEXT_MAX - 1] + "…"
    params: dict[str, Any] = {
        "concern_id": concern_id,
        "family": context.family_name,
        "mentor": context.mentor_name,
        "text": text,
        "visit_date": context.visit_date.isoformat(),
        "number": number,
        "total": total,
        "every_minutes": settings.concern_realert_minutes,
    }
    recipients = await concerns_repo.alert_recipients(session, context.family_id)
    for staff in recipients:
        await outbox.enqueue(
            session,
            recipient=outbox.Recipient(staff.person_id, staff.telegram_id),
            purpose=PURPOSE,
            kind=KIND,
            params={**params, "can_raise": staff.is_coordinator},
            now=now,
            object_type=OBJECT_TYPE,
            object_id=concern_id,
            occurrence=str(number),
        )
    log.info("concern %s: alert %s of %s to %s people", concern_id, number, total, len(recipients))
    return True


async def _view(session: AsyncSession, actor: Actor, concern: SafetyConcern) -> ConcernView:
    family = await families_repo.reread(session, concern.family_id)
    assert family is not None
    return ConcernView(
        concern_id=concern.id,
        acknowledged_at=concern.acknowledged_at,
        acknowledged_by_id=concern.acknowledged_by_id,
        acknowledged_by_name=await concerns_repo.acknowledger_name(session, concern),
        family_level=family.support_level,
        can_raise=await is_allowed(session, actor, Action.FAMILY_MANAGE, concern.family_id),
    )


async def _load(session: AsyncSession, actor: Actor | None, concern_id: int) -> SafetyConcern:
    # Rights first, so a made-up id tells a stranger nothing about which concerns exist.
    await authorize(session, actor, Action.CONCERN_ACK, concern_id)
    concern = await concerns_repo.reread(session, concern_id)
    if concern is None:
        raise DomainError("concern_not_found")
    return concern


async def acknowledge(
    session: AsyncSession, actor: Actor | None, concern_id: int, now: datetime
) -> tuple[ConcernView, bool]:
    """Take the concern on: re-alerts stop. Returns the concern and whether this press did it
    (False: someone had already; the view says who and when)."""
    concern = await _load(session, actor, concern_id)
    assert actor is not None
    fresh = await concerns_repo.acknowledge(session, concern_id, actor.person_id, now)
    if fresh:
        await audit.record(
            session,
            actor,
            "concern.acknowledge",
            now,
            object_type=OBJECT_TYPE,
            object_id=concern_id,
        )
    await concerns_repo.reload(session, concern)
    return await _view(session, actor, concern), fresh


async def raise_to_crisis(
    session: AsyncSession, actor: Actor | None, concern_id: int, now: datetime
) -> tuple[ConcernView, bool]:
    """Raise the concern's family to the crisis level (coordinators). Returns the concern and
    whether the level changed (False: it already was crisis)."""
    concern = await _load(session, actor, concern_id)
    assert actor is not None
    changed = await families.set_support_level(
        session, actor, concern.family_id, SupportLevel.CRISIS, now, source=LevelSource.CONCERN
    )
    return await _view(session, actor, concern), changed
