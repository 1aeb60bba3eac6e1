"""The family's case through /case and the family card: the request (day, how the family came,
its words, difficulties, level and signs) and the make-up recorded by a coordinator, read by the
family's mentor; the level at intake becomes the family's level; every view is audited; parents
and strangers to the family see none of it; forged member ids are refused."""

from __future__ import annotations

from sqlalchemy import select

from bot.db.models import CaseRequest, Family, FamilyMember, Role
from tests.conftest import ADMIN_ID
from tests.e2e.steps import audits
from tests.faketg import FakeUser
from tests.harness import BotHarness
from tests.homework_support import link

MENTOR_ID, OTHER_MENTOR_ID, PARENT_ID = 2001, 2002, 3001
FAMILY = "Ивановы"
WORDS = "Хочу, чтобы сын снова ходил в школу <и не дрался>"


async def world(app: BotHarness) -> tuple[FakeUser, FakeUser, int]:
    admin = await app.admin(ADMIN_ID, first_name="Ольга")
    family_id = await app.add_family(ADMIN_ID, FAMILY)
    mentor = await app.joined(
        MENTOR_ID, await app.invitation(ADMIN_ID, Role.MENTOR), first_name="Пётр"
    )
    await link(app, MENTOR_ID, family_id, "mentor")
    await link(app, ADMIN_ID, family_id, "curator")
    return admin, mentor, family_id


async def open_case(user: FakeUser, family: str = FAMILY) -> None:
    await user.send_command("case")
    await user.press(next(t for t in user.last().button_texts() if t.startswith(family)))


async def record_request_ru(admin: FakeUser) -> None:
    await admin.press("📝 Записать обращение")
    assert "Когда семья обратилась в службу?" in admin.last_text()
    await admin.send_text("31.12.2030")
    assert "Этот день ещё не наступил" in admin.last_text()
    await admin.send_text("20.11.2026")
    await admin.press("КДНиЗП")
    await admin.send_photo()  # a photo where the family's words are asked: said, nothing lost
    assert "пришлите запрос семьи текстом" in admin.last_text()
    await admin.send_text(WORDS)
    await admin.press("▫️ Экономические")
    await admin.press("▫️ Психологические")
    await admin.press("➡️ Далее")
    assert "Какой уровень сопровождения нужен семье?" in admin.last_text()
    assert "Жестокое обращение" in admin.last_text()  # the signs of both levels are shown
    await admin.press("кризисный")
    await admin.press("✅ Сохранить обращение")  # no sign ticked yet
    assert "отметьте хотя бы один признак" in admin.last_text()
    await admin.press("▫️ Неблагоприятное положение ребёнка")
    await admin.press("▫️ Ресурсов семьи недостаточно")
    await admin.press("✅ Сохранить обращение")


async def test_a_coordinator_records_the_request_and_the_make_up_and_the_mentor_reads_them(
    app: BotHarness,
) -> None:
    admin, mentor, family_id = await world(app)

    await open_case(admin)
    text = admin.last_text()
    assert f"Дело семьи «{FAMILY}»" in text
    assert "Обращение: пока не записано." in text and "Состав семьи: пока не записан." in text
    await record_request_ru(admin)
    text = admin.last_text()
    assert "✅ Обращение сохранено." in text
    assert "Обращение от 20.11.2026 · КДНиЗП" in text
    assert "Словами семьи: «Хочу, чтобы сын снова ходил в школу <и не дрался>»" in text
    assert "Трудности: Экономические, Психологические" in text
    assert (
        "Уровень при обращении: кризисный — Неблагоприятное положение ребёнка, "
        "Ресурсов семьи недостаточно" in text
    )
    assert "Уровень сопровождения сейчас: кризисный" in text

    # The make-up: an adult and two children, one without a known year.
    await admin.press("👪 Состав семьи")
    assert "в списке пока никого" in admin.last_text()
    await admin.press("➕ Взрослый")
    await admin.send_text("Марина")
    await admin.send_text("19xx")
    assert "год рождения, например 2015" in admin.last_text()
    await admin.send_text("1990")
    await admin.press("мама")
    assert "✅ Марина — в списке." in admin.last_text()
    await admin.press("➕ Ребёнок")
    await admin.send_text("Саша")
    await admin.send_text("2015")
    await admin.press("➕ Ребёнок")
    await admin.send_text("младшая")
    await admin.press("➡️ Неизвестен")
    text = admin.last_text()
    assert "взрослых — 1, детей — 2" in text
    assert "Марина · 1990 г. р. (36 л.) · мама" in text
    assert "Саша · 2015 г. р. (11 л.) · ребёнок" in text
    await admin.press("⬅️ К делу")
    assert "<b>Состав семьи</b>" not in admin.last_text()  # HTML is rendered, not shown
    assert "Состав семьи: взрослых — 1, детей — 2" in admin.last_text()

    # The mentor reads it from the family card; records nothing; sees no assessment/documents.
    await mentor.send_command("case")
    await mentor.press(next(t for t in mentor.last().button_texts() if t.startswith(FAMILY)))
    text = mentor.last_text()
    assert "Обращение от 20.11.2026 · КДНиЗП" in text and "Марина · 1990" in text
    buttons = mentor.last().button_texts()
    assert "✏️ Исправить обращение" not in buttons
    assert "📊 Оценка" not in buttons and "📎 Документы" not in buttons
    await mentor.press("👪 Состав семьи")
    assert "➕ Взрослый" not in mentor.last().button_texts()

    async with app.sessionmaker() as session:
        request = await session.scalar(select(CaseRequest))
        assert request is not None and request.family_id == family_id
        assert request.source == "kdn" and request.level == "crisis"
        assert request.difficulties == ["economic", "psychological"]
        assert request.level_signs == ["child_unfavourable", "low_resources"]
        family = await session.get(Family, family_id)
        assert family is not None and family.support_level == "crisis"
        members = list(await session.scalars(select(FamilyMember).order_by(FamilyMember.id)))
        assert [(m.name, m.birth_year, m.is_child, m.relation) for m in members] == [
            ("Марина", 1990, False, "mother"),
            ("Саша", 2015, True, None),
            ("младшая", None, True, None),
        ]
    views = await audits(app, "case.view")
    assert len(views) >= 2 and {v.object_id for v in views} == {family_id}
    assert await audits(app, "case.request.save")

    # Correcting the request keeps what was recorded: through every step with one tap each.
    await admin.press("✏️ Исправить обращение")
    await admin.press(next(t for t in admin.last().button_texts() if t.startswith("как записано")))
    await admin.press("✅ КДНиЗП")
    await admin.press("➡️ Оставить как есть")
    assert "✅ Экономические" in admin.last().button_texts()
    await admin.press("➡️ Далее")
    await admin.press("✅ кризисный")
    await admin.press("✅ Сохранить обращение")
    assert "Словами семьи: «Хочу, чтобы сын" in admin.last_text()


