"""Coordinator flows: the families registry (add, page, search) and open invitations (revoke)."""

from __future__ import annotations

from sqlalchemy import select

from bot.db.models import AuditEntry, Family, Invitation, Role
from tests.conftest import ADMIN_ID
from tests.harness import BotHarness


async def test_add_family_validates_the_name_kindly(app: BotHarness) -> None:
    admin = await app.admin(ADMIN_ID)
    await admin.send_command("families")
    await admin.press("➕ Добавить семью")
    await admin.send_photo()
    assert "отправьте название текстом" in admin.last_text()
    await admin.send_sticker()
    assert "отправьте название текстом" in admin.last_text()
    await admin.send_text("Я" * 65)
    assert "уложитесь в 64 символа" in admin.last_text()
    await admin.send_text("Орловы <script>&")
    assert "Категория семьи «Орловы <script>&»" in admin.last_text()
    await admin.press("Многодетная")
    await admin.press("базовый")
    await admin.press("Москва, Вологда (UTC+3)")
    await admin.press("✅ Сохранить")
    assert "сохранена" in admin.last_text()
    await admin.press("⬅️ Назад")
    assert "Орловы <script>& · Многодетная · базовый" in admin.last().button_texts()
    async with app.sessionmaker() as session:
        family = await session.scalar(select(Family))
        assert family is not None
        assert (family.name, family.category, family.support_level, family.timezone) == (
            "Орловы <script>&",
            "large",
            "basic",
            "Europe/Moscow",
        )


async def test_double_tap_on_save_adds_one_family(app: BotHarness) -> None:
    admin = await app.admin(ADMIN_ID)
    await admin.press("➕ Добавить семью")
    await admin.send_text("Зайцевы")
    await admin.press("Другая")
    await admin.press("базовый")
    await admin.press("Омск (UTC+6)")
    confirm = admin.last()
    save = next(b for b in confirm.buttons() if b["text"] == "✅ Сохранить")
    await admin.press_forged(save["callback_data"], confirm.message_id)
    await admin.press_forged(save["callback_data"], confirm.message_id)
    async with app.sessionmaker() as session:
        assert len(list(await session.scalars(select(Family)))) == 1


async def test_family_list_pages_and_search_and_is_audited(app: BotHarness) -> None:
    admin = await app.admin(ADMIN_ID)
    for n in range(20):
        await app.add_family(ADMIN_ID, f"Семья {n:02d}")
    await app.add_family(ADMIN_ID, "Ёлкины")
    await admin.send_command("families")
    first = admin.last_text()
    assert "Семьи</b>" not in first  # tags are markup, not text
    assert "Семьи: 21 (страница 1 из 3)" in first

    def shown() -> str:
        return "\n".join(admin.last().button_texts())

    assert "Семья 00" in shown() and "Семья 08" not in shown()
    await admin.press("▶️")
    assert "страница 2 из 3" in admin.last_text() and "Семья 08" in shown()
    await admin.send_text("ёлк")
    assert "Ёлкины" in shown() and "Семья 00" not in shown()
    await admin.press("✖️ Сбросить поиск")
    assert "Семьи: 21" in admin.last_text()
    async with app.sessionmaker() as session:
        views = list(
            await session.scalars(select(AuditEntry).where(AuditEntry.action == "family.list.view"))
        )
    assert len(views) >= 3 and all(v.actor_id is not None for v in views)


async def test_parent_invitation_needs_a_family_first(app: BotHarness) -> None:
    admin = await app.admin(ADMIN_ID)
    await admin.send_command("invite")
    await admin.press("Родитель")
    assert "Семей пока нет" in admin.last_text()
    await admin.press("➕ Добавить семью")
    await admin.send_text("Лисицыны")
    await admin.press("Неполная")
    await admin.press("кризисный")
    await admin.press("Алтай, Барнаул (UTC+7)")
    await admin.press("✅ Сохранить")
    await admin.press("⬅️ Назад")
    await admin.press("Лисицыны")
    photo = next(m for m in reversed(admin.messages()) if m.kind == "photo")
    assert "роль: родитель" in (photo.caption or "")
    assert "Готово" in admin.last_text()


async def test_revoke_an_open_invitation(app: BotHarness) -> None:
    admin = await app.admin(ADMIN_ID)
    token = await app.invitation(ADMIN_ID, Role.MENTOR)
    await admin.send_command("invitations")
    assert "Открытых приглашений: 1" in admin.last_text()
    await admin.press(next(t for t in admin.last().button_texts() if t.startswith("❌")))
    assert "Отозвать приглашение «наставник" in admin.last_text()
    await admin.press("Отозвать")
    assert "Приглашение отозвано" in admin.last_text()
    assert "Открытых приглашений нет" in admin.last_text()
    async with app.sessionmaker() as session:
        invitation = await session.scalar(select(Invitation))
        assert invitation is not None and invitation.revoked_at is not None
    late = app.user(2500)
    await late.send_start(token)
    assert "отменена" in late.last_text()


async def test_inviting_a_parent_of_a_family_closed_meanwhile_is_refused_kindly(
    app: BotHarness,
) -> None:
    admin = await app.admin(ADMIN_ID)
    family_id = await app.add_family(ADMIN_ID, "Волковы")
    await admin.send_command("invite")
    await admin.press("Родитель")
    async with app.sessionmaker.begin() as session:
        family = await session.get(Family, family_id)
        assert family is not None
        family.closed_at = app.clock.now()
    await admin.press("Волковы")
    answer = app.fake.calls_of("answerCallbackQuery")[-1]
    assert "что-то изменилось" in answer.params["text"]
    async with app.sessionmaker() as session:
        assert await session.scalar(select(Invitation)) is None
