"""The command list a chat shows («/» menu) follows the person's roles: set for the chat when they
join (and when they change the language), removed when they withdraw their consent, so the
newcomer's list of the default scope shows again. The fake Telegram keeps every scope and
language and resolves what a chat sees as Telegram does (FakeTelegram.visible_commands)."""

from __future__ import annotations

import pytest

from bot.commands import publish_default_commands
from bot.db.models import Role
from bot.roles_text import STRANGER_COMMANDS, commands_for
from tests.conftest import ADMIN_ID
from tests.faketg import FakeUser
from tests.harness import BotHarness
from tests.hostile.world import build_world

NEWCOMER = [spec.command for spec in STRANGER_COMMANDS]
WITHDRAW = {
    "ru": ("🚫 Отозвать согласие", "Да, отозвать"),
    "en": ("🚫 Withdraw consent", "Yes, withdraw"),
}


def role_list(*roles: Role) -> list[str]:
    return [spec.command for spec in commands_for(role.value for role in roles)]


async def withdraw(user: FakeUser, language: str = "ru") -> None:
    open_confirm, confirm = WITHDRAW[language]
    await user.send_command("mydata")
    await user.press(open_confirm)
    await user.press(confirm)


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.MENTOR, Role.PARENT, Role.PARTICIPANT])
async def test_withdrawal_brings_back_the_newcomers_list(app: BotHarness, role: Role) -> None:
    await publish_default_commands(app.bot, app.dp["i18n"])  # as the bot does at start
    world = await build_world(app)
    user = world.roles()[role.value]
    assert user.commands() == role_list(role)
    assert {"progress", "me", "mydata"} & set(user.commands())
    await withdraw(user)
    assert "Согласие отозвано" in user.last_text()
    assert user.commands() == NEWCOMER
    scopes = [c.params.get("scope") for c in app.fake.calls_of("deleteMyCommands")]
    assert scopes == [{"type": "chat", "chat_id": user.chat_id}]
    # The others keep theirs.
    others = {name: u for name, u in world.roles().items() if name not in {role.value, "stranger"}}
    assert others["unconsented"].commands() == NEWCOMER
    for name, other in others.items():
        if name != "unconsented":
            assert other.commands() == role_list(Role(name)), name
    assert app.fake.errors() == []


async def test_an_english_mentor_gets_the_english_newcomers_list_back(app: BotHarness) -> None:
    await publish_default_commands(app.bot, app.dp["i18n"])
    await app.admin(ADMIN_ID)
    token = await app.invitation(ADMIN_ID, Role.MENTOR)
    mentor = await app.joined(2001, token, first_name="John", language_code="en")
    assert mentor.commands() == role_list(Role.MENTOR)
    await withdraw(mentor, "en")
    assert mentor.commands() == NEWCOMER
    english = app.fake.commands[('{"type": "default"}', "en")]
    assert [c["description"] for c in english] == ["What this bot is", "Help"]
    # Invited again later: the role's list comes back.
    await mentor.send_start(await app.invitation(ADMIN_ID, Role.MENTOR))
    await mentor.press("✅ I agree")
    assert mentor.commands() == role_list(Role.MENTOR)
    assert app.fake.errors() == []


async def test_a_second_role_extends_the_list(app: BotHarness) -> None:
    """A mentor invited as a parent too: the chat's list is published again with both roles."""
    await app.admin(ADMIN_ID)
    family_id = await app.add_family(ADMIN_ID)
    mentor = await app.joined(2001, await app.invitation(ADMIN_ID, Role.MENTOR))
    assert "progress" not in mentor.commands()
    await mentor.send_start(await app.invitation(ADMIN_ID, Role.PARENT, family_id))
    await mentor.press("✅ Согласен(на)")
    assert mentor.commands() == role_list(Role.MENTOR, Role.PARENT)
    assert app.fake.errors() == []
