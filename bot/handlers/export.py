"""/export: the raw data of a period as an XLSX workbook.

The coordinator hears "preparing…" at once; the workbook is built beside the updates (one heavy
file at a time per process), sent as a document, and the "preparing…" message is edited to say
how it went. Logs carry ids and exception types only: the data is personal.
"""

from __future__ import annotations

import contextlib
import logging
import tempfile
from pathlib import Path

from aiogram.enums import ChatAction
from aiogram.exceptions import TelegramBadRequest
from aiogram.types import FSInputFile, Message

from bot.delivery.retry import with_retry_after
from bot.handlers.review_files import FileRequest
from bot.i18n import N_
from bot.services.errors import AccessDenied
from bot.services.export import ExportSummary, export_filename, write_workbook
from bot.texts import NOT_ALLOWED

log = logging.getLogger(__name__)

PREPARING = N_("Preparing the export for {period}… I'll send the file here.")
QUEUED = N_("Another export is being prepared; yours is next ({period}).")
DONE = N_("Done: the export for {period} is below.")
DONE_EMPTY = N_("Done. There was no data for {period}: the sheets below have headers only.")
CAPTION = N_("Export for {period}")
FAILED = N_("Could not prepare the export, please try again later.")


def _period_text(request: FileRequest) -> str:
    period = request.period
    return f"{period.start:%d.%m.%Y} – {period.end:%d.%m.%Y}"


def _text(request: FileRequest, msgid: str) -> str:
    return request.i18n.gettext(msgid, locale=request.locale).format(period=_period_text(request))


async def start_export(request: FileRequest) -> None:
    """Say "preparing…", then build and send the workbook in the background."""
    bot, chat_id = request.bot, request.chat_id
    await bot.send_chat_action(chat_id, ChatAction.UPLOAD_DOCUMENT)
    note = await with_retry_after(
        request.clock, lambda: bot.send_message(chat_id, _text(request, PREPARING))
    )
    request.background.spawn(_export_job(request, note), name="export")


async def _export_job(request: FileRequest, note: Message) -> None:
    with tempfile.TemporaryDirectory(prefix="export_") as directory:
        path = Path(directory) / export_filename(request.period)
        try:
            summary = await _build(request, note, path)
        except AccessDenied:
            await _edit(request, note, NOT_ALLOWED)
            return
        except Exception as exc:
            await _fail(request, note, exc)
            return
        try:
            await _send(request, summary)
        except Exception as exc:
            await _fail(request, note, exc)
            return
    await _edit(request, note, DONE_EMPTY if summary.empty else DONE)


async def _build(request: FileRequest, note: Message, path: Path) -> ExportSummary:
    heavy = request.background.heavy
    if heavy.locked():
        await _edit(request, note, QUEUED)
    async with heavy:
        await request.bot.send_chat_action(request.chat_id, ChatAction.UPLOAD_DOCUMENT)
        return await write_workbook(
            request.sessionmaker,
            request.actor,
            request.period,
            locale=request.locale,
            gettext=lambda msgid: request.i18n.gettext(msgid, locale=request.locale),
            content=request.content,
            path=path,
            now=request.clock.now(),
            scope=request.scope,
        )


async def _send(request: FileRequest, summary: ExportSummary) -> None:
    document = FSInputFile(summary.path, filename=summary.path.name)
    await with_retry_after(
        request.clock,
        lambda: request.bot.send_document(
            request.chat_id, document, caption=_text(request, CAPTION)
        ),
    )


async def _fail(request: FileRequest, note: Message, exc: Exception) -> None:
    log.error("export for person %s failed: %s", request.actor.person_id, type(exc).__name__)
    await _edit(request, note, FAILED)


async def _edit(request: FileRequest, note: Message, msgid: str) -> None:
    # The note may have been deleted meanwhile; the document itself then says enough.
    with contextlib.suppress(TelegramBadRequest):
        await with_retry_after(
            request.clock,
            lambda: request.bot.edit_message_text(
                _text(request, msgid), chat_id=request.chat_id, message_id=note.message_id
            ),
        )
