"""The documents of a family's case: the social passport, the living-conditions inspection act,
the application, the signed consent to personal-data processing, others.

A document is a photo or a file (PDF or a picture) sent in the chat, kept as its Telegram file id
with its kind (a code of content/intake.yaml) and its date; the bot keeps no copy. Withdrawal and
retention blank the file id (the row, its kind and date stay for the case's history); such a
document says so when opened.

Who: coordinators (the curator is one) add and remove them, and see them; the family's mentors
see them only where the service allows it (settings.mentors_see_case_details); nobody else
(bot.services.case_access). Every list shown and every document opened is audited, each time;
the audit keeps ids and codes only.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import CaseDocument, Family
from bot.db.repositories import case_documents as documents_repo
from bot.db.repositories import families as families_repo
from bot.services import audit, case_access
from bot.services.access import Actor
from bot.services.errors import DomainError
from bot.services.families import family_today

PHOTO, DOCUMENT = "photo", "document"
MAX_DOCUMENTS = 100  # per family
MAX_AGE_YEARS = 10  # a document dated earlier than this is a typing slip
FILE_ID_MAX = 256  # the column's width; Telegram's ids are far shorter
OBJECT_DOCUMENT = "case_document"
# A file sent as a document: a PDF or a picture (a scan sent "as a file").
PDF_MIME = "application/pdf"
IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".heic", ".heif", ".webp", ".tif", ".tiff")


@dataclass(frozen=True)
class IncomingFile:
    """What came in the chat: a photo (its largest size) or a document with its mime type and
    name as Telegram gave them."""

    media: str  # PHOTO | DOCUMENT
    file_id: str
    mime_type: str | None = None
    file_name: str | None = None


@dataclass(frozen=True)
class DocumentLine:
    id: int
    kind: str
    dated: date
    media: str
    added_at: datetime
    added_by: str | None  # the name of who added it; None once they are gone
    removed: bool  # the file id was blanked by withdrawal or retention


@dataclass(frozen=True)
class DocumentsPage:
    family: Family
    rows: list[DocumentLine]
    total: int
    may_add: bool  # a coordinator, the family open, under the cap
    may_remove: bool  # a coordinator


@dataclass(frozen=True)
class Opened:
    line: DocumentLine
    file_id: str | None  # None: removed under the data rules


def _line(document: CaseDocument, added_by: str | None) -> DocumentLine:
    return DocumentLine(
        id=document.id,
        kind=document.kind,
        dated=document.dated,
        media=document.media,
        added_at=document.added_at,
        added_by=added_by,
        removed=document.file_id is None,
    )


# --- the rules for what is added ---------------------------------------------------------------


def _is_pdf_or_image(mime_type: str | None, file_name: str | None) -> bool:
    mime = (mime_type or "").lower()
    if mime == PDF_MIME or (mime.startswith("image/") and "svg" not in mime):
        return True
    if mime and mime != "application/octet-stream":
        return False
    # No type given (or a generic one): the name's extension decides.
    name = (file_name or "").lower()
    return name.endswith((".pdf", *IMAGE_EXTENSIONS))


def check_file(file: IncomingFile) -> None:
    """A photo, or a document that is a PDF or a picture; else DomainError."""
    if not file.file_id or len(file.file_id) > FILE_ID_MAX:
        raise DomainError("document_file_missing")
    if file.media == PHOTO:
        return
    if file.media != DOCUMENT or not _is_pdf_or_image(file.mime_type, file.file_name):
        raise DomainError("document_wrong_type")


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def check_dated(dated: date, today: date) -> None:
    """The document's date: not in the future (the family's calendar), not over ten years ago."""
    if dated > today:
        raise DomainError("document_date_future")
    if dated < _years_before(today, MAX_AGE_YEARS):
        raise DomainError("document_date_old")


def check_kind(kind: str, kinds: Collection[str]) -> None:
    if kind not in kinds:
        raise DomainError("document_kind_unknown")


# --- adding ------------------------------------------------------------------------------------


async def require_adding(session: AsyncSession, actor: Actor | None, family_id: int) -> Family:
    """The family, if the actor may add a document to it now (a coordinator; the case open)."""
    family = await case_access.require_keep(session, actor, family_id)
    if family.closed_at is not None:
        raise DomainError("family_closed")
    return family


async def add(
    session: AsyncSession,
    actor: Actor,
    family_id: int,
    kind: str,
    dated: date,
    file: IncomingFile,
    kinds: Collection[str],
    now: datetime,
) -> CaseDocument:
    """Keep a document: `kinds` are the known codes (content.intake.codes("documents"))."""
    family = await require_adding(session, actor, family_id)
    check_kind(kind, kinds)
    check_dated(dated, family_today(family, now))
    check_file(file)
    await families_repo.lock(session, family_id)  # two at once: still within the cap
    if await documents_repo.count_of_family(session, family_id) >= MAX_DOCUMENTS:
        raise DomainError("document_too_many")
    document = CaseDocument(
        family_id=family_id,
        kind=kind,
        dated=dated,
        media=file.media,
        file_id=file.file_id,
        added_at=now,
        added_by_id=actor.person_id,
    )
    session.add(document)
    await session.flush()
    await audit.record(
        session,
        actor,
        "case.document.add",
        now,
        object_type=OBJECT_DOCUMENT,
        object_id=document.id,
        family=family_id,
        kind=kind,
        media=file.media,
    )
    return document


# --- seeing them -------------------------------------------------------------------------------


async def require_seeing(
    session: AsyncSession, actor: Actor | None, family_id: int, mentors_see: bool
) -> Family:
    """The family, if the actor may see its documents (AccessDenied otherwise)."""
    return await case_access.require_details(session, actor, family_id, mentors_see)


async def listing(
    session: AsyncSession,
    actor: Actor | None,
    family_id: int,
    mentors_see: bool,
    now: datetime,
    *,
    offset: int,
    limit: int,
) -> DocumentsPage:
    """One page of the family's documents, newest first; audited each time it is shown."""
    family = await require_seeing(session, actor, family_id, mentors_see)
    total = await documents_repo.count_of_family(session, family_id)
    rows = await documents_repo.page_of_family(session, family_id, offset=offset, limit=limit)
    lines = [_line(document, name) for document, name in rows]
    await audit.record(
        session,
        actor,
        "case.document.list",
        now,
        object_type="family",
        object_id=family_id,
        offset=offset,
        shown=[line.id for line in lines],
    )
    keeper = await case_access.may_keep(session, actor, family_id)
    return DocumentsPage(
        family=family,
        rows=lines,
        total=total,
        may_add=keeper and family.closed_at is None and total < MAX_DOCUMENTS,
        may_remove=keeper,
    )


