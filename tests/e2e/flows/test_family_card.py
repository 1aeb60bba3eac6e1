"""The family card: what it shows, assigning mentors and the curator, closing a case."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from bot.db.models import (
    AuditEntry,
    Family,
    FamilyLink,
    LevelChange,
    OutboxMessage,
    Role,
    SocialMap,
    Visit,
)
from tests.conftest import ADMIN_ID
from tests.faketg import FakeUser
from tests.harness import BotHarness


async def mentor(app: BotHarness, user_id: int, name: str, lang: str = "ru") -> FakeUser:
    token = await app.invitation(ADMIN_ID, Role.MENTOR)
    user = await app.joined(user_id, token, first_name=name, language_code=lang)
    await app.deliver()  # the coordinator's «accepted your invitation» notice, out of the way
    return user


async def add_visit(
    app: BotHarness, family_id: int, mentor_id: int, day: date, *, situation: int = 3, **kw: object
) -> None:
    async with app.sessionmaker.begin() as session:
        person = await app.actor(mentor_id)
        session.add(
            Visit(
                family_id=family_id,
                mentor_id=person.person_id,
                visit_date=day,
                recorded_at=app.clock.now(),
                format=kw.get("format", "home"),
                duration_minutes=60,
                methods=["observation"],
                help_given=[],
                situation=situation,
                concern=bool(kw.get("concern", False)),
                draft_key=f"{family_id}:{mentor_id}:{day}:{situation}",
                deleted_at=kw.get("deleted_at"),
            )
        )


async def open_card(user: FakeUser, family_name: str) -> str:
    await user.send_command("families")
    await user.press(next(t for t in user.last().button_texts() if t.startswith(family_name)))
    return user.last_text()


async def finish_closing(user: FakeUser) -> None:
    """The closing's last steps (the final meeting and the summary), skipped."""
    await user.press("➡️ Итоговой встречи не было")
    await user.press("🔒 Закрыть без итога")


async def audit_rows(app: BotHarness, action: str) -> list[AuditEntry]:
    async with app.sessionmaker() as session:
        rows = await session.scalars(
            select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)
        )
        return list(rows)


async def links(app: BotHarness, family_id: int, kind: str) -> list[int]:
    async with app.sessionmaker() as session:
        rows = await session.scalars(
            select(FamilyLink.person_id)
            .where(FamilyLink.family_id == family_id, FamilyLink.kind == kind)
            .order_by(FamilyLink.person_id)
        )
        return list(rows)


async def test_the_card_shows_everything_in_russian_and_is_audited(app: BotHarness) -> None:
    admin = await app.admin(ADMIN_ID, first_name="Ольга")
    family_id = await app.add_family(ADMIN_ID, "Ивановы <b>", "Asia/Novokuznetsk")
    await app.joined(
        3001, await app.invitation(ADMIN_ID, Role.PARENT, family_id), first_name="Мария"
    )
    await mentor(app, 2001, "Пётр")
    await add_visit(app, family_id, 2001, date(2026, 11, 20), situation=2, format="call")
    await add_visit(app, family_id, 2001, date(2026, 11, 22), situation=4, concern=True)
    await add_visit(app, family_id, 2001, date(2026, 11, 21), deleted_at=app.clock.now())
    text = await open_card(admin, "Ивановы <b>")
    assert "Ивановы <b>" in text
    assert "Категория: ТЖС (трудная жизненная ситуация)" in text
    assert "Уровень сопровождения: базовый" in text
    assert "Часовой пояс: Кузбасс (UTC+7)" in text
    assert "Родители: Мария" in text
    assert "Наставники: пока не назначены" in text
    assert "Куратор случая: пока не назначен" in text
    assert "Статус: случай открыт" in text
    assert "Визиты: 2" in text  # the deleted one is left out
    newest, older = text.index("22.11.2026"), text.index("20.11.2026")
    assert newest < older
    assert "⚠️ 22.11.2026 · Пётр · Визит домой · 4 — лучше" in text
    assert "20.11.2026 · Пётр · Звонок или видеосвязь · 2 — тяжело" in text
    assert "21.11.2026" not in text
    assert {"👤 Наставники", "🧭 Куратор", "🔒 Закрыть случай"} <= set(admin.last().button_texts())
    views = await audit_rows(app, "family.view")
    assert views and views[-1].object_id == family_id and views[-1].actor_id is not None


