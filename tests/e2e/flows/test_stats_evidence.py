"""Evidence that change lasts through the running bot: /stats shows the lasting change (with
its base and per follow-up month), the meetings by reason and the decisions carried out by
their date; /charts draws the lasting-change picture; /report and /export carry the new lines
and sheets. Known data: tests/stats_world.py's November with tests/evidence_world.py's rows."""

from __future__ import annotations

import io
from typing import Any

from openpyxl import load_workbook

from bot.content import Content
from bot.services.evidence_stats import meeting_reason_label
from tests.conftest import ADMIN_ID
from tests.evidence_world import add_evidence
from tests.faketg import FakeUser
from tests.faketg.core import StoredMessage
from tests.harness import BotHarness
from tests.stats_world import build

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
FLOOD_WINDOW = 3.0


async def known_data(app: BotHarness, **kwargs: Any) -> FakeUser:
    admin = await app.admin(ADMIN_ID, **kwargs)  # today is 23 November 2026
    async with app.sessionmaker.begin() as session:
        world = await build(session)
        await add_evidence(session, world)
    return admin


def file_bytes(app: BotHarness, message: StoredMessage) -> bytes:
    media = message.content[message.kind]
    file_id = media[-1]["file_id"] if message.kind == "photo" else media["file_id"]
    return app.fake.files.get(file_id).data


async def test_stats_in_russian(app: BotHarness) -> None:
    admin = await known_data(app)
    await admin.send_command("stats")
    await admin.press("Этот месяц")
    await admin.press("Все семьи")
    text = admin.last_text()
    assert "Встречи за период по причинам: 3" in text
    assert f"• {meeting_reason_label(Content(), 'abuse', 'ru')}: 1 из 3 (33 %)" in text
    assert "• причина не указана: 1 из 3 (33 %)" in text
    assert "Решений принято за период: 5" in text
    assert "Выполнено в срок: 1 из 5 (20 %)" in text
    assert "Выполнено позже срока: 1 из 5 (20 %)" in text
    assert "Отмечено как не выполненное: 1 из 5 (20 %)" in text

    await admin.press("Программы")
    text = admin.last_text()
    assert "Перемены сохранились при повторном опросе: 2 из 3 (67 %)" in text
    assert "• через 6 мес.: 1 из 2 (50 %)" in text
    assert "• через 12 мес.: 1 из 1 (100 %)" in text


async def test_stats_charts_report_and_export_in_english(app: BotHarness) -> None:
    admin = await known_data(app, language_code="en")
    await admin.send_command("stats")
    await admin.press("This month")
    await admin.press("All families")
    assert "Carried out by their date: 1 of 5 (20 %)" in admin.last_text()
    await admin.press("Programmes")
    assert "Change kept at the follow-up: 2 of 3 (67 %)" in admin.last_text()

    await admin.send_command("charts")
    await admin.press("This month")
    await admin.press("Change kept at the follow-up")
    await app.settle()
    photo = admin.last()
    assert photo.kind == "photo" and file_bytes(app, photo).startswith(PNG_SIGNATURE)
    assert photo.caption == "Change kept at the follow-up\n01.11.2026 – 30.11.2026 · n = 3"

    app.clock.advance(FLOOD_WINDOW)
    await admin.send_command("report")
    await admin.press("This month")
    await app.settle()
    document = next(m for m in reversed(admin.messages()) if m.kind == "document")
    sheet = load_workbook(io.BytesIO(file_bytes(app, document))).worksheets[0]
    cells = {row[0].value: (row[1].value, row[2].value) for row in sheet.iter_rows(max_col=3)}
    assert cells["Families taken off the register because their situation improved"][0] == 2
    assert cells["Of them with a network meeting held"] == (1, "1 of 2")
    assert cells["Kept the change"] == (2, "2 of 3")

    app.clock.advance(FLOOD_WINDOW)
    await admin.send_command("export")
    await admin.press("This month")
    await app.settle()
    document = next(m for m in reversed(admin.messages()) if m.kind == "document")
    book = load_workbook(io.BytesIO(file_bytes(app, document)), read_only=True)
    first = book.sheetnames.index("Enrolments")  # in this order, wherever they stand
    assert book.sheetnames[first : first + 4] == [
        "Enrolments",
        "Families' evaluations",
        "Specialists' evaluations",
        "Meeting decisions",
    ]
    decisions = list(book["Meeting decisions"].iter_rows(values_only=True))
    assert len(decisions) == 1 + 5
    assert sorted(str(row[7]) for row in decisions[1:]) == ["None", "None", "None", "no", "yes"]
