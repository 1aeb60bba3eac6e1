"""Invitation → consent → role, for each role; strangers and bad tokens store nothing."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from bot.db.models import Consent, FamilyLink, Invitation, Person, PersonRole, Role
from tests.conftest import ADMIN_ID
from tests.harness import BotHarness


async def count(app: BotHarness, model: type) -> int:
    async with app.sessionmaker() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def test_admin_gets_consent_then_coordinator_menu(app: BotHarness) -> None:
    admin = app.user(ADMIN_ID, first_name="Мария")
    await admin.send_start()
    assert "Прежде чем начать" in admin.last_text()
    assert await count(app, Person) == 0  # nothing stored before consent
    await admin.press("✅ Согласен(на)")
    menu = admin.last()
    assert "Спасибо! Вы присоединились" in menu.visible_text
    assert "Здравствуйте, Мария" in menu.visible_text
    assert "➕ Пригласить" in menu.button_texts()
    assert await count(app, Consent) == 1
    assert await app.stored_state(ADMIN_ID)  # the open menu is conversation state


async def test_mentor_invitation_link_qr_and_consent(app: BotHarness) -> None:
    admin = await app.admin(ADMIN_ID)
    await admin.send_command("invite")
    await admin.press("Наставник")
    await admin.press("✅ Активного наставника")
    photo = next(m for m in reversed(admin.messages()) if m.kind == "photo")
    caption = photo.caption or ""
    assert "https://t.me/family_test_bot?start=" in caption
    token = caption.split("?start=")[1].split()[0]
    assert len(token) >= 22  # at least 128 bits of randomness

    mentor = app.user(2002, first_name="Олег")
    await mentor.send_start(token)
    assert "наставник" in mentor.last_text()
    await mentor.press("✅ Согласен(на)")
    assert "Здравствуйте, Олег" in mentor.last_text()
    assert "Наставнику" in mentor.last_text()  # their help comes with the first menu
    assert "➕ Пригласить" not in mentor.last().button_texts()

    # the coordinator hears about it through the outbox
    await app.deliver()
    assert "Олег принял(а) ваше приглашение" in admin.last_text()

    # single use: a second person with the same link is refused and not stored
    other = app.user(2003)
    await other.send_start(token)
    assert "уже использована" in other.last_text()
    async with app.sessionmaker() as session:
        assert await session.scalar(select(Person).where(Person.telegram_id == 2003)) is None


async def test_parent_invitation_links_the_family(app: BotHarness) -> None:
    await app.admin(ADMIN_ID)
    family_id = await app.add_family(ADMIN_ID, "Петровы")
    token = await app.invitation(ADMIN_ID, Role.PARENT, family_id)
    parent = await app.joined(3003, token, first_name="Ольга")
    assert "Здравствуйте, Ольга" in parent.last_text()
    async with app.sessionmaker() as session:
        person = await session.scalar(select(Person).where(Person.telegram_id == 3003))
        assert person is not None
        link = await session.scalar(select(FamilyLink).where(FamilyLink.person_id == person.id))
        assert link is not None and link.family_id == family_id and link.kind == "parent"


async def test_coordinator_invitation(app: BotHarness) -> None:
    await app.admin(ADMIN_ID)
    token = await app.invitation(ADMIN_ID, Role.COORDINATOR)
    second = await app.joined(4004, token)
    assert "➕ Пригласить" in second.last().button_texts()


async def test_decline_stores_nothing_and_link_stays_valid(app: BotHarness) -> None:
    await app.admin(ADMIN_ID)
    token = await app.invitation(ADMIN_ID, Role.MENTOR)
    people_before = await count(app, Person)
    user = app.user(5005)
    await user.send_start(token)
    await user.press("Нет, спасибо")
    assert "ничего о вас не сохранено" in user.last_text()
    assert await count(app, Person) == people_before
    assert await app.stored_state(5005) == []
    # they may change their mind
    await user.send_start(token)
    await user.press("✅ Согласен(на)")
    assert await count(app, Person) == people_before + 1


async def test_stranger_and_bad_tokens_store_nothing(app: BotHarness) -> None:
    await app.admin(ADMIN_ID)
    expired = await app.invitation(ADMIN_ID, Role.MENTOR, ttl=timedelta(hours=1))
    revoked = await app.invitation(ADMIN_ID, Role.MENTOR)
    async with app.sessionmaker.begin() as session:
        invitation = await session.scalar(select(Invitation).order_by(Invitation.id.desc()))
        assert invitation is not None
        invitation.revoked_at = app.clock.now()
    app.clock.advance(hours=2)
    people_before = await count(app, Person)

    stranger = app.user(6006)
    await stranger.send_start()
    assert "нужна личная ссылка-приглашение" in stranger.last_text()
    await stranger.send_text("привет")
    assert "нужна личная ссылка-приглашение" in stranger.last_text()

    cases = {
        expired: "истёк",
        revoked: "отменена",
        "forged-token-forged-token-forged": "не работает",
    }
    for token, expected in cases.items():
        await stranger.send_start(token)
        assert expected in stranger.last_text(), token
    # typed by hand, with characters a deep link cannot carry
    await stranger.send_text("/start <b>&amp;")
    assert "не работает" in stranger.last_text()
    assert await count(app, Person) == people_before
    assert await count(app, PersonRole) == 1
    assert await app.stored_state(6006) == []  # not even conversation state


async def test_english_user_sees_english(app: BotHarness) -> None:
    await app.admin(ADMIN_ID)
    token = await app.invitation(ADMIN_ID, Role.MENTOR)
    user = app.user(7007, first_name="John", language_code="en")
    await user.send_start(token)
    assert "Before we start" in user.last_text()
    await user.press("✅ I agree")
    assert "Hello, John" in user.last_text()


async def test_double_tap_on_consent_keeps_the_menu_and_one_consent(app: BotHarness) -> None:
    await app.admin(ADMIN_ID)
    mentor = app.user(2002)
    await mentor.send_start(await app.invitation(ADMIN_ID, Role.MENTOR))
    consent = mentor.last()
    agree = next(b for b in consent.buttons() if b["text"] == "✅ Согласен(на)")
    await mentor.press_forged(agree["callback_data"], consent.message_id)
    await mentor.press_forged(agree["callback_data"], consent.message_id)
    assert "Что хотите сделать?" in mentor.last_text()
    assert await count(app, Consent) == 2  # the admin's and the mentor's, once each


async def test_admin_double_tap_records_one_consent(app: BotHarness) -> None:
    admin = app.user(ADMIN_ID)
    await admin.send_start()
    consent = admin.last()
    agree = next(b for b in consent.buttons() if b["text"] == "✅ Согласен(на)")
    await admin.press_forged(agree["callback_data"], consent.message_id)
    await admin.press_forged(agree["callback_data"], consent.message_id)
    assert "Что хотите сделать?" in admin.last_text()
    assert await count(app, Consent) == 1
