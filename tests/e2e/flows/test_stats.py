"""/stats, /report, /export, /charts: the coordinator's review dialog on known data (the month of
tests/stats_world.py), in Russian and English; refusals for other roles and forged buttons."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlalchemy import delete, select, update

from bot.db.models import AuditEntry, Person, PersonRole, Role
from bot.handlers import export as export_files
from bot.handlers import report as report_files
from bot.handlers.review_files import FileRequest
from bot.services.stats import Period, Scope
from tests.conftest import ADMIN_ID
from tests.factories import make_person
from tests.faketg import FakeUser
from tests.harness import BotHarness
from tests.stats_world import World, add_plans, build

NOT_ALLOWED = "для вашей роли это недоступно"
NOVEMBER = Period(date(2026, 11, 1), date(2026, 11, 30), "Europe/Moscow")


async def known_data(app: BotHarness, **kwargs: Any) -> tuple[FakeUser, World]:
    admin = await app.admin(ADMIN_ID, **kwargs)
    async with app.sessionmaker.begin() as session:
        world = await build(session)
        await add_plans(session, world)
        # A name that must be escaped wherever it is shown.
        await session.execute(
            update(Person)
            .where(Person.id == world.mentor1.person_id)
            .values(display_name="<b>Аня & Co</b>")
        )
    return admin, world


async def audit_rows(app: BotHarness, action: str) -> list[AuditEntry]:
    async with app.sessionmaker() as session:
        rows = await session.scalars(
            select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)
        )
        return list(rows)


async def test_stats_in_russian_all_sections_period_and_scope(app: BotHarness) -> None:
    admin, world = await known_data(app)
    await admin.send_command("stats")
    assert "За какой период?" in admin.last_text()
    await admin.press("Этот месяц")
    assert "01.11.2026 – 30.11.2026" in admin.last_text()
    await admin.press("Все семьи")
    text = admin.last_text()
    assert "Все семьи" in text and "Проведено встреч: 2" in text
    assert "Семей со встречей: 2 из 5 (40 %)" in text
    assert "Приглашено: 6 из 7 (86 %)" in text and "Согласились прийти: 3 из 6 (50 %)" in text
    assert "Средний итог: 36,0 из 40" in text and "Итог ниже 36 (сигнал): 1 из 3 (33 %)" in text
    assert "🔹 Встречи" in admin.last().button_texts()

    await admin.press("Семьи")
    text = admin.last_text()
    assert "Семей в работе: 5" in text and "Снято с учёта по улучшению: 1" in text
    assert "• ТЖС (трудная жизненная ситуация): 3 из 5 (60 %)" in text
    assert "• кризисный: 1 из 5 (20 %)" in text

    await admin.press("Наставники")
    text = admin.last_text()
    assert "Визитов: 5" in text and "Наставников с визитами: 2 из 3 (67 %)" in text
    assert "1. <b>Аня & Co</b>: 4" in text  # shown as typed, not as markup
    assert "Семей без визита за 14 дн.: 1 из 3 (33 %)" in text
    assert "Принято в работу: 2 из 3 (67 %)" in text
    assert "Медианное время реакции: 1 ч" in text

    await admin.press("Программы")
    text = admin.last_text()
    assert "Завершили с положительной динамикой: 2 из 2 (100 %)" in text
    assert "Неделя 1: 2 из 2 (100 %)" in text and "Неделя 3: 0 из 1 (0 %)" in text
    assert "Средняя самооценка недели: 8,0 из 10 (оценок: 3)" in text

    await admin.press("Планы")
    text = admin.last_text()
    assert "🔹 Планы" in admin.last().button_texts()
    for line in (
        "Задачи планов со сроком в периоде: 7",
        "Выполнено: 2 из 7 (29 %)",
        "Не выполнено: 1 из 7 (14 %)",
        "Ещё в работе: 4 из 7 (57 %)",
        "Из них просрочено: 1 из 4 (25 %)",
        "Семей с задачами на этот период: 3",
        "Задач добавлено в планы: 5",
        "• из визита: 2 из 5 (40 %)",
        "• из решения сетевой встречи: 2 из 5 (40 %)",
        "Закрыто случаев: 2",
        "С итоговой встречей: 1 из 2 (50 %)",
        "Сейчас в работе случаев: 3, по этапам:",
        "• обращение и диагностика: 1 из 3 (33 %)",
        "• план утверждён: 1 из 3 (33 %)",
        "• итоговый мониторинг: 1 из 3 (33 %)",
    ):
        assert line in text, line
    assert "Задача" not in text and "F1" not in text  # figures only: no task, no family

    await admin.press("Программы")
    # The same tab again changes nothing (and Telegram is not asked to redraw it).
    await admin.press("🔹 Программы")
    # Period, then back: the same section as before.
    await admin.press("📅 Период")
    await admin.press("⬅️ Назад")
    assert "Неделя 3: 0 из 1 (0 %)" in admin.last_text()

    # Other dates: wrong, a sticker, the wrong order, then right.
    await admin.press("📅 Период")
    await admin.press("Другие даты…")
    await admin.send_text("в ноябре")
    assert "Не получилось прочитать даты" in admin.last_text()
    await admin.send_sticker()
    assert "Не получилось прочитать даты" in admin.last_text()
    await admin.send_text("30.11.2026 - 01.11.2026")
    assert "Первая дата позже второй" in admin.last_text()
    await admin.send_text("01.01.2020 - 01.01.2026")
    assert "не больше пяти лет" in admin.last_text()
    await admin.send_text("02.11.2026 – 30.11.2026")
    text = admin.last_text()
    assert "02.11.2026 – 30.11.2026" in text and "Неделя 1: 2 из 2 (100 %)" in text

    # A mentor's families.
    await admin.press("👥 Охват")
    await admin.press("Наставник…")
    await admin.press("<b>Аня & Co</b>")
    await admin.press("Наставники")
    text = admin.last_text()
    assert "Наставник: <b>Аня & Co</b>" in text and "Визитов: 4" in text

    # A category.
    await admin.press("👥 Охват")
    await admin.press("Категория…")
    await admin.press("ТЖС (трудная жизненная ситуация)")
    await admin.press("Семьи")
    text = admin.last_text()
    assert "Категория: ТЖС" in text and "Семей в работе: 3" in text
    await admin.press("Планы")
    text = admin.last_text()
    # From the 2nd: F3's task due on 1 November is left out; F3 was closed on the 5th.
    assert "Категория: ТЖС" in text and "Задачи планов со сроком в периоде: 3" in text
    assert "Выполнено: 1 из 3 (33 %)" in text and "Закрыто случаев: 1" in text

    # An empty period is no error.
    await admin.press("📅 Период")
    await admin.press("Прошлый год")
    assert "За этот период данных нет." in admin.last_text()

    views = await audit_rows(app, "stats.view")
    details = [row.details for row in views]
    assert {"section": "meetings", "start": "2026-11-01", "end": "2026-11-30"} in details
    assert {
        "section": "mentors",
        "start": "2026-11-02",
        "end": "2026-11-30",
        "mentor_id": world.mentor1.person_id,
    } in details
    assert {
        "section": "families",
        "start": "2026-11-02",
        "end": "2026-11-30",
        "category": "tzhs",
    } in details
    assert {"section": "plans", "start": "2026-11-01", "end": "2026-11-30"} in details
    assert {
        "section": "plans",
        "start": "2026-11-02",
        "end": "2026-11-30",
        "category": "tzhs",
    } in details
    last_year = {"start": "2025-01-01", "end": "2025-12-31", "category": "tzhs"}
    assert {"section": "plans", **last_year} in details
    assert all(row.actor_telegram_id == ADMIN_ID for row in views)
    # Redraws of what was already seen are not audited again.
    assert len(details) == len({tuple(sorted(d.items())) for d in details if d})

    await admin.press("✖️ Закрыть")
    assert admin.last().buttons()  # the menu


async def test_stats_in_english(app: BotHarness) -> None:
    admin, _world = await known_data(app, language_code="en")
    await admin.send_command("stats")
    await admin.press("This month")
    await admin.press("All families")
    assert "Families with a meeting: 2 of 5 (40 %)" in admin.last_text()
    assert "Mean total: 36.0 of 40" in admin.last_text()
    await admin.press("Families")
    assert "Active families: 5" in admin.last_text()
    await admin.press("Mentors")
    assert "Median time to acknowledge: 1 h" in admin.last_text()
    await admin.press("Programmes")
    assert "Week 2: 1 of 1 (100 %)" in admin.last_text()
    await admin.press("Plans")
    text = admin.last_text()
    assert "🔹 Plans" in admin.last().button_texts()
    for line in (
        "Plan tasks due in the period: 7",
        "Done: 2 of 7 (29 %)",
        "Still open: 4 of 7 (57 %)",
        "Of them overdue: 1 of 4 (25 %)",
        "Tasks added in the period: 5",
        "• from a visit: 2 of 5 (40 %)",
        "• from a network meeting's decision: 2 of 5 (40 %)",
        "With a final meeting: 1 of 2 (50 %)",
        "Open cases now, by stage: 3",
        "• request and diagnosis: 1 of 3 (33 %)",
    ):
        assert line in text, line
    # The previous year: over, so no stages "now", and nothing in it.
    await admin.press("📅 Period")
    await admin.press("Previous year")
    assert "No data for this period." in admin.last_text()


async def roles(app: BotHarness) -> tuple[FakeUser, FakeUser, FakeUser]:
    admin = await app.admin(ADMIN_ID)
    family_id = await app.add_family(ADMIN_ID, "Смирновы")
    mentor = await app.joined(2001, await app.invitation(ADMIN_ID, Role.MENTOR))
    parent = await app.joined(3001, await app.invitation(ADMIN_ID, Role.PARENT, family_id))
    return admin, mentor, parent


async def test_other_roles_are_refused(app: BotHarness) -> None:
    _admin, mentor, parent = await roles(app)
    for user in (mentor, parent):
        for command in ("stats", "report", "export", "charts"):
            await user.send_command(command)
            assert NOT_ALLOWED in user.last_text(), (user, command)
    denied = await audit_rows(app, "access.denied")
    assert sorted(row.details["command"] for row in denied) == sorted(
        ["stats", "report", "export", "charts"] * 2
    )
    stranger = app.user(9009)
    await stranger.send_command("stats")
    assert "личная ссылка-приглашение" in stranger.last_text()


async def test_forged_and_stale_presses_are_refused(app: BotHarness) -> None:
    admin, mentor, _parent = await roles(app)
    await admin.send_command("stats")
    month = next(b for b in admin.last().buttons() if b["text"] == "Этот месяц")
    await mentor.send_command("start")
    query = await mentor.press_forged(month["callback_data"], mentor.last().message_id)
    assert "устарела" in app.fake.callback_answer(query)["text"]
    assert not await audit_rows(app, "stats.view")

    # The coordinator loses the role mid-dialog: the next tap is refused and audited.
    await admin.press("Этот месяц")
    await admin.press("Все семьи")
    assert len(await audit_rows(app, "stats.view")) == 1
    async with app.sessionmaker.begin() as session:
        person_id = (await app.actor(ADMIN_ID)).person_id
        await session.execute(
            delete(PersonRole).where(
                PersonRole.person_id == person_id, PersonRole.role == Role.COORDINATOR.value
            )
        )
    for tab in ("Семьи", "Планы"):
        query = await admin.press(tab)
        assert NOT_ALLOWED in app.fake.callback_answer(query)["text"], tab
        denied = await audit_rows(app, "access.denied")
        assert denied[-1].details == {"attempted": "stats.view"}
    assert len(await audit_rows(app, "stats.view")) == 1


@pytest.fixture
def file_requests(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, FileRequest]]:
    """Stand-ins for the file jobs: what the dialog hands them."""
    seen: list[tuple[str, FileRequest]] = []

    async def export(request: FileRequest) -> None:
        seen.append(("export", request))

    async def report(request: FileRequest) -> None:
        seen.append(("report", request))

    async def chart(request: FileRequest, code: str) -> None:
        seen.append((code, request))

    monkeypatch.setattr(export_files, "start_export", export)
    monkeypatch.setattr(report_files, "start_report", report)
    monkeypatch.setattr(report_files, "start_chart", chart)
    return seen


async def test_report_export_and_charts_get_the_request(
    app: BotHarness, file_requests: list[tuple[str, FileRequest]]
) -> None:
    admin = await app.admin(ADMIN_ID)
    await admin.send_command("report")
    assert "Отчёт по показателям" in admin.last_text()
    await admin.press("Этот месяц")
    assert not admin.last().buttons()  # the dialog closed; the file job speaks next
    await admin.send_command("export")
    await admin.press("Другие даты…")
    await admin.send_text("01.11.2026 - 30.11.2026")
    await admin.send_command("charts")
    await admin.press("Этот месяц")
    await admin.press("Визиты по месяцам")
    await admin.press("SRS по месяцам")
    assert "Какой график?" in admin.last_text()  # the window stays for the next one
    assert [code for code, _ in file_requests] == ["report", "export", "visits", "srs"]
    for _code, request in file_requests:
        assert request.period == NOVEMBER and request.scope == Scope()
        assert request.chat_id == ADMIN_ID and request.locale == "ru"
        assert request.actor.telegram_id == ADMIN_ID
        assert request.background is app.dp["background"]


async def test_forged_ids_in_the_coordinators_own_buttons_change_nothing(app: BotHarness) -> None:
    admin, world = await known_data(app)
    async with app.sessionmaker.begin() as session:
        for number in range(10):  # more mentors than one page holds
            await make_person(session, 500 + number, Role.MENTOR, now=app.clock.now())
    await admin.send_command("stats")
    await admin.press("Этот месяц")
    await admin.press("Наставник…")
    page_one = admin.last().button_texts()
    assert "P12" in page_one and "P509" not in page_one and "▶️" in page_one
    await admin.press("▶️")
    assert "P509" in admin.last().button_texts()
    await admin.press("◀️")
    real = next(b["callback_data"] for b in admin.last().buttons() if b["text"] == "P12")
    window = admin.last().message_id
    for forged in (str(world.boss.person_id), "99999", "x1"):  # a coordinator, nobody, junk
        await admin.press_forged(real.rsplit(":", 1)[0] + ":" + forged, window)
        assert "Семьи какого наставника?" in admin.last_text()
    await admin.press("P12")
    assert "Наставник: P12" in admin.last_text()
    tab = next(b["callback_data"] for b in admin.last().buttons() if b["text"] == "Семьи")
    before = admin.last_text()
    await admin.press_forged(tab.rsplit(":", 1)[0] + ":secrets", admin.last().message_id)
    assert admin.last_text() == before
    scopes = [row.details for row in await audit_rows(app, "stats.view")]
    assert [d.get("mentor_id") for d in scopes] == [world.mentor2.person_id]


async def test_cancel_start_and_other_commands_leave_the_dates_step(app: BotHarness) -> None:
    admin = await app.admin(ADMIN_ID)
    for leave in ("cancel", "start", "families"):
        await admin.send_command("stats")
        await admin.press("Другие даты…")
        await admin.send_command(leave)
        assert "Пришлите даты" not in admin.last_text(), leave
        await admin.send_text("01.11.2026 - 30.11.2026")
        assert "По каким семьям?" not in admin.last_text(), leave


async def test_export_through_the_dialog_sends_a_workbook(app: BotHarness) -> None:
    admin, _world = await known_data(app)
    await admin.send_command("export")
    await admin.press("Другие даты…")
    await admin.send_text("01.11.2026 – 30.11.2026")
    await app.settle()
    assert any(m.kind == "document" for m in admin.messages())
