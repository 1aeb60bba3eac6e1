"""«📎 Documents» of the case window: the family's documents (the social passport, the
living-conditions inspection act, the application, the signed consent, others).

The list shows kind · date, newest first, a page at a time; tapping one sends the file to the
chat by its Telegram file id (the bot keeps no copy) and opens its window (coordinators may
remove it there, after a confirmation). «➕ Add a document»: which document → its date (today,
yesterday or typed DD.MM.YYYY) → a photo or a PDF sent in the chat; anything else gets a word
on what to send and nothing is lost.

Every getter and button goes through bot/services/case_documents.py: who may see the documents
(coordinators; the family's mentors only where the service allows it) is checked on every render
and press, every list shown and every document opened is audited, and a document id from a
button must belong to this family.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from aiogram.enums import ContentType
from aiogram.exceptions import TelegramBadRequest
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _
from aiogram_dialog import DialogManager, ShowMode
from aiogram_dialog.widgets.input import MessageInput
from aiogram_dialog.widgets.kbd import Button, Cancel, Row, SwitchTo

from bot.dialogs.case_documents.states import DOCUMENT_ID, FAMILY_ID, DocumentsSG
from bot.dialogs.context import Ctx, ctx
from bot.dialogs.paging import PAGE_SIZE, current_page, page_data, pager, pages
from bot.dialogs.widgets import (
    Dialog,
    Html,
    T,
    Window,
    choices,
    day_input,
    error_text,
    get_input_error,
    input_error_line,
    parse_id,
    shorten,
    show_input_error,
    started_family,
    stored_id,
)
from bot.i18n import N_
from bot.markup import escape
from bot.services import case_documents, families
from bot.services.case_documents import DOCUMENT, PHOTO, DocumentLine, IncomingFile
from bot.services.errors import AccessDenied, DomainError

SCROLL = "documents_scroll"
NOTICE = "notice"
KIND, DATED = "new_kind", "new_dated"
SENT = "sent"  # the id of the document whose file was just sent above its window
OUT_OF_DATE = N_("This button is out of date.")
SEND_WHAT = N_("Please send the document as a photo, or as a PDF file.")
ERRORS = {
    "document_not_found": OUT_OF_DATE,
    "document_kind_unknown": OUT_OF_DATE,
    "family_closed": N_("This family's case is closed: its documents can only be read."),
    "document_too_many": N_(
        "This case already keeps {count} documents, the most it can. Remove one it no longer "
        "needs first."
    ),
    "document_wrong_type": N_(
        "This file is not a PDF or a picture, so it was not saved. Please send the document as "
        "a photo, or as a PDF file."
    ),
    "document_file_missing": SEND_WHAT,
    "document_date_future": N_(
        "That date is still ahead: please send the date written on the document."
    ),
    "document_date_old": N_("That is more than ten years ago: please check the date."),
}
MEDIA_MARKS = {PHOTO: "📷", DOCUMENT: "📄"}
REMOVED_MARK = "🚫"


def _error_text(error: DomainError) -> str:
    return error_text(ERRORS, error, count=case_documents.MAX_DOCUMENTS)


def _family_id(manager: DialogManager) -> int:
    return stored_id(manager, FAMILY_ID, "family_not_found")


def _document_id(manager: DialogManager) -> int:
    return stored_id(manager, DOCUMENT_ID, "document_not_found")


def _mentors_see(c: Ctx) -> bool:
    return c.settings.mentors_see_case_details


def _kind_label(c: Ctx, code: str) -> str:
    return c.content.intake.label("documents", code, c.locale)


def _mark(line: DocumentLine) -> str:
    return REMOVED_MARK if line.removed else MEDIA_MARKS.get(line.media, "📄")


def _day(value: date) -> str:
    return value.strftime("%d.%m.%Y")


def _notice(manager: DialogManager, text: str) -> None:
    manager.dialog_data[NOTICE] = text


def _clear_new(manager: DialogManager) -> None:
    for key in (KIND, DATED):
        manager.dialog_data.pop(key, None)


async def on_start(data: Any, manager: DialogManager) -> None:
    c = ctx(manager)
    family_id = started_family(data)
    await case_documents.require_seeing(c.session, c.actor, family_id, _mentors_see(c))
    manager.dialog_data[FAMILY_ID] = family_id


# --- the list ----------------------------------------------------------------------------------


async def get_list(dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
    c = ctx(dialog_manager)
    family_id = _family_id(dialog_manager)
    page = await current_page(dialog_manager, SCROLL)

    async def read(number: int) -> case_documents.DocumentsPage:
        return await case_documents.listing(
            c.session,
            c.actor,
            family_id,
            _mentors_see(c),
            c.now(),
            offset=number * PAGE_SIZE,
            limit=PAGE_SIZE,
        )

    found = await read(page)
    if not found.rows and page > 0:  # the last one of the last page was removed
        page = pages(found.total) - 1
        await dialog_manager.find(SCROLL).set_page(page)  # type: ignore[union-attr]
        found = await read(page)
    lines, buttons = [], []
    for line in found.rows:
        label = _kind_label(c, line.kind)
        who = f" · {escape(shorten(line.added_by, 40))}" if line.added_by else ""
        lines.append(f"{_mark(line)} {escape(label)} · {_day(line.dated)}{who}")
        buttons.append((f"{_mark(line)} {shorten(label, 40)} · {_day(line.dated)}", str(line.id)))
    return {
        "notice": dialog_manager.dialog_data.pop(NOTICE, ""),
        "name": found.family.name,
        "list": Html("\n".join(lines)),
        "count": len(found.rows),
        "total": found.total,
        "items": buttons,
        "may_add": found.may_add,
        "removed_any": any(line.removed for line in found.rows),
        **page_data(page, found.total),
    }


async def _send_file(
    c: Ctx, callback: CallbackQuery, opened: case_documents.Opened, family: str
) -> bool:
    """The document itself, sent to the viewer's chat by its file id; False if Telegram
    would not send it."""
    assert opened.file_id is not None
    chat_id = callback.message.chat.id if callback.message else callback.from_user.id
    caption = _("📎 {kind} · {date} · family «{family}»").format(
        kind=escape(_kind_label(c, opened.line.kind)),
        date=_day(opened.line.dated),
        family=escape(family),
    )
    try:
        if opened.line.media == PHOTO:
            await c.bot.send_photo(chat_id, photo=opened.file_id, caption=caption)
        else:
            await c.bot.send_document(chat_id, document=opened.file_id, caption=caption)
    except TelegramBadRequest:
        return False
    return True


async def on_document(callback: CallbackQuery, _w: Any, manager: DialogManager, item: str) -> None:
    document_id = parse_id(item)
    if document_id is None:
        manager.show_mode = ShowMode.NO_UPDATE  # not one of our buttons
        return
    c = ctx(manager)
    family_id = _family_id(manager)
    try:
        family = await case_documents.require_seeing(c.session, c.actor, family_id, _mentors_see(c))
        opened = await case_documents.open_document(
            c.session, c.actor, family_id, document_id, _mentors_see(c), c.now()
        )
    except AccessDenied:
        raise
    except DomainError as error:
        _notice(manager, _error_text(error))  # another family's id: forged, or removed meanwhile
        return
    manager.dialog_data[DOCUMENT_ID] = document_id
    manager.dialog_data.pop(SENT, None)
    if opened.file_id is None:  # removed under the data rules: the window says so
        await manager.switch_to(DocumentsSG.document)
        return
    if await _send_file(c, callback, opened, family.name):
        manager.dialog_data[SENT] = document_id
    else:
        _notice(manager, _("Telegram could not send this file. Please add it again."))
    # The window goes below the file, so the file sits right above its buttons.
    await manager.switch_to(DocumentsSG.document, show_mode=ShowMode.SEND)


async def on_add(_c: CallbackQuery, _b: Button, manager: DialogManager) -> None:
    c = ctx(manager)
    try:
        await case_documents.require_adding(c.session, c.actor, _family_id(manager))
    except AccessDenied:
        raise
    except DomainError as error:
        _notice(manager, _error_text(error))
        return
    _clear_new(manager)
    await manager.switch_to(DocumentsSG.kind)


# --- one document ------------------------------------------------------------------------------


async def get_document(dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
    c = ctx(dialog_manager)
    family_id = _family_id(dialog_manager)
    family = await case_documents.require_seeing(c.session, c.actor, family_id, _mentors_see(c))
    line = await case_documents.get(
        c.session, c.actor, family_id, _document_id(dialog_manager), _mentors_see(c)
    )
    media = _("📷 photo") if line.media == PHOTO else _("📄 file")
    added = (
        _("{media} · added {day} by {who}").format(
            media=media, day=_day(line.added_at.date()), who=escape(line.added_by)
        )
        if line.added_by
        else _("{media} · added {day}").format(media=media, day=_day(line.added_at.date()))
    )
    return {
        "notice": dialog_manager.dialog_data.pop(NOTICE, ""),
        "kind": _kind_label(c, line.kind),
        "date": _day(line.dated),
        "name": family.name,
        "added": Html(added),
        "sent": dialog_manager.dialog_data.get(SENT) == line.id and not line.removed,
        "removed": line.removed,
        "may_remove": await case_documents.may_remove(c.session, c.actor, family_id),
    }


async def on_back_to_list(_c: CallbackQuery, _b: Button, manager: DialogManager) -> None:
    for key in (DOCUMENT_ID, SENT):
        manager.dialog_data.pop(key, None)
    await manager.switch_to(DocumentsSG.list)


async def on_remove(_c: CallbackQuery, _b: Button, manager: DialogManager) -> None:
    c = ctx(manager)
    try:
        line = await case_documents.remove(
            c.session, c.require_actor(), _family_id(manager), _document_id(manager), c.now()
        )
    except AccessDenied:
        raise
    except DomainError as error:
        _notice(manager, _error_text(error))
    else:
        _notice(
            manager,
            _("🗑 Removed: «{kind}» of {date}.").format(
                kind=_kind_label(c, line.kind), date=_day(line.dated)
            ),
        )
    for key in (DOCUMENT_ID, SENT):
        manager.dialog_data.pop(key, None)
    await manager.switch_to(DocumentsSG.list)


# --- adding one: the kind, the date, the file ----------------------------------------------------


async def get_kinds(dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
    c = ctx(dialog_manager)
    family = await case_documents.require_adding(c.session, c.actor, _family_id(dialog_manager))
    kinds = [(item.label(c.locale), item.code) for item in c.content.intake.documents]
    return {"name": family.name, "kinds": kinds}


async def on_kind(_c: CallbackQuery, _w: Any, manager: DialogManager, item: str) -> None:
    c = ctx(manager)
    if item not in c.content.intake.codes("documents"):
        manager.show_mode = ShowMode.NO_UPDATE  # not one of our buttons
        return
    manager.dialog_data[KIND] = item
    await manager.switch_to(DocumentsSG.dated)


async def _today(manager: DialogManager) -> date:
    c = ctx(manager)
    family = await case_documents.require_adding(c.session, c.actor, _family_id(manager))
    return families.family_today(family, c.now())


def _new_kind(manager: DialogManager) -> str | None:
    value = manager.dialog_data.get(KIND)
    return value if isinstance(value, str) else None


async def get_days(dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
    c = ctx(dialog_manager)
    today = await _today(dialog_manager)
    yesterday = today - timedelta(days=1)
    return {
        "kind": _kind_label(c, _new_kind(dialog_manager) or ""),
        "days": [
            (_("Today, {day}").format(day=_day(today)), today.isoformat()),
            (_("Yesterday, {day}").format(day=_day(yesterday)), yesterday.isoformat()),
        ],
    }


async def _dated(manager: DialogManager, picked: date) -> None:
    if _new_kind(manager) is None:  # a stale step: start again
        await manager.switch_to(DocumentsSG.kind)
        return
    try:
        case_documents.check_dated(picked, await _today(manager))
    except AccessDenied:
        raise
    except DomainError as error:
        show_input_error(manager, _error_text(error))
        return
    manager.dialog_data[DATED] = picked.isoformat()
    await manager.switch_to(DocumentsSG.file)


on_day, on_date_text = day_input(_dated)


async def get_file_step(dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
    c = ctx(dialog_manager)
    await case_documents.require_adding(c.session, c.actor, _family_id(dialog_manager))
    dated = dialog_manager.dialog_data.get(DATED)
    return {
        "kind": _kind_label(c, _new_kind(dialog_manager) or ""),
        "date": _day(date.fromisoformat(dated)) if isinstance(dated, str) else "—",
    }


def incoming(message: Message) -> IncomingFile | None:
    """The photo (its largest size) or the file in the message; None for anything else."""
    if message.photo:
        largest = max(
            message.photo, key=lambda size: (size.width * size.height, size.file_size or 0)
        )
        return IncomingFile(PHOTO, largest.file_id)
    if message.document is not None:
        document = message.document
        return IncomingFile(DOCUMENT, document.file_id, document.mime_type, document.file_name)
    return None


async def on_file(message: Message, _w: Any, manager: DialogManager) -> None:
    found = incoming(message)
    if found is None:  # a text, a sticker, a voice…: nothing taken, the step says what to send
        show_input_error(manager, _(SEND_WHAT))
        return
    kind, dated = _new_kind(manager), manager.dialog_data.get(DATED)
    if kind is None or not isinstance(dated, str):  # a stale step: start again
        _clear_new(manager)
        await manager.switch_to(DocumentsSG.kind)
        return
    c = ctx(manager)
    try:
        await case_documents.add(
            c.session,
            c.require_actor(),
            _family_id(manager),
            kind,
            date.fromisoformat(dated),
            found,
            c.content.intake.codes("documents"),
            c.now(),
        )
    except AccessDenied:
        raise
    except DomainError as error:
        if error.code in ("document_wrong_type", "document_file_missing"):
            show_input_error(manager, _error_text(error))  # send another one
            return
        _notice(manager, _error_text(error))
        _clear_new(manager)
        await manager.switch_to(DocumentsSG.list)
        return
    _notice(
        manager,
        _("✅ Saved: «{kind}» of {date}.").format(
            kind=_kind_label(c, kind), date=_day(date.fromisoformat(dated))
        ),
    )
    _clear_new(manager)
    await manager.switch_to(DocumentsSG.list)


async def on_cancel_new(_c: CallbackQuery, _b: Button, manager: DialogManager) -> None:
    _clear_new(manager)
    await manager.switch_to(DocumentsSG.list)


CANCEL_NEW = Button(T("✖️ Cancel"), id="doc_new_cancel", on_click=on_cancel_new)


def create_documents_dialog() -> Dialog:
    return Dialog(
        Window(
            T("{notice}\n", when="notice"),
            T("<b>Documents of the family «{name}»</b>"),
            T("(page {page_no} of {pages})", when=lambda d, *_: d["pages"] > 1),
            T("No documents yet.", when=lambda d, *_: not d["total"]),
            T("{list}", when="count"),
            T("\n📷 photo · 📄 file · 🚫 removed under the data rules", when="removed_any"),
            T("\nTap a document and the bot sends it here.", when="count"),
            choices("doc", "items", on_document),
            *pager(SCROLL),
            Button(T("➕ Add a document"), id="doc_add", on_click=on_add, when="may_add"),
            Cancel(T("⬅️ Back"), id="docs_back"),
            state=DocumentsSG.list,
            getter=get_list,
        ),
        Window(
            T("{notice}\n", when="notice"),
            T("<b>{kind}</b> · {date}"),
            T("Family «{name}»"),
            T("{added}"),
            T("\nThe document is above.", when="sent"),
            T(
                "\n🚫 The file was removed under the data rules (consent withdrawn or the "
                "keeping period over); the record of the document stays.",
                when="removed",
            ),
            SwitchTo(T("🗑 Remove"), id="doc_remove", state=DocumentsSG.remove, when="may_remove"),
            Button(T("⬅️ To the documents"), id="doc_back", on_click=on_back_to_list),
            state=DocumentsSG.document,
            getter=get_document,
        ),
        Window(
            T("Remove «{kind}» of {date} from the case of the family «{name}»?"),
            T("The bot will no longer keep it; this cannot be undone."),
            Row(
                Button(T("🗑 Yes, remove"), id="doc_remove_yes", on_click=on_remove),
                SwitchTo(T("✖️ No, keep it"), id="doc_remove_no", state=DocumentsSG.document),
            ),
            state=DocumentsSG.remove,
            getter=get_document,
        ),
        Window(
            T("<b>A new document</b> for the family «{name}»: which one is it?"),
            choices("doc_kind", "kinds", on_kind),
            CANCEL_NEW,
            state=DocumentsSG.kind,
            getter=get_kinds,
        ),
        Window(
            input_error_line(),
            T("«{kind}»: what date is on it? Tap a day or send the date as DD.MM.YYYY."),
            MessageInput(on_date_text, content_types=ContentType.ANY),
            choices("doc_day", "days", on_day, width=2),
            Row(
                SwitchTo(T("⬅️ Back"), id="doc_day_back", state=DocumentsSG.kind),
                CANCEL_NEW,
            ),
            state=DocumentsSG.dated,
            getter=[get_input_error, get_days],
        ),
        Window(
            input_error_line(),
            T("«{kind}» of {date}."),
            T(
                "Now send the document here: a photo of it, or a PDF file (a scan sent as a "
                "file works too)."
            ),
            MessageInput(on_file, content_types=ContentType.ANY),
            Row(
                SwitchTo(T("⬅️ Back"), id="doc_file_back", state=DocumentsSG.dated),
                CANCEL_NEW,
            ),
            state=DocumentsSG.file,
            getter=[get_input_error, get_file_step],
        ),
        on_start=on_start,
    )