async def test_the_card_in_english(app: BotHarness) -> None:
    admin = await app.admin(ADMIN_ID, language_code="en")
    family_id = await app.add_family(ADMIN_ID, "Smiths")
    await mentor(app, 2001, "Peter")
    await add_visit(app, family_id, 2001, date(2026, 11, 20), situation=5)
    text = await open_card(admin, "Smiths")
    assert "Category: Difficult life situation" in text
    assert "Support level: basic" in text
    assert "Time zone: Moscow, Vologda (UTC+3)" in text
    assert "Parents: none linked yet" in text
    assert "Curator: not assigned yet" in text
    assert "Status: open" in text
    assert "Visits: 1" in text
    assert "20.11.2026 · Peter · Home visit · 5 — good" in text
    await admin.press("👤 Mentors")
    await admin.press("➕ Assign a mentor")
    await admin.press("Peter · 👪 0")
    assert "Peter is now a mentor of the family" in admin.last_text()


async def test_assign_mentors_and_they_are_told_in_their_language(app: BotHarness) -> None:
    admin = await app.admin(ADMIN_ID)
    family_id = await app.add_family(ADMIN_ID, "Петровы")
    peter = await mentor(app, 2001, "Пётр")
    john = await mentor(app, 2002, "John", lang="en")
    await open_card(admin, "Петровы")
    await admin.press("👤 Наставники")
    assert "Наставников пока нет" in admin.last_text()
    await admin.press("➕ Назначить наставника")
    assert admin.last().button_texts()[:2] == ["John · 👪 0", "Пётр · 👪 0"]
    await admin.press("Пётр · 👪 0")
    assert "Пётр теперь наставник семьи" in admin.last_text()
    await admin.press("➕ Назначить наставника")
    assert "Пётр · 👪 0" not in admin.last().button_texts()  # already attached
    await admin.press("John · 👪 0")
    assert set(await links(app, family_id, "mentor")) == {
        (await app.actor(2001)).person_id,
        (await app.actor(2002)).person_id,
    }
    await app.deliver()
    assert "За вами как за наставником закреплена семья «Петровы»" in peter.last_text()
    assert "/visit" in peter.last_text()
    assert "The family «Петровы» is now in your care as their mentor" in john.last_text()
    assert len(await audit_rows(app, "family.mentor.assign")) == 2
    await admin.press("⬅️ Назад")
    assert "Наставники: Пётр, John" in admin.last_text()


async def test_reassign_a_mentor(app: BotHarness) -> None:
    admin = await app.admin(ADMIN_ID)
    family_id = await app.add_family(ADMIN_ID, "Сидоровы")
    peter = await mentor(app, 2001, "Пётр")
    await mentor(app, 2002, "Иван")
    await open_card(admin, "Сидоровы")
    await admin.press("👤 Наставники")
    await admin.press("➕ Назначить наставника")
    await admin.press("Пётр · 👪 0")
    await admin.press("❌ Пётр")
    assert "Открепить Пётр от семьи «Сидоровы»?" in admin.last_text()
    await admin.press("Открепить")
    assert "Наставник откреплён" in admin.last_text()
    await admin.press("➕ Назначить наставника")
    await admin.press("Иван · 👪 0")
    assert await links(app, family_id, "mentor") == [(await app.actor(2002)).person_id]
    assert len(await audit_rows(app, "family.mentor.unassign")) == 1
    # Assigned again later: told again.
    await admin.press("➕ Назначить наставника")
    await admin.press("Пётр · 👪 0")
    await app.deliver()
    told = [t for t in peter.texts() if "закреплена семья «Сидоровы»" in t]
    assert len(told) == 2


async def test_set_and_replace_the_curator(app: BotHarness) -> None:
    admin = await app.admin(ADMIN_ID, first_name="Ольга")
    family_id = await app.add_family(ADMIN_ID, "Козловы")
    second = await app.joined(
        1002, await app.invitation(ADMIN_ID, Role.COORDINATOR), first_name="Вера"
    )
    await open_card(admin, "Козловы")
    await admin.press("🧭 Куратор")
    assert "Куратор случая семьи «Козловы»: пока не назначен" in admin.last_text()
    await admin.press("Ольга · 🧭 0")
    assert "Куратор случая теперь: Ольга" in admin.last_text()
    assert "Куратор случая: Ольга" in admin.last_text()
    await admin.press("🧭 Куратор")
    assert "✓ Ольга · 🧭 1" in admin.last().button_texts()
    await admin.press("Вера · 🧭 0")
    assert "Куратор случая: Вера" in admin.last_text()
    assert await links(app, family_id, "curator") == [(await app.actor(1002)).person_id]
    await app.deliver()
    assert "Вы назначены куратором случая семьи «Козловы»" in second.last_text()
    # The coordinator who made themselves the curator is not told about it.
    assert not any("назначены куратором" in t for t in admin.texts())
    sets = await audit_rows(app, "family.curator.set")
    assert len(sets) == 2 and sets[-1].details is not None
    assert sets[-1].details["replaced"] == [(await app.actor(ADMIN_ID)).person_id]


