"""/report and /charts through the running bot and the strict fake Telegram: the file jobs are
started with a FileRequest built from the harness, as the review dialog builds it after the
coordinator picked a period (the dialog's own tests cover the taps); the known month of
test_stats is in the database."""

from __future__ import annotations

import io
from datetime import date
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from bot.db.models import AuditEntry, Role
from bot.handlers import report as report_handlers
from bot.handlers.review_files import FileRequest
from bot.services import report as report_service
from bot.services.access import Actor
from bot.services.stats import Period, Scope
from tests.conftest import ADMIN_ID
from tests.faketg import FakeUser
from tests.faketg.core import StoredMessage
from tests.harness import BotHarness
from tests.stats_world import MSK, NOVEMBER, build

MENTOR_ID = 2002
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
FLOOD_WINDOW = 3.0  # the fake's per-chat window: a person asks for one chart after another
CHART_BUTTON_EN = "Visits per month"  # the review dialog's button for the "visits" chart
REFUSED = (
    "Извините, для вашей роли это недоступно. Что вы можете здесь сделать — подскажет /help, "
    "а с остальным поможет координатор."
)


def request_for(app: BotHarness, actor: Actor, locale: str, period: Period) -> FileRequest:
    return FileRequest(
        bot=app.bot,
        chat_id=actor.telegram_id,
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


async def coordinator_with_data(app: BotHarness, language: str) -> tuple[FakeUser, Actor]:
    user = await app.admin(ADMIN_ID, language_code=language)
    async with app.sessionmaker.begin() as session:
        await build(session)
    return user, await app.actor(ADMIN_ID)


def file_bytes(app: BotHarness, message: StoredMessage) -> bytes:
    media = message.content[message.kind]
    file_id = media[-1]["file_id"] if message.kind == "photo" else media["file_id"]
    return app.fake.files.get(file_id).data


async def audit_actions(app: BotHarness) -> list[tuple[str, dict[str, Any] | None]]:
    async with app.sessionmaker() as session:
        rows = await session.execute(select(AuditEntry.action, AuditEntry.details))
        return [(a, d) for a, d in rows if a in ("report.export", "charts.view", "access.denied")]


async def test_report_in_russian(app: BotHarness) -> None:
    user, boss = await coordinator_with_data(app, "ru")
    before = len(user.messages())
    await report_handlers.start_report(request_for(app, boss, "ru", NOVEMBER))
    await app.settle()
    new = user.messages()[before:]
    assert [m.kind for m in new] == ["text", "document"]
    # The "preparing" message was edited to say the report is ready.
    assert new[0].text == "Отчёт за 01.11.2026 – 30.11.2026 готов."
    assert new[0].edit_date is not None
    document = new[1].content["document"]
    assert document["file_name"] == "report_2026-11-01_2026-11-30.xlsx"
    sheet = load_workbook(io.BytesIO(file_bytes(app, new[1]))).worksheets[0]
    assert sheet["A1"].value == "Отчёт службы"
    values = {row[0]: row[1] for row in sheet.iter_rows(min_row=5, max_col=2, values_only=True)}
    assert values["Проведено сетевых встреч"] == 2
    assert values["Визиты"] == 5
    assert values["Доля сданных домашних заданий"] == 0.75
    assert await audit_actions(app) == [
        ("report.export", {"start": "2026-11-01", "end": "2026-11-30"})
    ]
    assert chat_actions(app) == ["upload_document"]


def chat_actions(app: BotHarness) -> list[str]:
    return [c.params["action"] for c in app.fake.calls if c.method == "sendChatAction"]


async def test_report_in_english_for_an_empty_period(app: BotHarness) -> None:
    user, boss = await coordinator_with_data(app, "en")
    empty = Period(date(2025, 1, 1), date(2025, 12, 31), MSK)
    await report_handlers.start_report(request_for(app, boss, "en", empty))
    await app.settle()
    notice, document = user.messages()[-2:]
    assert notice.text == (
        "The report for 01.01.2025 – 31.12.2025 is ready. There was no data in this period, "
        "so the figures are zeros."
    )
    sheet = load_workbook(io.BytesIO(file_bytes(app, document))).worksheets[0]
    assert sheet["A1"].value == "Service report"
    values = {row[0]: row[1] for row in sheet.iter_rows(min_row=5, max_col=2, values_only=True)}
    assert values["Network meetings held"] == 0
    assert values["Visits"] == 0


@pytest.mark.parametrize("language", ["ru", "en"])
async def test_every_chart_comes_as_a_photo(app: BotHarness, language: str) -> None:
    user, boss = await coordinator_with_data(app, language)
    captions: list[str] = []
    for chart in ("visits", "srs", "homework", "families"):
        await report_handlers.start_chart(request_for(app, boss, language, NOVEMBER), chart)
        await app.settle()
        photo = user.last()
        assert photo.kind == "photo"
        data = file_bytes(app, photo)
        assert data.startswith(PNG_SIGNATURE)
        assert photo.content["photo"][-1]["width"] == 1200
        captions.append(photo.caption or "")
        app.clock.advance(FLOOD_WINDOW)
    if language == "en":
        assert captions == [
            "Visits per month\n01.11.2026 – 30.11.2026 · n = 5",
            "SRS: mean total by month\n01.11.2026 – 30.11.2026 · n = 3",
            "Homework handed in by programme week\n01.11.2026 – 30.11.2026 · n = 4",
            "Active families by category\n01.11.2026 – 30.11.2026 · n = 5",
        ]
    else:
        assert captions[0] == "Визиты по месяцам\n01.11.2026 – 30.11.2026 · n = 5"
    assert [a for a, _d in await audit_actions(app)] == ["charts.view"] * 4
    assert chat_actions(app) == ["upload_photo"] * 4
    assert not [c for c in app.fake.calls if c.status == 429]


async def test_a_chart_without_data_is_a_short_text(app: BotHarness) -> None:
    user, boss = await coordinator_with_data(app, "ru")
    empty = Period(date(2025, 1, 1), date(2025, 12, 31), MSK)
    await report_handlers.start_chart(request_for(app, boss, "ru", empty), "srs")
    await app.settle()
    assert user.last().kind == "text"
    assert user.last_text() == "За этот период данных нет."


async def test_a_mentor_gets_neither(app: BotHarness) -> None:
    await app.admin(ADMIN_ID)
    token = await app.invitation(ADMIN_ID, Role.MENTOR)
    mentor = await app.joined(MENTOR_ID, token)
    actor = await app.actor(MENTOR_ID)
    await report_handlers.start_report(request_for(app, actor, "ru", NOVEMBER))
    await app.settle()
    assert mentor.last_text() == REFUSED
    app.clock.advance(FLOOD_WINDOW)
    await report_handlers.start_chart(request_for(app, actor, "ru", NOVEMBER), "visits")
    await app.settle()
    assert mentor.last_text() == REFUSED
    assert not [m for m in mentor.messages() if m.kind in ("document", "photo")]
    assert [a for a, _d in await audit_actions(app)] == ["access.denied"] * 2


async def test_a_failure_is_told_kindly(app: BotHarness, monkeypatch: pytest.MonkeyPatch) -> None:
    user, boss = await coordinator_with_data(app, "ru")

    def broken(*_args: object) -> bytes:
        raise RuntimeError("disk full")

    monkeypatch.setattr(report_service, "workbook", broken)
    app.expect_errors = True
    await report_handlers.start_report(request_for(app, boss, "ru", NOVEMBER))
    await app.settle()
    assert user.last_text() == (
        "Не получилось подготовить отчёт. Попробуйте, пожалуйста, чуть позже."
    )
    [record] = app.errors.records
    assert "RuntimeError" in record.getMessage() and "disk full" not in record.getMessage()


async def test_through_the_review_dialog(app: BotHarness) -> None:
    """/report and /charts as a coordinator taps them (the review dialog hands over the request)."""
    user, _boss = await coordinator_with_data(app, "en")  # today is 23 November 2026
    await user.send_command("report")
    await user.press("This month")
    await app.settle()
    document = next(m for m in reversed(user.messages()) if m.kind == "document")
    assert document.content["document"]["file_name"] == "report_2026-11-01_2026-11-30.xlsx"
    sheet = load_workbook(io.BytesIO(file_bytes(app, document))).worksheets[0]
    assert sheet["A2"].value == "Period: 01.11.2026 – 30.11.2026"
    app.clock.advance(FLOOD_WINDOW)
    await user.send_command("charts")
    await user.press("This month")
    await user.press(CHART_BUTTON_EN)
    await app.settle()
    photo = user.last()
    assert photo.kind == "photo" and file_bytes(app, photo).startswith(PNG_SIGNATURE)
    assert photo.caption == "Visits per month\n01.11.2026 – 30.11.2026 · n = 5"


async def test_flood_control_is_waited_out(app: BotHarness) -> None:
    """Four charts asked for at once: Telegram's 429 for the fourth is retried after retry_after."""
    user, boss = await coordinator_with_data(app, "en")
    app.clock.advance(FLOOD_WINDOW)
    for chart in ("visits", "srs", "homework", "families"):
        await report_handlers.start_chart(request_for(app, boss, "en", NOVEMBER), chart)
    await app.settle()
    photos = [m for m in user.messages() if m.kind == "photo"]
    assert len(photos) == 4
    assert [c for c in app.fake.calls if c.status == 429]
