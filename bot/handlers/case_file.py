"""The case file (дело семьи) as a DOCX, made beside the updates like /export.

The coordinator hears "preparing…" at once; the document is built in the background (one heavy
file at a time per process: the context in one read transaction, the rendering in a thread),
sent as a document, and the "preparing…" message is edited to say how it went. Logs carry ids
and exception types only: the document is personal data.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

from aiogram import Bot
from aiogram.enums import ChatAction
from aiogram.types import BufferedInputFile
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot import texts
from bot.background import BackgroundWork
from bot.clock import Clock, local_date
from bot.content import Content
from bot.delivery.retry import with_retry_after
from bot.handlers.file_notes import edit_or_say, say, show_progress
from bot.i18n import N_, Translator
from bot.i18n.telegram import I18n
from bot.services import audit
from bot.services import case_file as case_file_service
from bot.services.access import Action, Actor
from bot.services.errors import AccessDenied, DomainError
from bot.services.stats import Period

log = logging.getLogger(__name__)

PREPARING = N_("Preparing the case file for {period}… I'll send it here.")
QUEUED = N_("Another file is being prepared; the case file is next ({period}).")
DONE = N_("Done: the case file for {period} is below.")
CAPTION = N_("Case file of family № {family}, {period}")
FAILED = N_("Could not prepare the case file, please try again later.")


@dataclass(frozen=True)
class CaseFileRequest:
    bot: Bot
    chat_id: int
    actor: Actor
    family_id: int
    period: Period  # the family's calendar
    locale: str
    sessionmaker: async_sessionmaker[AsyncSession]
    clock: Clock
    i18n: I18n
    content: Content
    background: BackgroundWork


def _period_text(period: Period) -> str:
    return f"{period.start:%d.%m.%Y} – {period.end:%d.%m.%Y}"


def _text(request: CaseFileRequest, t: Translator, msgid: str) -> str:
    return t.gettext(msgid).format(period=_period_text(request.period), family=request.family_id)


async def _allowed(request: CaseFileRequest) -> bool:
    """Checked before any work starts; a refusal is audited and told at once."""
    async with request.sessionmaker.begin() as session:
        try:
            await case_file_service.require(session, request.actor, request.family_id)
        except DomainError:
            await audit.record(
                session,
                request.actor,
                "access.denied",
                request.clock.now(),
                attempted=Action.CASE_KEEP.value,
                object_type="family",
                object_id=request.family_id,
            )
            return False
    return True


async def start_case_file(request: CaseFileRequest) -> None:
    """Say "preparing…", then build and send the case file in the background."""
    t = Translator(request.i18n, request.locale)
    if not await _allowed(request):
        await say(request, t.gettext(texts.NOT_ALLOWED))
        return
    await show_progress(request, ChatAction.UPLOAD_DOCUMENT)
    note = await with_retry_after(
        request.clock,
        lambda: request.bot.send_message(request.chat_id, _text(request, t, PREPARING)),
    )
    request.background.spawn(
        _job(request, t, note.message_id), name=f"case_file:{request.actor.person_id}"
    )


async def _job(request: CaseFileRequest, t: Translator, note_id: int) -> None:
    try:
        heavy = request.background.heavy
        if heavy.locked():
            await edit_or_say(request, note_id, _text(request, t, QUEUED))
        async with heavy:
            await show_progress(request, ChatAction.UPLOAD_DOCUMENT)
            data, name = await _build(request, t)
        document = BufferedInputFile(data, filename=name)
        await with_retry_after(
            request.clock,
            lambda: request.bot.send_document(
                request.chat_id, document, caption=_text(request, t, CAPTION)
            ),
        )
    except AccessDenied:
        await edit_or_say(request, note_id, t.gettext(texts.NOT_ALLOWED))
        return
    except Exception as exc:
        log.error(
            "case file of family %s for person %s failed: %s",
            request.family_id,
            request.actor.person_id,
            type(exc).__name__,
        )
        await edit_or_say(request, note_id, t.gettext(FAILED))
        return
    await edit_or_say(request, note_id, _text(request, t, DONE))


async def _build(request: CaseFileRequest, t: Translator) -> tuple[bytes, str]:
    now = request.clock.now()
    async with request.sessionmaker.begin() as session:
        context = await case_file_service.build(
            session,
            request.actor,
            request.family_id,
            request.period,
            content=request.content,
            locale=request.locale,
            gettext=t.gettext,
            now=now,
        )
    data = await asyncio.to_thread(case_file_service.render, request.content.case_file, context)
    day = local_date(now, request.period.timezone)
    return data, case_file_service.filename(request.family_id, day)