async def test_close_with_each_reason_and_reopen(app: BotHarness) -> None:
    admin = await app.admin(ADMIN_ID)
    family_id = await app.add_family(ADMIN_ID, "Новиковы")
    expected = {
        "снята с учёта по улучшению": ("improvement", None),
        "семья переехала": ("moved", "в Омск"),
        "семья отказалась от сопровождения": ("refused", None),
        "другая причина": ("other", "решение суда"),
    }
    for label, (code, note) in expected.items():
        await open_card(admin, "Новиковы")
        await admin.press("🔒 Закрыть случай")
        await admin.press(label)
        assert f"Причина: {label}." in admin.last_text()
        if note is None:
            await admin.press("🔒 Закрыть без примечания")
        else:
            if code == "other":
                assert "🔒 Закрыть без примечания" not in admin.last().button_texts()
                await admin.send_photo()
                assert "примечание текстом" in admin.last_text()
            await admin.send_text(note)
        if code == "moved":  # the final meeting's date and a summary, kept on the card
            assert "Когда она была?" in admin.last_text()
            await admin.send_text("24.11.2026")
            assert "Итоговая встреча уже должна была пройти" in admin.last_text()
            await admin.press("21.11.2026")
            await admin.send_text("Семья устроилась на новом месте")
        else:
            await finish_closing(admin)
        text = admin.last_text()
        assert "Случай закрыт" in text
        assert "Этап: закрыт" in text
        assert ("Итоговая встреча: 21.11.2026" in text) == (code == "moved")
        assert ("Итог: Семья устроилась на новом месте" in text) == (code == "moved")
        assert f"Статус: случай закрыт 23.11.2026 — {label}" in text
        assert (f"Примечание: {note}" in text) == (note is not None)
        assert "🔓 Открыть случай снова" in admin.last().button_texts()
        assert "👤 Наставники" not in admin.last().button_texts()
        async with app.sessionmaker() as session:
            family = await session.get(Family, family_id)
            assert family is not None
            assert (family.closed_reason, family.closed_note) == (code, note)
        await admin.press("🔓 Открыть случай снова")
        assert "Случай снова открыт" in admin.last_text()
        assert "Статус: случай открыт" in admin.last_text()
    assert len(await audit_rows(app, "family.close")) == 4
    assert len(await audit_rows(app, "family.reopen")) == 4


async def test_other_reason_needs_a_note(app: BotHarness) -> None:
    admin = await app.admin(ADMIN_ID)
    family_id = await app.add_family(ADMIN_ID, "Морозовы")
    await open_card(admin, "Морозовы")
    await admin.press("🔒 Закрыть случай")
    await admin.press("другая причина")
    assert "Напишите, пожалуйста, причину" in admin.last_text()
    await admin.send_sticker()
    assert "примечание текстом" in admin.last_text()
    await admin.send_text("x" * 501)
    assert "уложитесь, пожалуйста, в 500 символов" in admin.last_text()
    async with app.sessionmaker() as session:
        family = await session.get(Family, family_id)
        assert family is not None and family.closed_at is None


async def test_closed_families_are_hidden_unless_asked(app: BotHarness) -> None:
    admin = await app.admin(ADMIN_ID)
    await app.add_family(ADMIN_ID, "Открытые")
    await app.add_family(ADMIN_ID, "Закрытые")
    await open_card(admin, "Закрытые")
    await admin.press("🔒 Закрыть случай")
    await admin.press("семья переехала")
    await admin.press("🔒 Закрыть без примечания")
    await finish_closing(admin)
    await admin.send_command("families")
    buttons = admin.last().button_texts()
    assert "Семьи: 1" in admin.last_text()
    assert any(b.startswith("Открытые") for b in buttons)
    assert not any("Закрытые" in b for b in buttons)
    await admin.press("🔒 Показать закрытые случаи")
    assert "Показаны и закрытые случаи" in admin.last_text()
    assert "🔒 Закрытые · ТЖС (трудная жизненная ситуация) · базовый" in admin.last().button_texts()
    await admin.press("🔒 Закрытые · ТЖС (трудная жизненная ситуация) · базовый")
    assert "Статус: случай закрыт" in admin.last_text()
    await admin.press("⬅️ Назад")
    await admin.press("Скрыть закрытые случаи")
    assert not any("Закрытые" in b for b in admin.last().button_texts())


