"""The case's preliminary and final assessment through /case: a coordinator rates the aspects at
intake and again at the final monitoring (a photo or too long a note where a note is expected
gets a kind word, nothing lost), the overview shows before → after, rating again replaces; the
same in English; the family's mentor sees it only where the service allows it, never records
it, and a forged press of the recording button is refused and audited."""

from __future__ import annotations

from sqlalchemy import select

from bot.db.models import AuditEntry, CaseAssessment, Role
from tests.conftest import ADMIN_ID
from tests.e2e.steps import audits, link
from tests.faketg import FakeUser
from tests.harness import BotHarness

FAMILY = "Ивановы"
MENTOR_ID, PARENT_ID = 2001, 3001


async def open_assessment(user: FakeUser, assessment: str = "📊 Оценка") -> None:
    await user.send_command("case")
    await user.press(FAMILY)
    await user.press(assessment)


async def stored(app: BotHarness) -> dict[tuple[str, str], tuple[int, str | None]]:
    async with app.sessionmaker() as session:
        rows = await session.scalars(select(CaseAssessment))
        return {(r.phase, r.aspect): (r.score, r.note) for r in rows}


async def refusals(app: BotHarness) -> list[AuditEntry]:
    return [e for e in await audits(app, "access.denied") if e.details]


async def test_intake_then_final_before_and_after_in_russian(app: BotHarness) -> None:
    admin = await app.admin(ADMIN_ID)
    await app.add_family(ADMIN_ID, FAMILY)
    await open_assessment(admin)
    text = admin.last_text()
    assert f"Оценка · семья «{FAMILY}»" in text
    assert "Шкала: 1 — серьёзные трудности … 5 — всё хорошо." in text
    assert "Как живут дети: — → —" in text and "Пока ничего не оценено." in text

    # The preliminary assessment: aspect by aspect, the scale as buttons, then the note.
    await admin.press("📝 Предварительная")
    text = admin.last_text()
    assert "Предварительная оценка · 1 из 8" in text
    assert "не ищите нарочно ни проблем, ни сильных сторон" in text
    assert "Как живут дети" in text and "сад или школа" in text
    assert admin.last().button_texts()[:5] == [
        "1 · серьёзные трудности",
        "2 · заметные трудности",
        "3 · по-разному",
        "4 · в целом справляются",
        "5 · всё хорошо",
    ]
    await admin.press("2 · заметные трудности")
    assert "Как живут дети: 2 — заметные трудности" in admin.last_text()
    await admin.send_photo()  # not a note: said kindly, the score waits
    assert "пришлите заметку текстом или нажмите «Без заметки»" in admin.last_text()
    await admin.send_text("я" * 501)
    assert "Это длинновато: пожалуйста, уложитесь в 500 символов." in admin.last_text()
    await admin.send_text("Маша часто болеет, <b>пропускает</b> сад")
    text = admin.last_text()
    assert "2 из 8" in text and "Как справляются взрослые" in text
    await admin.press("3 · по-разному")
    await admin.press("⬅️ Назад")  # back from the note: the score is not kept, tap again
    assert "2 из 8" in admin.last_text()
    await admin.press("3 · по-разному")
    await admin.press("➡️ Без заметки")
    assert "3 из 8" in admin.last_text()
    await admin.press("⬅️ Назад")  # the previous aspect shows what it has now
    assert "Сейчас: 3 — по-разному" in admin.last_text()
    await admin.press("➡️ Пропустить")
    await admin.press_twice("➡️ Пропустить")  # a quick double tap skips one aspect, not two
    assert "4 из 8" in admin.last_text()
    for _ in range(3):  # discipline, abuse, the adults' childhood: skipped
        await admin.press("➡️ Пропустить")
    text = admin.last_text()
    assert "7 из 8" in text and "Жизнь семьи" in text
    assert "Спрашивают, когда помощь предлагают впервые или продолжают." in text
    await admin.press("➡️ Пропустить")
    await admin.press("1 · серьёзные трудности")
    await admin.send_text("долги за квартиру")
    text = admin.last_text()
    assert "✅ Предварительная оценка: оценено аспектов — 3 из 8." in text
    assert "Как живут дети: 2 → —" in text
    assert "до: «Маша часто болеет, <b>пропускает</b> сад»" in text
    assert "Как справляются взрослые: 3 → —" in text
    assert "Средства к существованию: 1 → —" in text
    assert "В среднем: 2,0 → —" in text

    # The final assessment, at the final monitoring.
    app.clock.advance(90 * 24 * 3600)
    await admin.press("📝 Итоговая")
    assert "Итоговая оценка · 1 из 8" in admin.last_text()
    await admin.press("4 · в целом справляются")
    await admin.send_text("ходит в сад, болеет реже")
    await admin.press("4 · в целом справляются")
    await admin.press("➡️ Без заметки")
    await admin.press("✖️ Закончить")
    text = admin.last_text()
    assert "✅ Итоговая оценка: оценено аспектов — 2 из 8." in text
    assert "Как живут дети: 2 → 4" in text and "после: «ходит в сад, болеет реже»" in text
    assert "Как справляются взрослые: 3 → 4" in text
    assert "Средства к существованию: 1 → —" in text
    assert "Предварительная: 23.11.2026 · итоговая: 21.02.2027" in text
    assert "В среднем: 2,0 → 4,0 (изменение +1,5; аспектов, оценённых оба раза: 2)" in text

    # Rating again replaces: one row per aspect and phase.
    await admin.press("📝 Итоговая")
    assert "Сейчас: 4 — в целом справляются · «ходит в сад, болеет реже»" in admin.last_text()
    await admin.press("5 · всё хорошо")
    await admin.press("➡️ Без заметки")
    await admin.press("✖️ Закончить")
    assert "Как живут дети: 2 → 5" in admin.last_text()
    rows = await stored(app)
    assert rows == {
        ("intake", "children"): (2, "Маша часто болеет, <b>пропускает</b> сад"),
        ("intake", "adults"): (3, None),
        ("intake", "living"): (1, "долги за квартиру"),
        ("final", "children"): (5, None),
        ("final", "adults"): (4, None),
    }
    recorded = await audits(app, "case.assessment.record")
    assert len(recorded) == 6 and recorded[-1].details == {
        "phase": "final",
        "aspect": "children",
        "replaced": True,
    }
    assert len(await audits(app, "case.assessment.view")) >= 4
    await admin.press("⬅️ Назад")
    assert f"Дело семьи «{FAMILY}»" in admin.last_text()


