"""/deliveries: coordinators see what the bot could not deliver lately and why."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from aiogram import Router
from aiogram.filters import Command
from aiogram.types import Message
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock, zone_or
from bot.config import Settings
from bot.db.models import Person
from bot.handlers.filters import Joined
from bot.i18n import N_
from bot.markup import escape
from bot.services.access import Actor
from bot.services.deliveries import DeliveryOverview, FailedDelivery, Reason, overview

HEADER = N_("<b>Deliveries in the last 7 days</b>")
COUNTS = N_("Waiting to be sent: {pending}\nFailed: {failed}\nRecipient blocked the bot: {blocked}")
LATEST = N_("<b>Latest failed</b>")
NONE_FAILED = N_("No failed deliveries in the last 7 days.")
LINE = N_("• {when} — {purpose} → {recipient}: {reason}")
PERSON_ID = N_("person #{id}")

REASONS = {
    Reason.INTERRUPTED: N_("interrupted by a restart, not resent so as not to send it twice"),
    Reason.DROPPED: N_("the connection dropped while sending; not resent so as not to send twice"),
    Reason.BLOCKED: N_("the recipient blocked the bot"),
    Reason.CHAT_NOT_FOUND: N_("the recipient's chat was not found"),
    Reason.TIMEOUT: N_("Telegram did not answer in time, several attempts"),
    Reason.SERVER: N_("Telegram's servers failed, several attempts"),
    Reason.NETWORK: N_("no connection to Telegram, several attempts"),
    Reason.BAD_REQUEST: N_("Telegram refused the message: {detail}"),
    Reason.RENDER: N_("the message could not be composed"),
    Reason.OTHER: N_("an unexpected error"),
}


def _line(item: FailedDelivery, zone: ZoneInfo) -> str:
    name = escape(item.first_name) if item.first_name else ""
    reason = _(REASONS[item.reason]).format(detail=escape(item.detail or ""))
    return _(LINE).format(
        when=item.due_at.astimezone(zone).strftime("%d.%m %H:%M"),
        purpose=f"<code>{escape(item.purpose)}</code>",
        recipient=name or _(PERSON_ID).format(id=item.person_id),
        reason=reason,
    )


def render_overview(result: DeliveryOverview, zone: ZoneInfo) -> str:
    parts = [
        _(HEADER),
        _(COUNTS).format(pending=result.pending, failed=result.failed, blocked=result.blocked),
    ]
    if result.latest_failed:
        parts.append(_(LATEST) + "\n" + "\n".join(_line(i, zone) for i in result.latest_failed))
    else:
        parts.append(_(NONE_FAILED))
    return "\n\n".join(parts)


async def cmd_deliveries(
    message: Message,
    session: AsyncSession,
    actor: Actor,
    person: Person,
    clock: Clock,
    settings: Settings,
) -> None:
    # Everyone who joined reaches the service: it refuses all but coordinators, audited.
    result = await overview(session, actor, clock.now())
    zone = zone_or(person.timezone if person else None, settings.default_timezone)
    await message.answer(render_overview(result, zone))


def create_router() -> Router:
    router = Router(name=__name__)
    router.message.register(cmd_deliveries, Command("deliveries"), Joined())
    return router