async def test_support_level_changes_from_the_card(app: BotHarness) -> None:
    admin = await app.admin(ADMIN_ID)
    family_id = await app.add_family(ADMIN_ID, "Волковы")
    await open_card(admin, "Волковы")
    await admin.press("🚨 Перевести на кризисный уровень")
    assert "Уровень станет кризисный. Почему?" in admin.last_text()
    await admin.send_photo()  # not a reason: said, nothing changed
    assert "напишите причину текстом" in admin.last_text()
    await admin.send_text("угроза жизни ребёнка")
    assert "Уровень сопровождения теперь: кризисный" in admin.last_text()
    assert "Уровень сопровождения: кризисный" in admin.last_text()
    await admin.press("↘️ Вернуть базовый уровень")
    await admin.press("✖️ Отмена")  # changed their mind: the level stays
    assert "Уровень сопровождения: кризисный" in admin.last_text()
    await admin.press("↘️ Вернуть базовый уровень")
    await admin.send_text("ситуация стабилизировалась")
    assert "Уровень сопровождения: базовый" in admin.last_text()
    async with app.sessionmaker() as session:
        family = await session.get(Family, family_id)
        assert family is not None and family.support_level == "basic"
        changes = list(await session.scalars(select(LevelChange).order_by(LevelChange.id)))
        assert [(c.from_level, c.to_level, c.source, c.reason) for c in changes] == [
            ("basic", "crisis", "card", "угроза жизни ребёнка"),
            ("crisis", "basic", "card", "ситуация стабилизировалась"),
        ]
    assert len(await audit_rows(app, "family.level")) == 2


async def test_a_mentor_sees_only_the_cards_of_their_families(app: BotHarness) -> None:
    admin = await app.admin(ADMIN_ID)
    mine = await app.add_family(ADMIN_ID, "Мои")
    other = await app.add_family(ADMIN_ID, "Чужие")
    peter = await mentor(app, 2001, "Пётр")
    await open_card(admin, "Мои")
    await admin.press("👤 Наставники")
    await admin.press("➕ Назначить наставника")
    await admin.press("Пётр · 👪 0")
    await peter.send_command("start")
    await peter.press("👪 Мои семьи")
    assert peter.last().button_texts()[0] == "Мои"
    await peter.press("Мои")
    text = peter.last_text()
    assert "Мои" in text and "Наставники: Пётр" in text
    buttons = peter.last().button_texts()
    assert not {"👤 Наставники", "🧭 Куратор", "🔒 Закрыть случай"} & set(buttons)
    # Forging the list's button with another family's id: refused and audited.
    await peter.press("⬅️ Назад")
    listing = peter.last()
    data = next(b["callback_data"] for b in listing.buttons() if b["text"] == "Мои")
    forged = data.rsplit(":", 1)[0] + f":{other}"
    await peter.press_forged(forged, listing.message_id)
    answer = app.fake.calls_of("answerCallbackQuery")[-1]
    assert "для вашей роли это недоступно" in answer.params["text"]
    denied = await audit_rows(app, "access.denied")
    assert denied and denied[-1].details == {"attempted": "family.view"}
    assert not any("Чужие" in t for t in peter.texts())
    assert mine != other