async def test_in_english(app: BotHarness) -> None:
    admin = await app.admin(ADMIN_ID, language_code="en")
    await app.add_family(ADMIN_ID, FAMILY)
    await open_assessment(admin, "📊 Assessment")
    assert f"Assessment · family «{FAMILY}»" in admin.last_text()
    await admin.press("📝 Preliminary")
    text = admin.last_text()
    assert "Preliminary assessment · 1 of 8" in text and "Children's functioning" in text
    await admin.press("3 · mixed")
    await admin.send_text("tired, but trying")
    await admin.press("✖️ Finish")
    text = admin.last_text()
    assert "✅ Preliminary assessment: 1 of 8 aspects rated." in text
    assert "Children's functioning: 3 → —" in text and "before: «tired, but trying»" in text
    assert "Average: 3.0 → —" in text


async def test_mentors_only_where_allowed_and_forged_presses_refused(app: BotHarness) -> None:
    admin = await app.admin(ADMIN_ID)
    family_id = await app.add_family(ADMIN_ID, FAMILY)
    mentor = await app.joined(MENTOR_ID, await app.invitation(ADMIN_ID, Role.MENTOR))
    await link(app, family_id, MENTOR_ID, "mentor")
    await open_assessment(admin)
    await admin.press("📝 Предварительная")
    await admin.press("2 · заметные трудности")
    await admin.send_text("Секретная заметка")
    await admin.press("✖️ Закончить")
    coordinator_overview = admin.last()
    record_button = next(
        b["callback_data"] for b in coordinator_overview.buttons() if b["text"] == "📝 Итоговая"
    )

    # Without the setting the mentor's case has no assessment button.
    await mentor.send_command("case")
    await mentor.press(FAMILY)
    case_window = mentor.last()
    assert "📊 Оценка" not in case_window.button_texts()
    # Forging the hub's button under the mentor's own case: the assessment refuses to open.
    own_intent = case_window.buttons()[0]["callback_data"].split("\x1d")[0]
    before = len(await refusals(app))
    await mentor.press_forged(f"{own_intent}\x1dcase_assess", case_window.message_id)
    answer = app.fake.calls_of("answerCallbackQuery")[-1]
    assert "для вашей роли это недоступно" in answer.params["text"]
    denied = await refusals(app)
    assert len(denied) == before + 1 and denied[-1].details == {"attempted": "case.details"}
    assert not any("Секретная заметка" in t for t in mentor.texts())
    await mentor.press("👪 Состав семьи")  # the case still works as before
    assert "Секретная заметка" not in mentor.last_text()
    # A parent has no /case at all.
    parent = await app.joined(PARENT_ID, await app.invitation(ADMIN_ID, Role.PARENT, family_id))
    await parent.send_command("case")
    assert "Секретная заметка" not in parent.last_text() and FAMILY not in parent.last_text()

    # With it the mentor reads the assessment, without the recording buttons…
    app.settings.mentors_see_case_details = True
    await open_assessment(mentor)
    overview = mentor.last()
    assert "Как живут дети: 2 → —" in overview.visible_text
    assert "Секретная заметка" in overview.visible_text
    assert not {"📝 Предварительная", "📝 Итоговая"} & set(overview.button_texts())
    # …and a forged press of the coordinator's button under the mentor's own window is refused.
    own_intent = overview.buttons()[0]["callback_data"].split("\x1d")[0]
    widget = record_button.split("\x1d", 1)[1]
    before = len(await refusals(app))
    await mentor.press_forged(f"{own_intent}\x1d{widget}", overview.message_id)
    answer = app.fake.calls_of("answerCallbackQuery")[-1]
    assert "для вашей роли это недоступно" in answer.params["text"]
    denied = await refusals(app)
    assert len(denied) == before + 1 and denied[-1].details == {"attempted": "case.keep"}
    # The setting off again: back on the case, the button is gone.
    app.settings.mentors_see_case_details = False
    await mentor.press("⬅️ Назад")
    assert "📊 Оценка" not in mentor.last().button_texts()
    # The coordinator's button as it is: a stale button in anyone else's chat.
    await mentor.press_forged(record_button, mentor.last().message_id)
    assert await stored(app) == {("intake", "children"): (2, "Секретная заметка")}
