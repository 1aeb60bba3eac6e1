"""Commands of people who joined. Each coordinator command has a refusal twin for other roles."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command
from aiogram.fsm.state import State
from aiogram.types import Message
from aiogram.utils.i18n import gettext as _
from aiogram_dialog import DialogManager, ShowMode, StartMode
from sqlalchemy.ext.asyncio import AsyncSession

from bot import texts
from bot.clock import Clock
from bot.db.models import Role
from bot.dialogs.case.states import CaseSG
from bot.dialogs.families.states import FamiliesSG
from bot.dialogs.invitations.states import InvitationsSG
from bot.dialogs.invite.states import InviteSG
from bot.dialogs.learn.states import LearnSG
from bot.dialogs.meetings.states import MeetingsSG
from bot.dialogs.mentors.states import MentorsSG
from bot.dialogs.menu.dialog import NOTICE, MenuNotice
from bot.dialogs.menu.states import MenuSG
from bot.dialogs.myvisits.states import MyVisitsSG
from bot.dialogs.plan.states import PlanSG
from bot.dialogs.programmes.states import ProgrammesSG
from bot.dialogs.social_map.states import MapSG
from bot.dialogs.visit.states import VisitSG
from bot.handlers.filters import HasRole, Joined
from bot.roles_text import help_text
from bot.services import audit
from bot.services.access import Actor

COORDINATOR_COMMANDS: dict[str, State] = {
    "invite": InviteSG.role,
    "invitations": InvitationsSG.list,
    "families": FamiliesSG.list,
    "meetings": MeetingsSG.list,
    "map": MapSG.family,
    "mentors": MentorsSG.list,
}

MENTOR_COMMANDS: dict[str, State] = {
    "visit": VisitSG.family,
    "myvisits": MyVisitsSG.list,
}


async def _open(manager: DialogManager, state: State, data: dict[str, str] | None = None) -> None:
    await manager.start(state, data=data, mode=StartMode.RESET_STACK, show_mode=ShowMode.SEND)


async def cmd_cancel(message: Message, dialog_manager: DialogManager, actor: Actor | None) -> None:
    if actor is None:
        await message.answer(_(texts.CANCELLED))
        return
    await _open(dialog_manager, MenuSG.main, {NOTICE: MenuNotice.CANCELLED})


async def cmd_help(message: Message, actor: Actor | None) -> None:
    if actor is None:
        await message.answer(_(texts.ABOUT_BOT))
        return
    await message.answer(help_text(actor.roles, _))


async def cmd_me(message: Message, dialog_manager: DialogManager) -> None:
    await _open(dialog_manager, MenuSG.me)


async def cmd_language(message: Message, dialog_manager: DialogManager) -> None:
    await _open(dialog_manager, MenuSG.language)


async def cmd_coordinator(message: Message, dialog_manager: DialogManager) -> None:
    command = (message.text or "").split()[0].lstrip("/").split("@")[0]
    await _open(dialog_manager, COORDINATOR_COMMANDS[command])


async def cmd_mentor(message: Message, dialog_manager: DialogManager) -> None:
    command = (message.text or "").split()[0].lstrip("/").split("@")[0]
    await _open(dialog_manager, MENTOR_COMMANDS[command])


async def cmd_programmes(message: Message, dialog_manager: DialogManager) -> None:
    await _open(dialog_manager, ProgrammesSG.families)


async def cmd_plan(message: Message, dialog_manager: DialogManager) -> None:
    await _open(dialog_manager, PlanSG.families)


async def cmd_case(message: Message, dialog_manager: DialogManager) -> None:
    await _open(dialog_manager, CaseSG.families)


async def cmd_learn(message: Message, dialog_manager: DialogManager) -> None:
    await _open(dialog_manager, LearnSG.main)


async def cmd_coordinator_refused(
    message: Message, session: AsyncSession, actor: Actor, clock: Clock
) -> None:
    command = (message.text or "").split()[0].lstrip("/").split("@")[0]
    await audit.record(session, actor, "access.denied", clock.now(), command=command)
    await message.answer(_(texts.NOT_ALLOWED))


def create_router() -> Router:
    router = Router(name=__name__)
    router.message.register(cmd_cancel, Command("cancel"))
    router.message.register(cmd_help, Command("help"))
    router.message.register(cmd_me, Command("me"), Joined())
    router.message.register(cmd_language, Command("language"), Joined())
    router.message.register(
        cmd_coordinator, Command(*COORDINATOR_COMMANDS), HasRole(Role.COORDINATOR)
    )
    router.message.register(cmd_coordinator_refused, Command(*COORDINATOR_COMMANDS), Joined())
    router.message.register(cmd_mentor, Command(*MENTOR_COMMANDS), HasRole(Role.MENTOR))
    router.message.register(cmd_coordinator_refused, Command(*MENTOR_COMMANDS), Joined())
    router.message.register(
        cmd_programmes, Command("programmes"), HasRole(Role.COORDINATOR, Role.MENTOR)
    )
    router.message.register(cmd_coordinator_refused, Command("programmes"), Joined())
    router.message.register(cmd_plan, Command("plan"), HasRole(Role.COORDINATOR, Role.MENTOR))
    router.message.register(cmd_coordinator_refused, Command("plan"), Joined())
    router.message.register(cmd_case, Command("case"), HasRole(Role.COORDINATOR, Role.MENTOR))
    router.message.register(cmd_coordinator_refused, Command("case"), Joined())
    router.message.register(cmd_learn, Command("learn"), HasRole(Role.COORDINATOR, Role.MENTOR))
    router.message.register(cmd_coordinator_refused, Command("learn"), Joined())
    return router