async def test_management_buttons_cannot_be_forged(app: BotHarness) -> None:
    admin = await app.admin(ADMIN_ID)
    family_id = await app.add_family(ADMIN_ID, "Лебедевы")
    await mentor(app, 2002, "Иван")
    peter = await mentor(app, 2001, "Пётр")
    parent = await app.joined(3001, await app.invitation(ADMIN_ID, Role.PARENT, family_id))
    await open_card(admin, "Лебедевы")
    await admin.press("👤 Наставники")
    await admin.press("➕ Назначить наставника")
    await admin.press("Пётр · 👪 0")
    await admin.press("⬅️ Назад")
    coordinator_card = admin.last()
    wanted = {
        "👤 Наставники",
        "🧭 Куратор",
        "🔒 Закрыть случай",
        "🚨 Перевести на кризисный уровень",
    }
    management = {
        b["text"]: b["callback_data"] for b in coordinator_card.buttons() if b["text"] in wanted
    }
    assert len(management) == 4
    await peter.send_command("start")
    await peter.press("👪 Мои семьи")
    await peter.press("Лебедевы")
    mentor_card = peter.last()
    own_intent = mentor_card.buttons()[0]["callback_data"].split("\x1d")[0]
    denied_before = len(await audit_rows(app, "access.denied"))
    for data in management.values():
        # the coordinator's widget under the mentor's own card: reaches the handler, which refuses
        widget = data.split("\x1d", 1)[1]
        await peter.press_forged(f"{own_intent}\x1d{widget}", peter.last().message_id)
        answer = app.fake.calls_of("answerCallbackQuery")[-1]
        assert "для вашей роли это недоступно" in answer.params["text"]
    # the pickers' and the closing form's buttons too
    for widget in ("pick_mentor:2", "pick_curator:1", "mentor:2", "reason:other", "no_note"):
        await peter.press_forged(f"{own_intent}\x1d{widget}", peter.last().message_id)
    for data in management.values():
        # the coordinator's data as it is: a stale button for anyone else
        await peter.press_forged(data, peter.last().message_id)
        await parent.press_forged(data, parent.last().message_id)
    denied = await audit_rows(app, "access.denied")
    assert len(denied) - denied_before >= 4
    async with app.sessionmaker() as session:
        family = await session.get(Family, family_id)
        assert family is not None
        assert family.closed_at is None and family.support_level == "basic"
    assert await links(app, family_id, "mentor") == [(await app.actor(2001)).person_id]
    assert await links(app, family_id, "curator") == []


async def test_parent_cannot_open_families(app: BotHarness) -> None:
    await app.admin(ADMIN_ID)
    family_id = await app.add_family(ADMIN_ID, "Орловы")
    parent = await app.joined(3001, await app.invitation(ADMIN_ID, Role.PARENT, family_id))
    await parent.send_command("start")
    assert "👪 Мои семьи" not in parent.last().button_texts()
    await parent.send_command("families")
    assert "для вашей роли это недоступно" in parent.last_text()


async def test_hundreds_of_families_stay_usable(app: BotHarness) -> None:
    admin = await app.admin(ADMIN_ID)
    async with app.sessionmaker.begin() as session:
        creator = (await app.actor(ADMIN_ID)).person_id
        for n in range(300):
            name = f"Семья {n:03d}"
            session.add(
                Family(
                    name=name,
                    search_name=name.casefold(),
                    category="tzhs",
                    support_level="basic",
                    timezone="Europe/Moscow",
                    created_at=app.clock.now(),
                    created_by_id=creator,
                    closed_at=app.clock.now() if n % 10 == 9 else None,
                )
            )
    await admin.send_command("families")
    assert "Семьи: 270 (страница 1 из 34)" in admin.last_text()
    assert len([b for b in admin.last().button_texts() if b.startswith("Семья")]) == 8
    for _ in range(3):
        await admin.press("▶️")
    assert "страница 4 из 34" in admin.last_text()
    assert admin.last().button_texts()[0].startswith("Семья 026")  # 9, 19 are closed
    await admin.send_text("семья 12")
    assert "Семьи: 9 (страница 2 из 2)" not in admin.last_text()
    assert "Семьи: 9 (страница 1 из 2)" in admin.last_text()
    await admin.press("🔒 Показать закрытые случаи")
    assert "Семьи: 10 (страница 1 из 2)" in admin.last_text()
    await admin.press("▶️")
    await admin.press("🔒 Семья 129 · ТЖС (трудная жизненная ситуация) · базовый")
    assert "Семья 129" in admin.last_text() and "случай закрыт" in admin.last_text()
    async with app.sessionmaker() as session:
        outbox = await session.scalar(select(OutboxMessage.id))
    assert outbox is None


