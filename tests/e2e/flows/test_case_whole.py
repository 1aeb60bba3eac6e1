"""A family's case walked end to end through the bot, as the issue describes it: the request and
the make-up, the preliminary assessment, a document photo, the plan approved, a consilium whose
decision becomes a plan task and which sets the next review, the parting planned, the family's
own words and the final assessment, the closing; then the case file (DOCX) read back with
python-docx and checked against what was entered. In Russian, and the same walk's document in
English."""

from __future__ import annotations

import io
from datetime import UTC, datetime

from docx import Document
from sqlalchemy import select

from bot.db.models import Person, Role
from tests.conftest import ADMIN_ID
from tests.faketg import FakeUser
from tests.faketg.core import StoredMessage
from tests.harness import BotHarness
from tests.homework_support import link

MENTOR_ID = 2001
FAMILY = "Ивановы"


def utc(month: int, day: int, hour: int) -> datetime:
    return datetime(2026, month, day, hour, 0, tzinfo=UTC)


async def open_case(user: FakeUser) -> None:
    await user.send_command("case")
    buttons = user.last().button_texts()
    await user.press(next(t for t in buttons if t.removeprefix("🔒 ").startswith(FAMILY)))


def document_text(app: BotHarness, message: StoredMessage) -> str:
    data = app.fake.files.get(message.content["document"]["file_id"]).data
    document = Document(io.BytesIO(data))
    lines = [p.text for p in document.paragraphs]
    for table in document.tables:
        lines.extend(" | ".join(cell.text for cell in row.cells) for row in table.rows)
    return "\n".join(lines)


async def rate_all(admin: FakeUser, score: str, skip: str, finish: str) -> None:
    """The first aspect gets `score` without a note; the walk ends there."""
    await admin.press(score)
    await admin.press(skip)
    await admin.press(finish)


async def walk_ru(app: BotHarness, admin: FakeUser) -> None:
    await open_case(admin)
    await admin.press("📝 Записать обращение")
    await admin.send_text("20.11.2026")
    await admin.press("КДНиЗП")
    await admin.send_text("Помогите вернуть сына в школу")
    await admin.press("▫️ Психологические")
    await admin.press("➡️ Далее")
    await admin.press("кризисный")
    await admin.press("▫️ Жестокое обращение")
    await admin.press("✅ Сохранить обращение")
    await admin.press("👪 Состав семьи")
    await admin.press("➕ Взрослый")
    await admin.send_text("Марина")
    await admin.send_text("1990")
    await admin.press("мама")
    await admin.press("➕ Ребёнок")
    await admin.send_text("Саша")
    await admin.send_text("2015")
    await admin.press("⬅️ К делу")

    await admin.press("📊 Оценка")
    await admin.press("📝 Предварительная")
    await rate_all(admin, "2 · заметные трудности", "➡️ Без заметки", "✖️ Закончить")
    await admin.press("⬅️ Назад")

    await admin.press("📎 Документы")
    await admin.press("➕ Добавить документ")
    await admin.press("Социальный паспорт семьи")
    await admin.press(next(t for t in admin.last().button_texts() if "23.11" in t))
    await admin.send_photo()
    assert "Социальный паспорт семьи" in admin.last_text()
    await admin.press("⬅️ Назад")

    # The consilium approves the plan, gives a decision for it and sets the next review.
    await admin.press("⚖️ Консилиумы")
    await admin.press("➕ Запланировать консилиум")
    await admin.press("30.11")
    app.clock.set(utc(11, 30, 9))
    await admin.press("✅ Записать итоги")
    await admin.press("30.11")
    await admin.send_text("психолог ЦСОН")
    await admin.press("➡️ Далее")
    await admin.press("утвердить план")
    await admin.send_text("Семья готова работать")
    await admin.press("30.12")
    await admin.press("➕ Решение")
    await admin.send_text("Записать Сашу к психологу")
    await admin.send_text("куратор")
    await admin.press("14.12")
    await admin.press("➕ В план: Записать Сашу к психологу")
    assert "✅ Теперь в плане" in admin.last_text()
    await admin.press("⬅️ Назад")
    await admin.press("⬅️ К делу")

    # The parting, planned ahead; at it the family's words and the final assessment.
    await admin.press("🗓 Итоговая встреча")
    await admin.press("07.12")
    app.clock.set(utc(12, 7, 12))
    await open_case(admin)
    await admin.press("🗣 Слова семьи")
    await admin.send_text("Боялись, что сына заберут")
    await admin.send_text("Саша ходит в школу")
    await admin.press("📊 Оценка")
    await admin.press("📝 Итоговая")
    await rate_all(admin, "4 · в целом справляются", "➡️ Без заметки", "✖️ Закончить")
    text = admin.last_text()
    assert "2 → 4" in text

    # The closing, from the card: the planned day is offered first.
    await admin.send_command("families")
    await admin.press(next(t for t in admin.last().button_texts() if t.startswith(FAMILY)))
    await admin.press("🔒 Закрыть случай")
    await admin.press("снята с учёта по улучшению")
    await admin.send_text("Семья справляется сама")
    assert admin.last().button_texts()[0] == "07.12.2026"
    await admin.press("07.12.2026")
    await admin.send_text("Сын вернулся в школу, конфликтов нет")
    assert "Статус: случай закрыт" in admin.last_text()


