"""The documents of a family's case at the service level: adding (kind, date, file type, the cap,
an open case), the list newest first, opening (audited every time, a blanked file says so),
removing, and who may do what (coordinators; mentors only where the service allows; never
parents); an id of another family's document is refused."""

from __future__ import annotations

from collections.abc import Awaitable
from datetime import date, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.content import Content
from bot.db.models import AuditEntry, CaseDocument, Family, FamilyLink, Role, SupportLevel
from bot.services import case_documents as docs
from bot.services import families
from bot.services.access import Actor
from bot.services.case_documents import DOCUMENT, PHOTO, IncomingFile
from bot.services.errors import AccessDenied
from tests.factories import make_person
from tests.unit.meeting_setup import NOW, raises, setup

KINDS = Content().intake.codes("documents")
TODAY = date(2026, 11, 23)  # NOW in Moscow
SCAN = IncomingFile(PHOTO, "AgACPHOfile-1")
PDF = IncomingFile(DOCUMENT, "BQACDOCfile-2", "application/pdf", "акт.pdf")


async def attach(session: AsyncSession, actor: Actor, family_id: int, kind: str) -> None:
    session.add(
        FamilyLink(family_id=family_id, person_id=actor.person_id, kind=kind, created_at=NOW)
    )
    await session.flush()


async def audits(session: AsyncSession, action: str) -> list[AuditEntry]:
    found = await session.scalars(
        select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)
    )
    return list(found)


async def listed(session: AsyncSession, actor: Actor, family_id: int, **kw: bool) -> list[int]:
    page = await docs.listing(
        session, actor, family_id, kw.get("mentors_see", False), NOW, offset=0, limit=50
    )
    return [line.id for line in page.rows]


async def test_a_coordinator_adds_lists_opens_and_removes(session: AsyncSession) -> None:
    boss, family_id = await setup(session)
    passport = await docs.add(
        session, boss, family_id, "social_passport", date(2026, 11, 1), SCAN, KINDS, NOW
    )
    act = await docs.add(session, boss, family_id, "living_conditions", TODAY, PDF, KINDS, NOW)
    older = await docs.add(session, boss, family_id, "consent", date(2020, 1, 9), SCAN, KINDS, NOW)
    assert (passport.media, passport.file_id) == (PHOTO, SCAN.file_id)
    assert (act.media, act.file_id, act.added_by_id) == (DOCUMENT, PDF.file_id, boss.person_id)

    page = await docs.listing(session, boss, family_id, False, NOW, offset=0, limit=2)
    assert [line.id for line in page.rows] == [act.id, passport.id]  # newest date first
    assert page.total == 3 and page.may_add and page.may_remove
    assert page.rows[0].added_by == "P1" and not page.rows[0].removed
    page = await docs.listing(session, boss, family_id, False, NOW, offset=2, limit=2)
    assert [line.id for line in page.rows] == [older.id]

    opened = await docs.open_document(session, boss, family_id, act.id, False, NOW)
    assert opened.file_id == PDF.file_id and opened.line.kind == "living_conditions"
    await docs.open_document(session, boss, family_id, act.id, False, NOW)
    views = await audits(session, "case.document.view")
    assert [(v.object_id, v.details) for v in views] == [
        (act.id, {"family": family_id, "kind": "living_conditions"})
    ] * 2  # every view, ids and codes only
    lists = await audits(session, "case.document.list")
    assert [v.object_id for v in lists] == [family_id, family_id]
    (added, *_rest) = await audits(session, "case.document.add")
    assert added.details == {"family": family_id, "kind": "social_passport", "media": "photo"}

    removed = await docs.remove(session, boss, family_id, older.id, NOW)
    assert removed.kind == "consent"
    assert await listed(session, boss, family_id) == [act.id, passport.id]
    (entry,) = await audits(session, "case.document.remove")
    assert (entry.object_id, entry.details) == (older.id, {"family": family_id, "kind": "consent"})
    await raises("document_not_found", docs.remove(session, boss, family_id, older.id, NOW))


async def test_what_is_refused_when_adding(session: AsyncSession) -> None:
    boss, family_id = await setup(session)

    def add(
        kind: str = "application", dated: date = TODAY, file: IncomingFile = SCAN
    ) -> Awaitable[CaseDocument]:
        return docs.add(session, boss, family_id, kind, dated, file, KINDS, NOW)

    await raises("document_kind_unknown", add(kind="passport_of_mars"))
    await raises("document_date_future", add(dated=TODAY + timedelta(days=1)))
    await raises("document_date_old", add(dated=date(2016, 11, 22)))
    await add(dated=date(2016, 11, 23))  # exactly ten years ago is still fine
    for wrong in (
        IncomingFile(DOCUMENT, "x", "application/msword", "a.doc"),
        IncomingFile(DOCUMENT, "x", "image/svg+xml", "a.svg"),
        IncomingFile(DOCUMENT, "x", None, "a.exe"),
        IncomingFile("voice", "x", "audio/ogg"),
        IncomingFile("sticker", "x"),
    ):
        await raises("document_wrong_type", add(file=wrong))
    await raises("document_file_missing", add(file=IncomingFile(PHOTO, "")))
    await raises("document_file_missing", add(file=IncomingFile(PHOTO, "x" * 257)))
    for fine in (
        IncomingFile(DOCUMENT, "y", "image/jpeg", "скан.jpg"),
        IncomingFile(DOCUMENT, "y", None, "акт.PDF"),
        IncomingFile(DOCUMENT, "y", "application/octet-stream", "скан.png"),
    ):
        await add(file=fine)
    assert len(await listed(session, boss, family_id)) == 4

    # The cap, and a closed case takes no more.
    for _ in range(docs.MAX_DOCUMENTS - 4):
        session.add(
            CaseDocument(
                family_id=family_id,
                kind="other",
                dated=TODAY,
                media=PHOTO,
                file_id="z",
                added_at=NOW,
            )
        )
    await session.flush()
    await raises("document_too_many", add())
    page = await docs.listing(session, boss, family_id, False, NOW, offset=0, limit=1)
    assert not page.may_add and page.may_remove
    family = await session.get(Family, family_id)
    assert family is not None
    family.closed_at = NOW
    await raises("family_closed", add())
    page = await docs.listing(session, boss, family_id, False, NOW, offset=0, limit=1)
    assert not page.may_add and page.may_remove
    assert not await audits(session, "access.denied")