async def test_double_taps_change_things_once(app: BotHarness) -> None:
    admin = await app.admin(ADMIN_ID)
    family_id = await app.add_family(ADMIN_ID, "Зайцевы")
    peter = await mentor(app, 2001, "Пётр")
    await open_card(admin, "Зайцевы")
    await admin.press("👤 Наставники")
    await admin.press("➕ Назначить наставника")
    picker = admin.last()
    pick = next(b for b in picker.buttons() if b["text"] == "Пётр · 👪 0")
    await admin.press_forged(pick["callback_data"], picker.message_id)
    await admin.press_forged(pick["callback_data"], picker.message_id)
    await admin.press("⬅️ Назад")
    card = admin.last()
    crisis = next(b for b in card.buttons() if b["text"].startswith("🚨"))
    await admin.press_forged(crisis["callback_data"], card.message_id)
    await admin.press_forged(crisis["callback_data"], card.message_id)
    await admin.send_text("угроза жизни ребёнка")  # the reason the level asks for
    await admin.press("🔒 Закрыть случай")
    await admin.press("семья переехала")
    form = admin.last()
    close = next(b for b in form.buttons() if b["text"] == "🔒 Закрыть без примечания")
    await admin.press_forged(close["callback_data"], form.message_id)
    await admin.press_forged(close["callback_data"], form.message_id)
    await admin.press("➡️ Итоговой встречи не было")
    form = admin.last()
    close = next(b for b in form.buttons() if b["text"] == "🔒 Закрыть без итога")
    await admin.press_forged(close["callback_data"], form.message_id)
    await admin.press_forged(close["callback_data"], form.message_id)
    assert "Статус: случай закрыт" in admin.last_text()
    await app.deliver()
    assert len([t for t in peter.texts() if "закреплена семья" in t]) == 1
    assert len(await audit_rows(app, "family.mentor.assign")) == 1
    assert len(await audit_rows(app, "family.level")) == 1
    assert len(await audit_rows(app, "family.close")) == 1
    assert await links(app, family_id, "mentor") == [(await app.actor(2001)).person_id]


async def test_the_card_opens_the_childs_social_map_for_coordinators(app: BotHarness) -> None:
    admin = await app.admin(ADMIN_ID)
    family_id = await app.add_family(ADMIN_ID, "Ивановы")
    await app.add_family(ADMIN_ID, "Петровы")
    peter = await mentor(app, 2001, "Пётр")
    async with app.sessionmaker.begin() as session:
        person = await app.actor(2001)
        session.add(
            FamilyLink(
                family_id=family_id,
                person_id=person.person_id,
                kind="mentor",
                created_at=app.clock.now(),
            )
        )
    await open_card(admin, "Ивановы")
    assert {"📋 План", "🗺 Карта связей"} <= set(admin.last().button_texts())
    await admin.press("🗺 Карта связей")
    assert "Ивановы" in admin.last_text()  # straight to the family's children, no family list
    await admin.send_text("Маша")
    await admin.press("🆕 Начать карту")
    async with app.sessionmaker() as session:
        maps = (await session.execute(select(SocialMap.family_id, SocialMap.child_name))).all()
    assert [tuple(row) for row in maps] == [(family_id, "Маша")]
    # Back from the map's children leads to the card it was opened from, not the family list.
    await admin.press("⬅️ Другой ребёнок")
    assert "⬅️ Другая семья" not in admin.last().button_texts()
    await admin.press("⬅️ Назад")
    assert "Ивановы" in admin.last_text() and "🗺 Карта связей" in admin.last().button_texts()

    # Maps are coordinators' work: a mentor's card has the plan, not the map.
    await peter.send_command("start")
    await peter.press("👪 Мои семьи")
    await peter.press("Ивановы")
    buttons = set(peter.last().button_texts())
    assert "📋 План" in buttons and "🗺 Карта связей" not in buttons
    # A closed case has no map button.
    await open_card(admin, "Ивановы")
    await admin.press("🔒 Закрыть случай")
    await admin.press("снята с учёта по улучшению")
    await admin.press("🔒 Закрыть без примечания")
    await finish_closing(admin)
    assert "🔓 Открыть случай снова" in admin.last().button_texts()
    assert "🗺 Карта связей" not in admin.last().button_texts()


async def test_the_menu_opens_the_plans_for_coordinators_and_mentors(app: BotHarness) -> None:
    admin = await app.admin(ADMIN_ID)
    family_id = await app.add_family(ADMIN_ID, "Ивановы")
    peter = await mentor(app, 2001, "Пётр")
    parent = await app.joined(3001, await app.invitation(ADMIN_ID, Role.PARENT, family_id))
    for user in (admin, peter):
        await user.send_command("start")
        assert "📋 Планы" in user.last().button_texts()
        await user.press("📋 Планы")
        assert "📋 Планы" not in user.last().button_texts()  # the plans' family list
    assert any(t.startswith("Ивановы") for t in admin.last().button_texts())
    await parent.send_command("start")
    assert "📋 Планы" not in parent.last().button_texts()