async def _of_family(session: AsyncSession, family_id: int, document_id: int) -> CaseDocument:
    """The document, which must belong to this family (an id from a button may be forged)."""
    document = await documents_repo.by_id(session, document_id)
    if document is None or document.family_id != family_id:
        raise DomainError("document_not_found")
    return document


async def get(
    session: AsyncSession,
    actor: Actor | None,
    family_id: int,
    document_id: int,
    mentors_see: bool,
) -> DocumentLine:
    """What the document's window shows about it (kind, date, who added it), not the file."""
    await require_seeing(session, actor, family_id, mentors_see)
    document = await _of_family(session, family_id, document_id)
    return _line(document, await documents_repo.adder_name(session, document))


async def open_document(
    session: AsyncSession,
    actor: Actor | None,
    family_id: int,
    document_id: int,
    mentors_see: bool,
    now: datetime,
) -> Opened:
    """The file to send to the viewer (None when removed under the data rules); every opening
    is audited."""
    await require_seeing(session, actor, family_id, mentors_see)
    document = await _of_family(session, family_id, document_id)
    await audit.record(
        session,
        actor,
        "case.document.view",
        now,
        object_type=OBJECT_DOCUMENT,
        object_id=document.id,
        family=family_id,
        kind=document.kind,
    )
    line = _line(document, await documents_repo.adder_name(session, document))
    return Opened(line=line, file_id=document.file_id)


# --- removing ----------------------------------------------------------------------------------


async def may_remove(session: AsyncSession, actor: Actor | None, family_id: int) -> bool:
    return await case_access.may_keep(session, actor, family_id)


async def remove(
    session: AsyncSession, actor: Actor, family_id: int, document_id: int, now: datetime
) -> DocumentLine:
    """Delete the document's row (a coordinator; a closed case's too: it only takes data away).
    Returns what it was, for the notice."""
    await case_access.require_keep(session, actor, family_id)
    document = await _of_family(session, family_id, document_id)
    line = _line(document, None)
    await documents_repo.remove(session, document.id)
    await audit.record(
        session,
        actor,
        "case.document.remove",
        now,
        object_type=OBJECT_DOCUMENT,
        object_id=line.id,
        family=family_id,
        kind=line.kind,
    )
    return line
