"""The case file (дело семьи) as a DOCX through the bot: a coordinator records the request and
the make-up in /case, presses «📄 Дело (DOCX)», picks the period (a preset, or typed dates with
a kind word for wrong ones), hears «Готовлю…» at once and gets the document after the background
job, which python-docx reads back with what was entered; the note is edited and the case file is
audited; in English the document's words are English. The family's mentor does not see the
button, and a forged press under the mentor's own case window is refused and audited."""

from __future__ import annotations

import io
from datetime import date

from docx import Document
from sqlalchemy import select

from bot.db.models import AuditEntry, Role
from tests.conftest import ADMIN_ID
from tests.e2e.steps import add_visit, link
from tests.faketg import FakeUser
from tests.faketg.core import StoredMessage
from tests.harness import BotHarness

MENTOR_ID = 2001
FAMILY = "Ивановы"
WORDS = "Хочу, чтобы сын снова ходил в школу <и не дрался>"


async def world(app: BotHarness, language: str = "ru") -> tuple[FakeUser, FakeUser, int]:
    admin = await app.admin(ADMIN_ID, first_name="Ольга", language_code=language)
    family_id = await app.add_family(ADMIN_ID, FAMILY)
    mentor = await app.joined(
        MENTOR_ID, await app.invitation(ADMIN_ID, Role.MENTOR), first_name="Пётр"
    )
    await link(app, family_id, MENTOR_ID, "mentor")
    await link(app, family_id, ADMIN_ID, "curator")
    await add_visit(app, family_id, MENTOR_ID, date(2026, 11, 21))
    return admin, mentor, family_id


async def open_case(user: FakeUser) -> None:
    await user.send_command("case")
    await user.press(next(t for t in user.last().button_texts() if t.startswith(FAMILY)))


async def record_intake_ru(admin: FakeUser) -> None:
    """The request and one child, as test_case_intake walks them."""
    await admin.press("📝 Записать обращение")
    await admin.send_text("20.11.2026")
    await admin.press("КДНиЗП")
    await admin.send_text(WORDS)
    await admin.press("▫️ Экономические")
    await admin.press("➡️ Далее")
    await admin.press("кризисный")
    await admin.press("▫️ Неблагоприятное положение ребёнка")
    await admin.press("✅ Сохранить обращение")
    await admin.press("👪 Состав семьи")
    await admin.press("➕ Ребёнок")
    await admin.send_text("Саша")
    await admin.send_text("2015")
    await admin.press("⬅️ К делу")


def bot_messages(app: BotHarness) -> list[StoredMessage]:
    return [m for m in app.fake.chat_messages(ADMIN_ID) if m.from_bot]


def document_text(app: BotHarness, message: StoredMessage) -> str:
    data = app.fake.files.get(message.content["document"]["file_id"]).data
    document = Document(io.BytesIO(data))
    lines = [p.text for p in document.paragraphs]
    for table in document.tables:
        lines.extend(" | ".join(cell.text for cell in row.cells) for row in table.rows)
    return "\n".join(lines)


async def audited(app: BotHarness, action: str) -> list[AuditEntry]:
    async with app.sessionmaker() as session:
        rows = await session.scalars(
            select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)
        )
        return list(rows)


