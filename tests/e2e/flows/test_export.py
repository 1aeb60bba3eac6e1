"""/export through the bot and the strict fake: "preparing…" at once, the workbook as a document
after the background job, the note edited; in Russian and English; a 429 on the upload is
waited out; a coordinator who lost the role meanwhile is refused. The review dialog hands
start_export a FileRequest; most tests build that request from the app's own pieces, the last
one goes through /export and the dialog's period step."""

from __future__ import annotations

import io
from datetime import date

import pytest
from openpyxl import load_workbook
from sqlalchemy import delete, select

from bot.db.models import AuditEntry, PersonRole, Role
from bot.handlers.export import start_export
from bot.handlers.review_files import FileRequest
from bot.services.access import Actor
from bot.services.stats import Period, Scope
from tests.conftest import ADMIN_ID
from tests.faketg.core import StoredMessage
from tests.harness import BotHarness
from tests.stats_world import MSK, NOVEMBER, build

BOSS_ID = ADMIN_ID


def request_for(
    app: BotHarness, actor: Actor, locale: str, period: Period = NOVEMBER
) -> FileRequest:
    return FileRequest(
        bot=app.bot,
        chat_id=BOSS_ID,
        actor=actor,
        period=period,
        scope=Scope(),
        locale=locale,
        sessionmaker=app.sessionmaker,
        clock=app.clock,
        i18n=app.dp["i18n"],
        content=app.dp["content"],
        background=app.dp["background"],
    )


async def _ready(app: BotHarness, language: str) -> Actor:
    """The coordinator in the chat, and the known rows of the stats tests in the database."""
    await app.admin(BOSS_ID, language_code=language)
    async with app.sessionmaker() as session:
        await build(session)
        await session.commit()
    return await app.actor(BOSS_ID)


def _document_bytes(app: BotHarness, message: StoredMessage) -> bytes:
    return app.fake.files.get(message.content["document"]["file_id"]).data


def _bot_messages(app: BotHarness) -> list[StoredMessage]:
    return [m for m in app.fake.chat_messages(BOSS_ID) if m.from_bot]


@pytest.mark.parametrize(
    ("language", "preparing", "done", "sheet"),
    [
        ("ru", "Готовлю выгрузку за 01.11.2026 – 30.11.2026", "Готово", "Визиты"),
        ("en", "Preparing the export for 01.11.2026 – 30.11.2026", "Done", "Visits"),
    ],
)
async def test_export_arrives_as_a_workbook(
    app: BotHarness, language: str, preparing: str, done: str, sheet: str
) -> None:
    boss = await _ready(app, language)
    before = len(_bot_messages(app))
    await start_export(request_for(app, boss, language))
    note = _bot_messages(app)[-1]
    assert note.text is not None and note.text.startswith(preparing)
    assert app.fake.calls_of("sendChatAction")[-1].params["action"] == "upload_document"

    await app.settle()
    sent = _bot_messages(app)[before:]
    document = next(m for m in sent if m.kind == "document")
    assert document.content["document"]["file_name"] == "export_2026-11-01_2026-11-30.xlsx"
    book = load_workbook(io.BytesIO(_document_bytes(app, document)))
    assert book[sheet].max_row == 1 + 5  # the five live November visits
    edited = app.fake.message(BOSS_ID, note.message_id)
    assert edited is not None and edited.text is not None and edited.text.startswith(done)
    async with app.sessionmaker() as session:
        audited = await session.scalars(
            select(AuditEntry).where(AuditEntry.action == "data.export")
        )
        assert len(audited.all()) == 1
    app.fake.assert_no_violations()


async def test_an_empty_period_says_there_was_no_data(app: BotHarness) -> None:
    boss = await _ready(app, "ru")
    empty = Period(date(2025, 1, 1), date(2025, 1, 31), MSK)
    await start_export(request_for(app, boss, "ru", empty))
    note = _bot_messages(app)[-1]
    await app.settle()
    edited = app.fake.message(BOSS_ID, note.message_id)
    assert edited is not None and "не было данных" in (edited.text or "")
    assert any(m.kind == "document" for m in _bot_messages(app))


async def test_a_429_on_the_upload_is_waited_out(app: BotHarness) -> None:
    boss = await _ready(app, "ru")
    await start_export(request_for(app, boss, "ru"))
    # Fill the chat's flood window (3 messages per 3 s) right before the upload goes out.
    while not app.fake.seconds_until_room(BOSS_ID):
        await app.bot.send_message(BOSS_ID, "·")
    await app.settle()
    uploads = app.fake.calls_of("sendDocument")
    assert [c.status for c in uploads] == [429, 200]
    assert any(m.kind == "document" for m in _bot_messages(app))
    app.fake.assert_no_violations()


async def test_a_coordinator_who_lost_the_role_is_refused(app: BotHarness) -> None:
    boss = await _ready(app, "ru")
    request = request_for(app, boss, "ru")
    async with app.sessionmaker() as session:
        await session.execute(
            delete(PersonRole).where(
                PersonRole.person_id == boss.person_id,
                PersonRole.role == Role.COORDINATOR.value,
            )
        )
        await session.commit()
    await start_export(request)
    note = _bot_messages(app)[-1]
    await app.settle()
    edited = app.fake.message(BOSS_ID, note.message_id)
    assert edited is not None and "недоступно" in (edited.text or "")
    assert not app.fake.calls_of("sendDocument")


async def test_others_are_answered_while_the_export_is_built(app: BotHarness) -> None:
    boss = await _ready(app, "ru")
    other = app.user(701)
    await start_export(request_for(app, boss, "ru"))
    # The job has not run yet: the handler returned at once and updates keep flowing.
    assert not app.fake.calls_of("sendDocument")
    await other.send_start()
    assert other.last_text()
    await app.settle()
    assert app.fake.calls_of("sendDocument")


async def test_export_through_the_command_and_the_period_dialog(app: BotHarness) -> None:
    boss = await app.admin(BOSS_ID, language_code="en")
    async with app.sessionmaker() as session:
        await build(session)
        await session.commit()
    await boss.send_command("export")
    await boss.press("Other dates…")
    await boss.send_text("01.11.2026 - 30.11.2026")
    note = next(
        m
        for m in _bot_messages(app)
        if (m.text or "").startswith("Preparing the export for 01.11.2026 – 30.11.2026")
    )
    await app.settle()
    document = next(m for m in _bot_messages(app) if m.kind == "document")
    book = load_workbook(io.BytesIO(_document_bytes(app, document)))
    assert book["Visits"].max_row == 1 + 5
    edited = app.fake.message(BOSS_ID, note.message_id)
    assert edited is not None and (edited.text or "").startswith("Done: the export for")
    app.fake.assert_no_violations()
