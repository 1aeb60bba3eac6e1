"""Main menu: what the person's roles can do, help, their data, language."""

from __future__ import annotations

from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _
from aiogram_dialog import DialogManager, ShowMode
from aiogram_dialog.widgets.input import MessageInput
from aiogram_dialog.widgets.kbd import Button, Row, Start, SwitchTo

from bot import texts
from bot.commands import publish_person_commands
from bot.db.models import Role
from bot.dialogs.context import ctx
from bot.dialogs.families.states import FamiliesSG, FamilyAddSG, MyFamiliesSG
from bot.dialogs.homework.dialog import take_loose_answer
from bot.dialogs.homework.states import ProgressSG
from bot.dialogs.invitations.states import InvitationsSG
from bot.dialogs.invite.states import InviteSG
from bot.dialogs.meeting_invite.states import MeetingInviteSG
from bot.dialogs.meetings.states import MeetingsSG
from bot.dialogs.mentor_test.dialog import on_take_test
from bot.dialogs.menu.states import MenuSG
from bot.dialogs.myvisits.states import MyVisitsSG
from bot.dialogs.plan.states import PlanSG
from bot.dialogs.visit.states import VisitSG
from bot.dialogs.widgets import Dialog, Html, T, Window
from bot.markup import escape
from bot.roles_text import ROLE_NAMES, help_text, role_names
from bot.services import meetings, mentor_test, people

BACK = T("⬅️ Back")
WELCOME_ROLE = "welcome_role"  # start data: the role just granted, greeted once
NOTICE = "notice"  # start or dialog data: one line shown once above the menu


class MenuNotice(StrEnum):
    CANCELLED = "cancelled"
    UNKNOWN_INPUT = "unknown_input"
    STALE_BUTTON = "stale_button"


MENU_NOTICES = {
    MenuNotice.CANCELLED: texts.CANCELLED,
    MenuNotice.UNKNOWN_INPUT: texts.UNKNOWN_INPUT,
    MenuNotice.STALE_BUTTON: texts.STALE_BUTTON,
}


def _is_coordinator(data: dict[str, Any], *_: Any) -> bool:
    return bool(data.get("is_coordinator"))


def _is_mentor(data: dict[str, Any], *_: Any) -> bool:
    return bool(data.get("is_mentor"))


def _is_parent(data: dict[str, Any], *_: Any) -> bool:
    return bool(data.get("is_parent"))


def _keeps_plans(data: dict[str, Any], *_: Any) -> bool:
    # Coordinators and mentors keep support plans (/plan); curators are coordinators.
    return bool(data.get("is_coordinator") or data.get("is_mentor"))


def _is_mentor_only(data: dict[str, Any], *_: Any) -> bool:
    # A coordinator who also mentors finds every family under «Families».
    return bool(data.get("is_mentor")) and not data.get("is_coordinator")


