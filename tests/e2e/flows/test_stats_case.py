"""/stats shows the case's figures (tests/case_stats_world.py's month): children and adults
reached and the period's requests by how the families came and by difficulty under «Семьи»;
help given and methods used under «Оказанная помощь»; consilium reviews held, cases with a
review overdue and the assessment's change under «Планы»; in Russian and in English."""

from __future__ import annotations

from typing import Any

from bot.dialogs.review import text
from tests.case_stats_world import world
from tests.conftest import ADMIN_ID
from tests.faketg import FakeUser
from tests.harness import BotHarness


async def known_data(app: BotHarness, **kwargs: Any) -> FakeUser:
    admin = await app.admin(ADMIN_ID, **kwargs)
    async with app.sessionmaker.begin() as session:
        await world(session)
    return admin


def lines(user: FakeUser) -> list[str]:
    return user.last_text().split("\n")


async def test_the_case_in_stats_in_russian(app: BotHarness) -> None:
    admin = await known_data(app)
    await admin.send_command("stats")
    await admin.press("Этот месяц")
    await admin.press("Все семьи")

    await admin.press("Семьи")
    shown = lines(admin)
    for line in (
        "Семей в работе: 5",
        "Охвачено детей: 3",
        "Охвачено взрослых: 3",
        "Семей с записанным составом: 2 из 5 (40 %)",
        "Обращений за период: 3",
        "Как семьи пришли в службу:",
        "• Школа или детский сад: 1 из 3 (33 %)",
        "• КДНиЗП: 1 из 3 (33 %)",
        "Виды трудностей:",
        "• Экономические: 2 из 3 (67 %)",
        "• Психологические: 1 из 3 (33 %)",
    ):
        assert line in shown, line
    assert "Ольга" not in admin.last_text()  # figures only: never a name of the make-up

    await admin.press("Оказанная помощь")
    assert "🔹 Оказанная помощь" in admin.last().button_texts()
    shown = lines(admin)
    for line in (
        "Семей с визитами: 3",
        "Оказанная помощь:",
        "• Социальный контракт: семей 2 из 3 (67 %), визитов 3",
        "• Трудоустройство: семей 1 из 3 (33 %), визитов 1",
        "• Досуг (кино, музей): семей 1 из 3 (33 %), визитов 1",
        "Применённые методы:",
        "• Наблюдение: семей 2 из 3 (67 %), визитов 3",
        "• Курирование: семей 2 из 3 (67 %), визитов 2",
    ):
        assert line in shown, line

    await admin.press("Планы")
    shown = lines(admin)
    for line in (
        "Проведено консилиумов: 1",
        "Сейчас в работе случаев: 3, по этапам:",
        "Из них с просроченным консилиумом: 1 из 3 (33 %)",
        "Оценка до → после (итоговая в периоде): семей 3",
        "В среднем: 3,2 → 3,0 (изменение -0,2)",
        "Стало лучше: 1 из 3 (33 %)",
        "Без изменений: 1 из 3 (33 %)",
        "Стало хуже: 1 из 3 (33 %)",
    ):
        assert line in shown, line
    assert len(admin.last_text()) <= text.TEXT_LIMIT

    # The previous month: no stages "now", so no overdue line; October's one final assessment.
    await admin.press("📅 Период")
    await admin.press("Другие даты…")
    await admin.send_text("01.10.2026 - 31.10.2026")
    shown = lines(admin)
    assert "Проведено консилиумов: 1" in shown
    assert "Оценка до → после (итоговая в периоде): семей 1" in shown
    assert not any("просроченным консилиумом" in line for line in shown)


async def test_the_case_in_stats_in_english(app: BotHarness) -> None:
    admin = await known_data(app, language_code="en")
    await admin.send_command("stats")
    await admin.press("This month")
    await admin.press("All families")
    await admin.press("Families")
    shown = lines(admin)
    assert "Children reached: 3" in shown and "Adults reached: 3" in shown
    assert "Families with the make-up recorded: 2 of 5 (40 %)" in shown
    await admin.press("Plans")
    shown = lines(admin)
    assert "Consilium reviews held: 1" in shown
    assert "Of them with a consilium review overdue: 1 of 3 (33 %)" in shown
    assert "Improved: 1 of 3 (33 %)" in shown
    assert "On average: 3.2 → 3.0 (change -0.2)" in shown
    await admin.press("Help given")
    shown = lines(admin)
    assert "• Social contract: families 2 of 3 (67 %), visits 3" in shown
    assert "• Observation: families 2 of 3 (67 %), visits 3" in shown
