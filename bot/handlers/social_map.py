"""The child's social map as a picture: one snapshot, or two compared. Drawn beside the updates,
one heavy job at a time, and sent as a photo, the way /charts sends its pictures."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

from aiogram import Bot
from aiogram.enums import ChatAction
from aiogram.exceptions import TelegramAPIError
from aiogram.types import BufferedInputFile
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot import texts
from bot.background import BackgroundWork
from bot.clock import Clock
from bot.db.models import Relation
from bot.delivery.retry import with_retry_after
from bot.i18n import N_, Translator
from bot.i18n.telegram import I18n
from bot.labels import RELATIONS
from bot.markup import escape
from bot.services import audit, social_maps
from bot.services.access import Actor
from bot.services.errors import AccessDenied, DomainError
from bot.services.social_maps import Comparison

log = logging.getLogger(__name__)

TIE_NATURES = {
    "supportive": N_("supportive"),
    "neutral": N_("neutral"),
    "conflictual": N_("conflictual"),
}
RINGS = N_("Circles: 1 closest … 3 furthest")
MAP_TITLE = N_("Social map: {child}, {day}")
COMPARISON_TITLE = N_("{child}: {before} → {after}")
MAP_CAPTION = N_("Social map of {child}, {day}: {n} people.")
COMPARISON_CAPTION = N_("{child}: the map of {before} compared with {after}.")
MAP_FAILED = N_("Sorry, the map could not be drawn. Please try again a little later.")
MAP_GONE = N_("This map was not found.")


@dataclass(frozen=True)
class MapPictureRequest:
    bot: Bot
    chat_id: int
    actor: Actor
    locale: str
    sessionmaker: async_sessionmaker[AsyncSession]
    clock: Clock
    i18n: I18n
    background: BackgroundWork
    map_id: int
    earlier_id: int | None = None  # set: compare that snapshot with map_id


def day(value: object) -> str:
    return value.strftime("%d.%m.%Y") if hasattr(value, "strftime") else str(value)


def relation_label(t: Translator, code: str) -> str:
    try:
        return t.gettext(RELATIONS[Relation(code)])
    except ValueError:
        return code


def comparison_lines(comparison: Comparison, gettext: Translator) -> list[str]:
    """The figures of a comparison, for the picture and the caption."""
    _ = gettext.gettext
    return [
        _("Came closer: {closer} · moved away: {further}").format(
            closer=len(comparison.closer), further=len(comparison.further)
        ),
        _("Appeared: {appeared} · left the map: {left}").format(
            appeared=len(comparison.appeared), left=len(comparison.left)
        ),
        _("Supportive ties: {before} → {after} (gained {gained}, lost {lost})").format(
            before=comparison.supportive_before,
            after=comparison.supportive_after,
            gained=len(comparison.supportive_gained),
            lost=len(comparison.supportive_lost),
        ),
        _("Conflictual ties: {before} → {after} (ended {lost}, new {gained})").format(
            before=comparison.conflictual_before,
            after=comparison.conflictual_after,
            lost=len(comparison.conflictual_lost),
            gained=len(comparison.conflictual_gained),
        ),
    ]


async def start_picture(request: MapPictureRequest) -> None:
    """The "sending a photo…" sign, then the drawing job beside the updates."""
    try:
        await request.bot.send_chat_action(request.chat_id, ChatAction.UPLOAD_PHOTO)
    except TelegramAPIError as exc:
        log.info("chat action for person %s: %s", request.actor.person_id, type(exc).__name__)
    request.background.spawn(_job(request), name=f"social_map:{request.actor.person_id}")


async def _say(request: MapPictureRequest, text: str) -> None:
    await with_retry_after(request.clock, lambda: request.bot.send_message(request.chat_id, text))


async def _job(request: MapPictureRequest) -> None:
    t = Translator(request.i18n, request.locale)
    try:
        async with request.background.heavy:
            png, caption, name = await _draw(request, t)
        photo = BufferedInputFile(png, filename=name)
        await with_retry_after(
            request.clock,
            lambda: request.bot.send_photo(request.chat_id, photo, caption=caption),
        )
    except AccessDenied:
        await _say(request, t.gettext(texts.NOT_ALLOWED))
    except DomainError:
        await _say(request, t.gettext(MAP_GONE))
    except Exception as exc:
        log.error(
            "social map for person %s failed: %s", request.actor.person_id, type(exc).__name__
        )
        await _say(request, t.gettext(MAP_FAILED))


async def _draw(request: MapPictureRequest, t: Translator) -> tuple[bytes, str, str]:
    # matplotlib only when the first picture is asked for (see bot/services/charts.py).
    from bot.services import social_map_pictures as pictures

    now = request.clock.now()
    async with request.sessionmaker.begin() as session:
        later = await social_maps.snapshot(session, request.actor, request.map_id, now)
        earlier = (
            await social_maps.snapshot(session, request.actor, request.earlier_id, now)
            if request.earlier_id is not None
            else None
        )
        await audit.record(
            session,
            request.actor,
            "social_map.picture",
            now,
            object_type=social_maps.OBJECT,
            object_id=later.id,
            compared_with=earlier.id if earlier else None,
        )
    natures = {code: t.gettext(word) for code, word in TIE_NATURES.items()}
    child = later.child_name
    if earlier is None:
        labels = pictures.Labels(
            title=t.gettext(MAP_TITLE).format(child=child, day=day(later.taken_on)),
            child=child,
            relation=lambda code: relation_label(t, code),
            natures=natures,
            rings=t.gettext(RINGS),
            numbers=[],
        )
        png = await asyncio.to_thread(pictures.render_snapshot, later.people, labels)
        caption = t.gettext(MAP_CAPTION).format(
            child=escape(child), day=day(later.taken_on), n=len(later.people)
        )
        return png, caption, "social_map.png"
    comparison = social_maps.compare(earlier.people, later.people)
    lines = comparison_lines(comparison, t)
    labels = pictures.Labels(
        title=t.gettext(COMPARISON_TITLE).format(
            child=child, before=day(earlier.taken_on), after=day(later.taken_on)
        ),
        child=child,
        relation=lambda code: relation_label(t, code),
        natures=natures,
        rings=t.gettext(RINGS),
        numbers=lines,
    )
    png = await asyncio.to_thread(pictures.render_comparison, comparison, labels)
    heading = t.gettext(COMPARISON_CAPTION).format(
        child=escape(child), before=day(earlier.taken_on), after=day(later.taken_on)
    )
    caption = "\n".join([heading, *(escape(line) for line in lines)])
    return png, caption, "social_map_comparison.png"
