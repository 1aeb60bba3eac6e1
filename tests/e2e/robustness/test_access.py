"""Access by role: every coordinator command and button refuses mentors, parents and strangers."""

from __future__ import annotations

from sqlalchemy import select

from bot.db.models import AuditEntry, Family, Invitation, Role
from tests.conftest import ADMIN_ID
from tests.faketg import FakeUser
from tests.harness import BotHarness

COORDINATOR_COMMANDS = ("invite", "invitations", "families")


async def people(app: BotHarness) -> tuple[FakeUser, FakeUser, FakeUser]:
    admin = await app.admin(ADMIN_ID)
    family_id = await app.add_family(ADMIN_ID, "Смирновы")
    mentor = await app.joined(2001, await app.invitation(ADMIN_ID, Role.MENTOR))
    parent = await app.joined(3001, await app.invitation(ADMIN_ID, Role.PARENT, family_id))
    return admin, mentor, parent


async def audit_actions(app: BotHarness) -> list[str]:
    async with app.sessionmaker() as session:
        return list(await session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))


async def test_coordinator_commands_refused_for_other_roles(app: BotHarness) -> None:
    _admin, mentor, parent = await people(app)
    for user in (mentor, parent):
        for command in COORDINATOR_COMMANDS:
            await user.send_command(command)
            assert "для вашей роли это недоступно" in user.last_text(), (user, command)
    assert (await audit_actions(app)).count("access.denied") == 2 * len(COORDINATOR_COMMANDS)


async def test_strangers_get_the_explanation_for_every_command(app: BotHarness) -> None:
    stranger = app.user(9009)
    for command in (*COORDINATOR_COMMANDS, "me", "language", "help", "cancel"):
        await stranger.send_command(command)
        assert "нужна личная ссылка-приглашение" in stranger.last_text() or (
            command == "cancel" and "Остановлено" in stranger.last_text()
        ), command


async def test_forged_coordinator_buttons_are_refused(app: BotHarness) -> None:
    admin, mentor, parent = await people(app)
    await app.invitation(ADMIN_ID, Role.MENTOR)  # one open invitation to try to revoke
    # the coordinator's real buttons, pressed by others in their own chats
    await admin.send_command("invitations")
    revoke_buttons = [b for b in admin.last().buttons() if b["text"].startswith("❌")]
    revoke_button = revoke_buttons[0]
    await admin.send_command("families")
    for user in (mentor, parent):
        await user.send_command("start")
        for data in (revoke_button["callback_data"], "cs:y:admin", "xx\x1dinv:1", "garbage"):
            await user.press_forged(data, user.last().message_id)
    async with app.sessionmaker() as session:
        invitation_open = await session.scalar(
            select(Invitation.id).where(Invitation.revoked_at.is_(None))
        )
        assert invitation_open is not None  # nothing was revoked
        assert len(list(await session.scalars(select(Family)))) == 1
    # nobody became a coordinator through the forged consent button
    for user in (mentor, parent):
        await user.send_command("invite")
        assert "для вашей роли это недоступно" in user.last_text()


async def test_forged_consent_for_a_non_admin_stranger_stores_nothing(app: BotHarness) -> None:
    await app.admin(ADMIN_ID)
    stranger = app.user(9010)
    await stranger.send_start()
    about = stranger.last()
    await stranger.press_forged("cs:y:admin", about.message_id)
    await stranger.send_command("me")
    assert "нужна личная ссылка-приглашение" in stranger.last_text()