async def test_a_coordinator_gets_the_case_file_as_a_document(app: BotHarness) -> None:
    admin, _mentor, family_id = await world(app)
    await open_case(admin)
    await record_intake_ru(admin)
    assert "📄 Дело (DOCX)" in admin.last().button_texts()

    await admin.press("📄 Дело (DOCX)")
    assert f"Дело (DOCX) семьи «{FAMILY}»" in admin.last_text()
    await admin.press("Другие даты…")
    await admin.send_text("30.11.2026 – 01.11.2026")
    assert "Первая дата позже второй" in admin.last_text()
    await admin.send_photo()  # no text: the same kind word, nothing lost
    assert "01.09.2026 – 30.11.2026" in admin.last_text()
    await admin.press("⬅️ Назад")
    before = len(bot_messages(app))
    await admin.press("Весь случай")
    note = next(m for m in bot_messages(app)[before:] if m.kind == "text")
    assert note.text == "Готовлю дело семьи за 20.11.2026 – 23.11.2026… Пришлю файл сюда."
    assert app.fake.calls_of("sendChatAction")[-1].params["action"] == "upload_document"
    # Back on the case window meanwhile.
    assert any("📄 Дело (DOCX)" in m.button_texts() for m in bot_messages(app))

    await app.settle()
    document = next(m for m in bot_messages(app)[before:] if m.kind == "document")
    assert document.content["document"]["file_name"] == f"delo_{family_id}_2026-11-23.docx"
    assert document.caption == f"Дело семьи № {family_id}, 20.11.2026 – 23.11.2026"
    text = document_text(app, document)
    for line in (
        "Дело семьи",
        f"{FAMILY}, № {family_id}",
        "Дата обращения | 20.11.2026",
        "Как семья пришла в службу | КДНиЗП",
        f"Запрос словами семьи | {WORDS}",
        "Виды трудностей | Экономические",
        "Уровень при обращении: кризисный — Неблагоприятное положение ребёнка",
        "Саша | 2015 | 11 | ребёнок",
        "Визитов: 1, с 21.11.2026 по 21.11.2026; всего часов: 1,0.",
        "Пётр | 1",
        "Наблюдение | 1",
        "Куратор случая | Ольга",
        "Случай открыт.",
    ):
        assert line in text, line
    edited = app.fake.message(ADMIN_ID, note.message_id)
    assert (
        edited is not None
        and edited.text == "Готово: дело семьи за 20.11.2026 – 23.11.2026 — ниже."
    )
    (entry,) = await audited(app, "case.file")
    assert entry.object_id == family_id
    assert entry.details == {"start": "2026-11-20", "end": "2026-11-23"}

    # Typed dates work the same way.
    await admin.press("📄 Дело (DOCX)")
    await admin.press("Другие даты…")
    await admin.send_text("01.11.2026 – 30.11.2026")
    await app.settle()
    captions = [m.caption for m in bot_messages(app) if m.kind == "document"]
    assert captions[-1] == f"Дело семьи № {family_id}, 01.11.2026 – 30.11.2026"
    assert len(await audited(app, "case.file")) == 2
    app.fake.assert_no_violations()


async def test_in_english_the_documents_words_are_english(app: BotHarness) -> None:
    admin, _mentor, family_id = await world(app, language="en")
    await open_case(admin)
    await admin.press("📄 Case file (DOCX)")
    before = len(bot_messages(app))
    await admin.press("This year")
    await app.settle()
    sent = bot_messages(app)[before:]
    note = next(m for m in sent if m.kind == "text")
    assert note.text == "Done: the case file for 01.01.2026 – 31.12.2026 is below."
    document = next(m for m in sent if m.kind == "document")
    text = document_text(app, document)
    assert "Case file of the family" in text and "Not recorded." in text
    assert "Observation | 1" in text and f"{FAMILY}, № {family_id}" in text


async def test_the_mentor_has_no_button_and_a_forged_press_is_refused(app: BotHarness) -> None:
    _admin, mentor, family_id = await world(app)
    await open_case(mentor)
    case_window = mentor.last()
    assert "📄 Дело (DOCX)" not in case_window.button_texts()
    own_intent = case_window.buttons()[0]["callback_data"].split("\x1d")[0]
    sent_before = len(app.fake.calls_of("sendDocument"))
    await mentor.press_forged(f"{own_intent}\x1dcase_file", case_window.message_id)
    answer = app.fake.calls_of("answerCallbackQuery")[-1]
    assert "для вашей роли это недоступно" in answer.params["text"]
    denied = await audited(app, "access.denied")
    assert denied and denied[-1].details == {"attempted": "case.keep"}
    await app.settle()
    assert len(app.fake.calls_of("sendDocument")) == sent_before
    assert not await audited(app, "case.file")
    await mentor.press("👪 Состав семьи")  # the case still works as before
    assert f"Семья «{FAMILY}»: в списке пока никого" in mentor.last_text()
    assert family_id
