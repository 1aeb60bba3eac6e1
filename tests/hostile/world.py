"""One small service with every kind of user, shared by the forged-callback and access tests."""

from __future__ import annotations

from dataclasses import dataclass

from bot.db.models import Relation, Role
from tests.conftest import ADMIN_ID
from tests.e2e.steps import invite, join_by_link, make_meeting
from tests.faketg import FakeUser
from tests.harness import BotHarness
from tests.homework_support import link

VICTIM_FAMILY = "Тайновы"  # the other family: its name must never reach a forger
HOME_FAMILY = "Ивановы"


@dataclass
class World:
    coordinator: FakeUser
    mentor: FakeUser
    parent: FakeUser
    participant: FakeUser
    stranger: FakeUser  # never joined
    unconsented: FakeUser  # opened an invitation link, never agreed
    victim_mentor: FakeUser  # the other family's mentor and parent
    victim_parent: FakeUser
    home_family: int
    victim_family: int
    meeting_id: int

    def roles(self) -> dict[str, FakeUser]:
        return {
            "coordinator": self.coordinator,
            "mentor": self.mentor,
            "parent": self.parent,
            "participant": self.participant,
            "stranger": self.stranger,
            "unconsented": self.unconsented,
        }


async def build_world(app: BotHarness) -> World:
    coordinator = await app.admin(ADMIN_ID)
    home = await app.add_family(ADMIN_ID, HOME_FAMILY)
    victim = await app.add_family(ADMIN_ID, VICTIM_FAMILY)
    mentor = await app.joined(2001, await app.invitation(ADMIN_ID, Role.MENTOR))
    await link(app, 2001, home, "mentor")
    parent = await app.joined(3001, await app.invitation(ADMIN_ID, Role.PARENT, home))
    victim_mentor = await app.joined(2002, await app.invitation(ADMIN_ID, Role.MENTOR))
    await link(app, 2002, victim, "mentor")
    victim_parent = await app.joined(3002, await app.invitation(ADMIN_ID, Role.PARENT, victim))
    meeting_id, (participant_id,) = await make_meeting(app, home, [("Ольга", Relation.MOTHER)])
    token = await invite(app, participant_id)
    assert token is not None
    participant = await join_by_link(app, 4001, token, "ru")
    stranger = app.user(9001)
    unconsented = app.user(9002)
    await unconsented.send_start(await app.invitation(ADMIN_ID, Role.MENTOR))
    await app.deliver()
    return World(
        coordinator=coordinator,
        mentor=mentor,
        parent=parent,
        participant=participant,
        stranger=stranger,
        unconsented=unconsented,
        victim_mentor=victim_mentor,
        victim_parent=victim_parent,
        home_family=home,
        victim_family=victim,
        meeting_id=meeting_id,
    )
