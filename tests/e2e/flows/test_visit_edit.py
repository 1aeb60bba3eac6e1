"""/myvisits: paging, details, editing and deleting within the window; a coordinator after it."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from bot.db.models import AuditEntry
from bot.services import visits
from bot.services.visits import VisitDraft
from tests.conftest import ADMIN_ID
from tests.e2e.steps import MENTOR_ID, fill_to_summary_ru, mentor_with, visits_in_db
from tests.harness import BotHarness


async def add_visit(app: BotHarness, family_id: int, day: date, key: str, **kw: object) -> int:
    actor = await app.actor(kw.pop("telegram_id", MENTOR_ID))  # type: ignore[arg-type]
    async with app.sessionmaker.begin() as session:
        visit = await visits.create_visit(
            session,
            actor,
            VisitDraft(
                family_id=family_id,
                visit_date=day,
                format="call",
                duration_minutes=15,
                methods=("curation",),
                situation=3,
            ),
            now=app.clock.now(),
            draft_key=key,
        )
        return visit.id


async def test_author_edits_a_visit_from_myvisits_within_48_hours(app: BotHarness) -> None:
    mentor, _ids = await mentor_with(app, "Зайцевы")
    await mentor.send_command("visit")
    await fill_to_summary_ru(mentor)
    await mentor.press("✅ Сохранить")
    await mentor.press("📋 Мои визиты")
    assert "Мои визиты: 1" in mentor.last_text()
    app.clock.advance(hours=47)
    await mentor.press("23.11.2026 · Зайцевы · Визит домой")
    detail = mentor.last_text()
    assert "Длительность: 60 мин" in detail and "в течение 48 ч" in detail
    await mentor.press("✏️ Изменить")
    assert "Проверьте, пожалуйста" in mentor.last_text()
    await mentor.press("✏️ Изменить")
    steps = mentor.last().button_texts()
    assert "Семья" not in steps and "Длительность" in steps
    await mentor.press("Длительность")
    await mentor.press("90 мин")
    await mentor.press("✏️ Изменить")
    await mentor.press("Заметки")
    await mentor.send_voice()
    assert "Заметки: 🎤 голосовое сообщение" in mentor.last_text()
    await mentor.press("✅ Сохранить")
    assert "Изменения сохранены" in mentor.last_text()
    await mentor.press("⬅️ Назад")
    assert "Длительность: 90 мин" in mentor.last_text()  # back on the details
    await mentor.press("🎤 Прослушать голосовую заметку")
    assert mentor.last().kind == "voice"
    (visit,) = await visits_in_db(app)
    assert visit.duration_minutes == 90 and visit.notes_voice_file_id
    assert visit.updated_by_id == (await app.actor(MENTOR_ID)).person_id
    async with app.sessionmaker() as session:
        audited = list(await session.scalars(select(AuditEntry.action)))
    assert "visit.edit" not in audited


async def test_after_48_hours_the_author_cannot_change_and_a_coordinator_can(
    app: BotHarness,
) -> None:
    mentor, (family_id,) = await mentor_with(app, "Орловы")
    visit_id = await add_visit(app, family_id, date(2026, 11, 23), "e2e-key-1")
    await mentor.send_command("myvisits")
    await mentor.press("23.11.2026 · Орловы · Звонок или видеосвязь")
    assert "✏️ Изменить" in mentor.last().button_texts()
    app.clock.advance(hours=49)
    await mentor.send_command("myvisits")
    await mentor.press("23.11.2026 · Орловы · Звонок или видеосвязь")
    detail = mentor.last()
    assert "✏️ Изменить" not in detail.button_texts()
    assert "🗑 Удалить" not in detail.button_texts()
    # the buttons the author saw before, sent by hand: refused with a kind word, nothing changes
    back = next(b for b in detail.buttons() if b["text"] == "⬅️ Назад")
    intent = back["callback_data"].split("\x1d")[0]
    await mentor.press_forged(f"{intent}\x1dedit", detail.message_id)
    assert "Время для изменений (48 ч) прошло" in mentor.last_text()
    await mentor.press_forged(f"{intent}\x1ddelete", detail.message_id)
    await mentor.press("🗑 Удалить")
    answer = app.fake.calls_of("answerCallbackQuery")[-1]
    assert "что-то изменилось" in answer.params["text"]
    (visit,) = await visits_in_db(app)
    assert visit.deleted_at is None and visit.duration_minutes == 15

    # the coordinator corrects it (the family card opens the same form with the visit's id)
    coordinator = await app.actor(ADMIN_ID)
    async with app.sessionmaker.begin() as session:
        await visits.update_visit(
            session,
            coordinator,
            visit_id,
            VisitDraft(
                family_id=family_id,
                visit_date=date(2026, 11, 22),
                format="call",
                duration_minutes=30,
                methods=("curation",),
                situation=3,
            ),
            now=app.clock.now(),
        )
        await visits.delete_visit(session, coordinator, visit_id, now=app.clock.now())
    async with app.sessionmaker() as session:
        audited = list(
            await session.execute(
                select(AuditEntry.action, AuditEntry.object_id).where(
                    AuditEntry.action.like("visit.%")
                )
            )
        )
    assert [tuple(a) for a in audited] == [("visit.edit", visit_id), ("visit.delete", visit_id)]


async def test_author_deletes_a_visit(app: BotHarness) -> None:
    mentor, (family_id,) = await mentor_with(app, "Лисицыны")
    await add_visit(app, family_id, date(2026, 11, 20), "e2e-key-2")
    await mentor.send_command("myvisits")
    await mentor.press("20.11.2026 · Лисицыны · Звонок или видеосвязь")
    await mentor.press("🗑 Удалить")
    assert "Удалить этот визит?" in mentor.last_text()
    await mentor.press("Оставить")
    assert "Дата: 20.11.2026" in mentor.last_text()
    await mentor.press("🗑 Удалить")
    await mentor.press("🗑 Удалить")
    text = mentor.last_text()
    assert "Визит удалён" in text and "Визитов пока нет" in text
    (visit,) = await visits_in_db(app)
    assert visit.deleted_at == app.clock.now()


async def test_myvisits_pages_newest_first_and_filters_by_family(app: BotHarness) -> None:
    mentor, (first_id, second_id) = await mentor_with(app, "Алексеевы", "Борисовы")
    for n in range(10):
        await add_visit(app, first_id, date(2026, 11, 1) + timedelta(days=n), f"page-key-{n:02d}")
    await add_visit(app, second_id, date(2026, 10, 1), "page-key-other")
    await mentor.send_command("myvisits")
    first = mentor.last()
    assert "Мои визиты: 11 (страница 1 из 2)" in first.visible_text
    visit_buttons = [t for t in first.button_texts() if "·" in t]
    assert visit_buttons[0].startswith("10.11.2026 · Алексеевы")
    assert len(visit_buttons) == 8
    await mentor.press("▶️")
    page_two = [t for t in mentor.last().button_texts() if "·" in t]
    assert page_two[-1].startswith("01.10.2026 · Борисовы") and len(page_two) == 3
    await mentor.press("Борисовы")
    assert "Мои визиты: 1 (страница 1 из 1)" in mentor.last_text()
    await mentor.press("Все семьи")
    assert "Мои визиты: 11" in mentor.last_text()


async def test_myvisits_in_english_and_a_foreign_visit_is_refused(app: BotHarness) -> None:
    from bot.db.models import Role
    from tests.e2e.steps import attach

    await app.admin(ADMIN_ID)
    mentor, (family_id,) = await mentor_with(app, "Smirnov family", language_code="en")
    other = await app.joined(2002, await app.invitation(ADMIN_ID, Role.MENTOR))
    other_family = await app.add_family(ADMIN_ID, "Foreign family")
    await attach(app, 2002, other_family)
    foreign_id = await add_visit(
        app, other_family, date(2026, 11, 22), "foreign-key", telegram_id=2002
    )
    await add_visit(app, family_id, date(2026, 11, 21), "own-key-1")
    await mentor.send_command("myvisits")
    listing = mentor.last()
    assert "My visits: 1 (page 1 of 1)" in listing.visible_text
    own = next(b for b in listing.buttons() if "·" in b["text"])
    assert own["text"] == "21.11.2026 · Smirnov family · Phone or video call"
    forged = own["callback_data"].rsplit(":", 1)[0] + f":{foreign_id}"
    await mentor.press_forged(forged, listing.message_id)
    answer = app.fake.calls_of("answerCallbackQuery")[-1]
    assert "not available for your role" in answer.params["text"]
    assert "Foreign family" not in mentor.last_text()
    await mentor.press(own["text"])
    assert "Family: Smirnov family" in mentor.last_text()
    assert other is not None


async def test_a_coordinator_corrects_an_old_visit_from_the_family_card(app: BotHarness) -> None:
    admin = await app.admin(ADMIN_ID)
    _mentor, (family_id,) = await mentor_with(app, "Гусевы")
    visit_id = await add_visit(app, family_id, date(2026, 11, 23), "e2e-key-card")
    app.clock.advance(hours=72)  # long past the mentor's 48 hours
    await admin.send_command("families")
    await admin.press(next(t for t in admin.last().button_texts() if t.startswith("Гусевы")))
    await admin.press(next(t for t in admin.last().button_texts() if t.startswith("🔎 23.11.2026")))
    assert "Звонок или видеосвязь" in admin.last_text()
    await admin.press("✏️ Изменить")
    await admin.press("✏️ Изменить")  # the summary: choose a step to change
    await admin.press(next(t for t in admin.last().button_texts() if "Длительность" in t))
    await admin.press("45 мин")
    await admin.press("✅ Сохранить")
    (visit,) = await visits_in_db(app)
    assert visit.duration_minutes == 45
    async with app.sessionmaker() as session:
        actions = list(
            await session.scalars(select(AuditEntry.action).where(AuditEntry.object_id == visit_id))
        )
    assert "visit.edit" in actions and "visit.view" in actions