async def get_menu(dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
    c = ctx(dialog_manager)
    person = c.person
    roles = [r.role for r in person.roles] if person else []
    start_data = dialog_manager.start_data if isinstance(dialog_manager.start_data, dict) else {}
    welcome = start_data.get(WELCOME_ROLE)
    if welcome and not dialog_manager.dialog_data.get("welcomed"):
        dialog_manager.dialog_data["welcomed"] = True
    else:
        welcome = None
    notice = dialog_manager.dialog_data.pop(NOTICE, None) or start_data.pop(NOTICE, None)
    return {
        "notice": _(MENU_NOTICES[notice]) if notice in MENU_NOTICES else "",
        "welcome": _(ROLE_NAMES[Role(welcome)]) if welcome in ROLE_NAMES else "",
        "name": person.display_name if person else "",
        "roles": role_names(roles, _),
        "is_coordinator": Role.COORDINATOR in roles,
        "is_mentor": Role.MENTOR in roles,
        "is_parent": Role.PARENT in roles,
        # Invited in the chat or by a link, with or without the participant role.
        "has_meetings": bool(
            c.actor and await meetings.my_invitations(c.session, c.actor, c.now())
        ),
        "help": Html(help_text(roles, _)),
        # A candidate mentor who has not finished the test yet.
        "may_take_test": Role.MENTOR in roles and await mentor_test.may_take(c.session, c.actor),
    }


def _local(moment: Any, zone: str) -> str:
    return moment.astimezone(ZoneInfo(zone)).strftime("%d.%m.%Y %H:%M")


async def get_me(dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
    c = ctx(dialog_manager)
    if c.person is None:
        return {"me": ""}
    data = await people.personal_data(c.session, c.person)
    p = data.person
    lines = [
        _("<b>What the bot keeps about you</b>"),
        _("Name from your Telegram profile: {name}").format(name=escape(p.display_name)),
        _("Telegram ID: {id}").format(id=p.telegram_id),
        _("Language: {language}").format(language="русский" if c.locale == "ru" else "English"),
        _("Time zone: {zone}").format(zone=p.timezone),
        _("Roles: {roles}").format(roles=role_names((r.role for r in p.roles), _)),
    ]
    for link, family_name in data.family_links:
        lines.append(
            _("Family: {family} ({relation})").format(
                family=escape(family_name),
                relation=_(ROLE_NAMES[Role(link.kind)]) if link.kind in ROLE_NAMES else link.kind,
            )
        )
    for consent in data.consents:
        lines.append(
            _("Consent given: {when} (text version {version})").format(
                when=_local(consent.accepted_at, p.timezone), version=consent.text_version
            )
        )
    lines.append(_("/mydata downloads all of it or withdraws your consent."))
    return {"me": Html("\n".join(lines))}


async def on_unexpected_text(message: Message, _w: Any, manager: DialogManager) -> None:
    if await take_loose_answer(message, manager):
        return  # a parent's homework, sent without tapping «Answer»
    # One message, not two: the menu comes again below their text, with the hint on top.
    manager.dialog_data[NOTICE] = MenuNotice.UNKNOWN_INPUT
    manager.show_mode = ShowMode.SEND


async def on_language(callback: CallbackQuery, button: Button, manager: DialogManager) -> None:
    c = ctx(manager)
    if c.person is None:
        return
    locale = "en" if button.widget_id == "lang_en" else "ru"
    await people.set_locale(c.session, c.person, locale)
    i18n = manager.middleware_data["i18n"]
    i18n.current_locale = locale  # this update already renders in the new language
    await publish_person_commands(c.bot, i18n, c.person, locale)
    await manager.switch_to(MenuSG.main, show_mode=ShowMode.EDIT)


def create_menu_dialog() -> Dialog:
    return Dialog(
        Window(
            T("{notice}", when="notice"),
            T("Thank you! You have joined as a <b>{welcome}</b>.", when="welcome"),
            T("Hello, {name}! You are in the bot as: {roles}."),
            T("\n{help}\n", when="welcome"),  # right after joining, what they can do here
            T("What would you like to do?"),
            MessageInput(on_unexpected_text),
            Row(
                Start(T("➕ Invite"), id="invite", state=InviteSG.role, when=_is_coordinator),
                Start(
                    T("📨 Invitations"),
                    id="invitations",
                    state=InvitationsSG.list,
                    when=_is_coordinator,
                ),
            ),
            Row(
                Start(T("👪 Families"), id="families", state=FamiliesSG.list, when=_is_coordinator),
                Start(
                    T("➕ Add a family"),
                    id="family_add",
                    state=FamilyAddSG.name,
                    when=_is_coordinator,
                ),
            ),
            Row(
                Start(
                    T("🤝 Network meetings"),
                    id="meetings",
                    state=MeetingsSG.list,
                    when=_is_coordinator,
                ),
                Start(
                    T("👪 My families"),
                    id="my_families",
                    state=MyFamiliesSG.list,
                    when=_is_mentor_only,
                ),
                Start(T("📋 Plans"), id="plans", state=PlanSG.families, when=_keeps_plans),
            ),
            Row(
                Start(T("📝 Visit"), id="visit", state=VisitSG.family, when=_is_mentor),
                Start(T("📋 My visits"), id="myvisits", state=MyVisitsSG.list, when=_is_mentor),
            ),
            Button(
                T("📝 Take the test"), id="mentor_test", on_click=on_take_test, when="may_take_test"
            ),
            Start(T("📚 Our programme"), id="progress", state=ProgressSG.overview, when=_is_parent),
            Start(
                T("📩 My meetings"),
                id="my_meetings",
                state=MeetingInviteSG.list,
                when="has_meetings",
            ),
            Row(
                SwitchTo(T("❓ Help"), id="help", state=MenuSG.help),
                SwitchTo(T("🔒 My data"), id="me", state=MenuSG.me),
                SwitchTo(T("🌐 Language"), id="language", state=MenuSG.language),
            ),
            state=MenuSG.main,
            getter=get_menu,
        ),
        Window(
            T("{help}"),
            SwitchTo(BACK, id="back", state=MenuSG.main),
            state=MenuSG.help,
            getter=get_menu,
        ),
        Window(
            T("{me}"),
            SwitchTo(BACK, id="back", state=MenuSG.main),
            state=MenuSG.me,
            getter=get_me,
        ),
        Window(
            T("Choose the language of the bot:"),
            Row(
                Button(T("Русский"), id="lang_ru", on_click=on_language),
                Button(T("English"), id="lang_en", on_click=on_language),
            ),
            SwitchTo(BACK, id="back", state=MenuSG.main),
            state=MenuSG.language,
        ),
    )