async def case_file(app: BotHarness, admin: FakeUser, button: str, period: str) -> str:
    await open_case(admin)
    before = len(app.fake.chat_messages(ADMIN_ID))
    await admin.press(button)
    await admin.press(period)
    await app.settle()
    sent = [m for m in app.fake.chat_messages(ADMIN_ID)[before:] if m.from_bot]
    return document_text(app, next(m for m in sent if m.kind == "document"))


async def test_a_whole_case_and_its_file(app: BotHarness) -> None:
    admin = await app.admin(ADMIN_ID, first_name="Ольга")
    family_id = await app.add_family(ADMIN_ID, FAMILY)
    await app.joined(MENTOR_ID, await app.invitation(ADMIN_ID, Role.MENTOR), first_name="Пётр")
    await link(app, MENTOR_ID, family_id, "mentor")
    await link(app, ADMIN_ID, family_id, "curator")
    await walk_ru(app, admin)

    text = await case_file(app, admin, "📄 Дело (DOCX)", "Весь случай")
    for line in (
        f"{FAMILY}, № {family_id}",
        "Как семья пришла в службу | КДНиЗП",
        "Запрос словами семьи | Помогите вернуть сына в школу",
        "Уровень при обращении: кризисный — Жестокое обращение",
        "Марина | 1990 | 36 | мама",
        "Саша | 2015 | 11 | ребёнок",
        "Записать Сашу к психологу",
        "Семья готова работать",
        "Боялись, что сына заберут",
        "Саша ходит в школу",
        "Сын вернулся в школу, конфликтов нет",
        "Как живут дети | 2 · заметные трудности | 4 · в целом справляются | —",
        "План утверждён 30.11.2026, утвердил(а): консилиум.",
        "30.11.2026 · утвердить план",
        "Участники: психолог ЦСОН",
        "Следующий консилиум: 30.12.2026",
        "23.11.2026 | базовый → кризисный | при обращении",
        "Записать Сашу к психологу | — | 14.12.2026 | куратор | запланирована",
        "Причина | снята с учёта по улучшению",
        "Итоговая встреча | 07.12.2026",
    ):
        assert line in text, line

    # The same case's file for a coordinator who reads English.
    async with app.sessionmaker.begin() as session:
        person = await session.scalar(select(Person).where(Person.telegram_id == ADMIN_ID))
        assert person is not None
        person.locale = "en"
    text = await case_file(app, admin, "📄 Case file (DOCX)", "The whole case")
    for line in (
        "Case file of the family",
        "How the family came | Juvenile affairs commission (KDNiZP)",
        "Marina | 1990 | 36 | mother".replace("Marina", "Марина"),
        "30.11.2026 · approve the plan",
        "Reason | situation improved (taken off the register)",
    ):
        assert line in text, line