async def test_the_card_leads_to_the_case_and_back(app: BotHarness) -> None:
    admin, _mentor, _family_id = await world(app)
    await admin.send_command("families")
    await admin.press(next(t for t in admin.last().button_texts() if t.startswith(FAMILY)))
    await admin.press("🗂 Дело семьи")
    assert f"Дело семьи «{FAMILY}»" in admin.last_text()
    await admin.press("⬅️ Назад")
    assert "Категория:" in admin.last_text()


async def test_in_english(app: BotHarness) -> None:
    admin = await app.admin(ADMIN_ID, language_code="en")
    await app.add_family(ADMIN_ID, "Smiths")
    await open_case(admin, "Smiths")
    assert "Case of the family «Smiths»" in admin.last_text()
    await admin.press("📝 Record the request")
    await admin.send_text("20.11.2026")
    await admin.press("School or kindergarten")
    await admin.press("➡️ Skip")
    await admin.press("➡️ Next")
    await admin.press("✅ basic")  # the family's level now is chosen already
    await admin.press("▫️ The family feels a need for support")
    await admin.press("✅ Save the request")
    text = admin.last_text()
    assert "Request of 20.11.2026 · School or kindergarten" in text
    assert "Difficulties: —" in text
    assert "Level at intake: basic — The family feels a need for support" in text


async def test_parents_and_other_mentors_see_none_of_it(app: BotHarness) -> None:
    _admin, _mentor, family_id = await world(app)
    other = await app.joined(OTHER_MENTOR_ID, await app.invitation(ADMIN_ID, Role.MENTOR))
    parent = await app.joined(
        PARENT_ID, await app.invitation(ADMIN_ID, Role.PARENT, family_id=family_id)
    )
    await other.send_command("case")
    assert "За вами пока не закреплено ни одной семьи." in other.last_text()
    assert FAMILY not in " ".join(other.last().button_texts())
    await parent.send_command("case")
    assert "для вашей роли это недоступно" in parent.last_text()
    async with app.sessionmaker() as session:
        assert await session.scalar(select(CaseRequest)) is None


async def test_a_forged_member_id_is_refused(app: BotHarness) -> None:
    admin, _mentor, family_id = await world(app)
    other_family = await app.add_family(ADMIN_ID, "Петровы")
    async with app.sessionmaker.begin() as session:
        stranger = FamilyMember(
            family_id=other_family,
            name="Чужой",
            is_child=True,
            created_at=app.clock.now(),
        )
        session.add(stranger)
        await session.flush()
        stranger_id = stranger.id
    await open_case(admin)
    await admin.press("👪 Состав семьи")
    await admin.press("➕ Ребёнок")
    await admin.send_text("Саша")
    await admin.send_text("2015")
    list_message = admin.last()
    own = next(b for b in list_message.buttons() if b["text"] == "Саша")
    forged = own["callback_data"].rsplit(":", 1)[0] + f":{stranger_id}"
    await admin.press_forged(forged, list_message.message_id)
    assert "Чужой" not in admin.last_text()
    assert "Эта кнопка устарела." in admin.last_text()
    assert family_id != other_family
