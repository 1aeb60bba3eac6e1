"""/start: the menu for people who joined; invitations and consent for newcomers."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import CommandObject, CommandStart
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message, User
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from aiogram_dialog import DialogManager, ShowMode, StartMode
from sqlalchemy.ext.asyncio import AsyncSession

from bot import texts
from bot.clock import Clock
from bot.commands import publish_person_commands
from bot.config import Settings
from bot.db.models import Person, Role
from bot.dialogs.meeting_invite.dialog import open_invitation
from bot.dialogs.menu.dialog import WELCOME_ROLE
from bot.dialogs.menu.states import MenuSG
from bot.i18n import locale_for
from bot.roles_text import ROLE_NAMES
from bot.services import invitations, meetings, people
from bot.services.access import Actor
from bot.services.errors import DomainError
from bot.services.invitations import TokenProblem

ADMIN_TOKEN = "admin"  # consent button payload for ADMIN_IDS, who have no invitation
CONSENT_YES = "cs:y:"
CONSENT_NO = "cs:n:"
DIALOG_ID_SEPARATOR = "\x1d"  # aiogram_dialog.utils.CB_SEP


def consent_text(role: Role) -> str:
    role_name = _(ROLE_NAMES[role])
    return "\n\n".join(
        [
            _(texts.CONSENT_INTRO).format(role=role_name),
            _(texts.CONSENT_STORED[role]),
            _(texts.CONSENT_WHY_WHO),
        ]
    )


def consent_keyboard(token: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                InlineKeyboardButton(text=_("✅ I agree"), callback_data=CONSENT_YES + token),
                InlineKeyboardButton(text=_("No, thank you"), callback_data=CONSENT_NO + token),
            ]
        ]
    )


async def show_menu(manager: DialogManager) -> None:
    await manager.start(MenuSG.main, mode=StartMode.RESET_STACK, show_mode=ShowMode.SEND)


def token_problem_text(problem: TokenProblem) -> str:
    return f"{_(texts.TOKEN_PROBLEMS[problem])}\n{_(texts.ASK_NEW_LINK)}"


async def cmd_start_with_token(
    message: Message,
    command: CommandObject,
    session: AsyncSession,
    person: Person | None,
    clock: Clock,
    dialog_manager: DialogManager,
) -> None:
    invitation, problem = await invitations.find_valid(session, command.args or "", clock.now())
    if invitation is None:
        await message.answer(
            token_problem_text(problem or TokenProblem.UNKNOWN)
            if person is not None or problem is not TokenProblem.UNKNOWN
            else f"{_(texts.TOKEN_PROBLEMS[TokenProblem.UNKNOWN])}\n\n{_(texts.ABOUT_BOT)}"
        )
        if person is not None:
            await show_menu(dialog_manager)
        return
    await meetings.note_opened(session, invitation, clock.now())  # only for a meeting's link
    role = Role(invitation.role)
    # A parent may join a second family, a participant a second meeting: the link still counts.
    if (
        person is not None
        and role.value in {r.role for r in person.roles}
        and role not in (Role.PARENT, Role.PARTICIPANT)
    ):
        await message.answer(_(texts.ALREADY_JOINED))
        await show_menu(dialog_manager)
        return
    await message.answer(consent_text(role), reply_markup=consent_keyboard(command.args or ""))


async def cmd_start(
    message: Message,
    person: Person | None,
    settings: Settings,
    dialog_manager: DialogManager,
) -> None:
    if person is not None:
        await show_menu(dialog_manager)
        return
    user = message.from_user
    if user is not None and user.id in settings.admin_ids:
        await message.answer(
            consent_text(Role.COORDINATOR), reply_markup=consent_keyboard(ADMIN_TOKEN)
        )
        return
    await message.answer(_(texts.ABOUT_BOT))


def _newcomer(user: User, settings: Settings, person: Person | None) -> people.Newcomer:
    return people.Newcomer(
        telegram_id=user.id,
        display_name=user.full_name,
        locale=locale_for(person.locale if person else None, user, settings.default_locale),
        timezone=person.timezone if person else settings.default_timezone,
    )


async def on_consent_yes(
    callback: CallbackQuery,
    session: AsyncSession,
    person: Person | None,
    settings: Settings,
    clock: Clock,
    i18n: I18n,
    dialog_manager: DialogManager,
) -> None:
    token = (callback.data or "")[len(CONSENT_YES) :]
    who = _newcomer(callback.from_user, settings, person)
    participant_id: int | None = None
    try:
        if token == ADMIN_TOKEN:
            joined_person = await people.join_as_admin(
                session, who, settings.admin_ids, clock.now()
            )
            role = Role.COORDINATOR
        else:
            joined = await people.join_by_invitation(session, who, token, clock.now())
            joined_person, role = joined.person, joined.role
            participant_id = joined.meeting_participant_id
    except DomainError as error:
        if person is not None:
            # Already in the bot: a second tap on the same consent; the menu is already there.
            await callback.answer()
            return
        problem = (
            TokenProblem(error.code.removeprefix("token_"))
            if error.code.startswith("token_")
            else TokenProblem.UNKNOWN
        )
        await callback.answer()
        refusal = token_problem_text(problem)
        # A second tap finds the refusal already shown: editing it again would change nothing.
        if callback.message is not None and getattr(callback.message, "text", None) != refusal:
            await callback.bot.edit_message_text(  # type: ignore[union-attr]
                text=refusal,
                chat_id=callback.from_user.id,
                message_id=callback.message.message_id,
            )
        return
    await session.commit()  # the person exists from here on, whatever happens to the menu
    await session.refresh(joined_person, ["roles"])
    await callback.answer()
    await publish_person_commands(callback.bot, i18n, joined_person, who.locale)  # type: ignore[arg-type]
    dialog_manager.middleware_data["person"] = joined_person
    dialog_manager.middleware_data["actor"] = Actor.of(joined_person)
    if participant_id is not None:
        # A network meeting's link: the consent message turns into their invitation.
        await open_invitation(
            dialog_manager, participant_id, mode=StartMode.RESET_STACK, show_mode=ShowMode.EDIT
        )
        return
    # The consent message turns into the menu, greeting them with their new role once.
    await dialog_manager.start(
        MenuSG.main,
        data={WELCOME_ROLE: role.value},
        mode=StartMode.RESET_STACK,
        show_mode=ShowMode.EDIT,
    )


async def on_foreign_callback(callback: CallbackQuery) -> None:
    await callback.answer(_(texts.STALE_BUTTON))


async def on_consent_no(callback: CallbackQuery) -> None:
    await callback.answer()
    if callback.message is not None:
        await callback.bot.edit_message_text(  # type: ignore[union-attr]
            text=_(texts.CONSENT_DECLINED),
            chat_id=callback.from_user.id,
            message_id=callback.message.message_id,
        )


def create_router() -> Router:
    router = Router(name=__name__)
    router.message.register(cmd_start_with_token, CommandStart(deep_link=True))
    router.message.register(cmd_start, CommandStart())
    router.callback_query.register(on_consent_yes, F.data.startswith(CONSENT_YES))
    router.callback_query.register(on_consent_no, F.data.startswith(CONSENT_NO))
    # Buttons of the dialogs carry aiogram-dialog's intent id; anything else is stale or forged
    # and must not reach a dialog, which would redraw its window for it.
    router.callback_query.register(on_foreign_callback, ~F.data.contains(DIALOG_ID_SEPARATOR))
    return router