async def test_who_sees_the_documents(session: AsyncSession) -> None:
    boss, family_id = await setup(session)
    document = await docs.add(session, boss, family_id, "consent", TODAY, SCAN, KINDS, NOW)
    mentor = await make_person(session, 2, Role.MENTOR, now=NOW)
    await attach(session, mentor, family_id, "mentor")
    stranger = await make_person(session, 3, Role.MENTOR, now=NOW)
    parent = await make_person(session, 4, Role.PARENT, now=NOW)
    await attach(session, parent, family_id, "parent")

    # The family's mentor: not by default; reads (never keeps) when the service allows it.
    with pytest.raises(AccessDenied):
        await listed(session, mentor, family_id)
    with pytest.raises(AccessDenied):
        await docs.open_document(session, mentor, family_id, document.id, False, NOW)
    assert await listed(session, mentor, family_id, mentors_see=True) == [document.id]
    page = await docs.listing(session, mentor, family_id, True, NOW, offset=0, limit=5)
    assert not page.may_add and not page.may_remove
    opened = await docs.open_document(session, mentor, family_id, document.id, True, NOW)
    assert opened.file_id == SCAN.file_id
    (view,) = await audits(session, "case.document.view")
    assert view.actor_id == mentor.person_id
    with pytest.raises(AccessDenied):
        await docs.add(session, mentor, family_id, "consent", TODAY, SCAN, KINDS, NOW)
    with pytest.raises(AccessDenied):
        await docs.remove(session, mentor, family_id, document.id, NOW)

    # A parent of the family and a mentor of other families: never.
    for someone in (parent, stranger):
        for mentors_see in (False, True):
            with pytest.raises(AccessDenied):
                await listed(session, someone, family_id, mentors_see=mentors_see)
            with pytest.raises(AccessDenied):
                await docs.get(session, someone, family_id, document.id, mentors_see)
            with pytest.raises(AccessDenied):
                await docs.open_document(session, someone, family_id, document.id, mentors_see, NOW)
        with pytest.raises(AccessDenied):
            await docs.require_adding(session, someone, family_id)
    assert len(await audits(session, "case.document.view")) == 1
    assert await session.get(CaseDocument, document.id) is not None


async def test_an_id_of_another_familys_document_is_refused(session: AsyncSession) -> None:
    boss, family_id = await setup(session)
    other = await docs.add(session, boss, family_id, "consent", TODAY, SCAN, KINDS, NOW)
    second_family = await setup_second(session, boss)
    await raises(
        "document_not_found", docs.open_document(session, boss, second_family, other.id, False, NOW)
    )
    await raises("document_not_found", docs.get(session, boss, second_family, other.id, False))
    await raises("document_not_found", docs.remove(session, boss, second_family, other.id, NOW))
    await raises("document_not_found", docs.get(session, boss, family_id, 999_999, False))
    assert not await audits(session, "case.document.view")
    assert await session.get(CaseDocument, other.id) is not None


async def setup_second(session: AsyncSession, boss: Actor) -> int:
    family = await families.add(
        session,
        boss,
        name="Петровы",
        category="tzhs",
        support_level=SupportLevel.BASIC,
        timezone="Europe/Moscow",
        known_categories={"tzhs"},
        now=NOW,
    )
    return family.id


async def test_a_blanked_file_says_it_was_removed(session: AsyncSession) -> None:
    boss, family_id = await setup(session)
    document = await docs.add(session, boss, family_id, "application", TODAY, PDF, KINDS, NOW)
    document.file_id = None  # what withdrawal and retention do
    await session.flush()
    opened = await docs.open_document(session, boss, family_id, document.id, False, NOW)
    assert opened.file_id is None and opened.line.removed
    (line,) = (await docs.listing(session, boss, family_id, False, NOW, offset=0, limit=5)).rows
    assert line.removed and line.kind == "application"
    assert len(await audits(session, "case.document.view")) == 1


def test_the_date_rule_on_29_february() -> None:
    docs.check_dated(date(2018, 2, 28), date(2028, 2, 29))
    with pytest.raises(Exception, match="document_date_old"):
        docs.check_dated(date(2018, 2, 27), date(2028, 2, 29))
