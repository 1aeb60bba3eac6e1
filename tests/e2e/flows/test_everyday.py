"""Everyday commands for every role: /help, /me, /language, /cancel, the command list."""

from __future__ import annotations

from sqlalchemy import select

from bot.db.models import AuditEntry, FsmRecord, Role
from tests.conftest import ADMIN_ID, REDIS_URL
from tests.harness import BotHarness


async def test_help_lists_what_the_roles_can_do(app: BotHarness) -> None:
    admin = await app.admin(ADMIN_ID)
    mentor = await app.joined(2001, await app.invitation(ADMIN_ID, Role.MENTOR))
    await admin.send_command("help")
    assert "/invite" in admin.last_text() and "/families" in admin.last_text()
    await mentor.send_command("help")
    assert "/invite" not in mentor.last_text()
    assert "Наставнику" in mentor.last_text()


async def test_me_shows_roles_and_personal_data(app: BotHarness) -> None:
    await app.admin(ADMIN_ID)
    family_id = await app.add_family(ADMIN_ID, "Кузнецовы <b>")
    parent = await app.joined(
        3001, await app.invitation(ADMIN_ID, Role.PARENT, family_id), first_name="Ира <i>"
    )
    await parent.send_command("me")
    text = parent.last_text()
    assert "Имя из профиля Telegram: Ира <i>" in text  # shown as typed, escaped in HTML
    assert "Telegram ID: 3001" in text
    assert "Семья: Кузнецовы <b> (родитель)" in text
    assert "Согласие дано: 23.11.2026" in text
    # a user looking at their own data is not a coordinator's view: no audit row
    async with app.sessionmaker() as session:
        actions = list(await session.scalars(select(AuditEntry.action)))
    assert "person.view" not in actions


async def test_language_switches_every_later_text_and_the_command_list(app: BotHarness) -> None:
    admin = await app.admin(ADMIN_ID)
    await admin.send_command("language")
    await admin.press("English")
    assert "Hello, Анна!" in admin.last_text()
    assert "➕ Invite" in admin.last().button_texts()
    await admin.send_command("help")
    assert "As a coordinator" in admin.last_text()
    await admin.send_text("что-то непонятное")
    assert "I did not understand that" in admin.last_text()
    commands = app.fake.commands[('{"chat_id": 1001, "type": "chat"}', "")]
    assert {"command": "invite", "description": "Invite a person"} in commands
    await admin.send_command("language")
    await admin.press("Русский")
    assert "Здравствуйте" in admin.last_text()


async def test_default_locale_follows_telegram_language(app: BotHarness) -> None:
    english = app.user(9001, language_code="en")
    await english.send_start()
    assert "you need a personal invitation link" in english.last_text()
    german = app.user(9002, language_code="de")
    await german.send_start()
    assert "нужна личная ссылка-приглашение" in german.last_text()


async def test_cancel_leaves_a_form_and_start_returns_to_menu(app: BotHarness) -> None:
    admin = await app.admin(ADMIN_ID)
    await admin.press("➕ Добавить семью")
    assert "Новая семья" in admin.last_text()
    await admin.send_command("cancel")
    assert "Остановлено" in admin.last_text()
    assert "Что хотите сделать?" in admin.last_text()
    # the text after /cancel is not taken as a family name
    await admin.send_text("Ивановы")
    assert "Я не понял сообщение" in admin.last_text()
    await admin.press("➕ Добавить семью")
    await admin.send_command("start")
    assert "Что хотите сделать?" in admin.last_text()


async def test_form_survives_a_restart(app: BotHarness) -> None:
    admin = await app.admin(ADMIN_ID)
    await admin.press("➕ Добавить семью")
    await admin.send_text("Соколовы")
    assert "Категория семьи «Соколовы»" in admin.last_text()
    if not REDIS_URL:
        async with app.sessionmaker() as session:
            assert await session.scalar(select(FsmRecord.key)) is not None
    await app.restart()
    await admin.press("ТЖС (трудная жизненная ситуация)")
    await admin.press("кризисный")
    await admin.press("Кузбасс (UTC+7)")
    assert "Семья: Соколовы" in admin.last_text()
    await admin.press("✅ Сохранить")
    await admin.send_command("families")
    assert "Соколовы · ТЖС (трудная жизненная ситуация) · кризисный" in admin.last().button_texts()
