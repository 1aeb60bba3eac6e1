"""/invite: role → (family, for a parent; candidate or active, for a mentor) → a personal deep
link and its QR picture."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from aiogram.types import BufferedInputFile, CallbackQuery
from aiogram.utils.i18n import gettext as _
from aiogram_dialog import DialogManager, ShowMode, StartMode
from aiogram_dialog.widgets.kbd import Button, Start, SwitchTo

from bot.clock import zone_or
from bot.db.models import Role
from bot.dialogs.context import ctx
from bot.dialogs.families.states import FamilyAddSG
from bot.dialogs.family_picker import family_page
from bot.dialogs.invite.states import InviteSG
from bot.dialogs.paging import pager
from bot.dialogs.widgets import Dialog, T, Window, choices, to_menu
from bot.qr import qr_png
from bot.roles_text import ROLE_NAMES
from bot.services import invitations
from bot.services.access import Action, authorize

SCROLL = "families_scroll"


async def on_start(_data: Any, manager: DialogManager) -> None:
    c = ctx(manager)
    await authorize(c.session, c.actor, Action.INVITATION_CREATE)


async def get_roles(dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
    return {
        "roles": [
            (_(ROLE_NAMES[role]).capitalize(), role.value) for role in invitations.INVITABLE_ROLES
        ]
    }


async def get_families(dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
    rows, paging = await family_page(dialog_manager, SCROLL)
    return {"families": [(f.name, f.id) for f in rows], **paging}


async def _create(
    callback: CallbackQuery,
    manager: DialogManager,
    role: Role,
    family_id: int | None,
    *,
    as_candidate: bool = False,
) -> None:
    c = ctx(manager)
    created = await invitations.create(
        c.session,
        c.require_actor(),
        role=role,
        now=c.now(),
        ttl=timedelta(days=c.settings.invitation_ttl_days),
        family_id=family_id,
        as_candidate=as_candidate,
    )
    # The link must work the moment it is shown: it can be opened before this update ends.
    await c.session.commit()
    me = await c.bot.me()
    link = invitations.invitation_link(me.username, created.token)
    zone = zone_or(c.person.timezone if c.person else None, c.settings.default_timezone)
    until = created.invitation.expires_at.astimezone(zone).strftime("%d.%m.%Y %H:%M")
    caption = _(
        "Invitation for a {role}. Forward this picture or the link to the person, "
        "or show the code on your phone.\n{link}\nThe link works once, until {until}."
    ).format(role=_(ROLE_NAMES[role]), link=link, until=until)
    await c.bot.send_photo(
        chat_id=callback.from_user.id,
        photo=BufferedInputFile(qr_png(link), filename="invitation.png"),
        caption=caption,
    )
    manager.dialog_data["role"] = role.value
    await manager.switch_to(InviteSG.done, show_mode=ShowMode.SEND)


async def on_role(callback: CallbackQuery, _w: Any, manager: DialogManager, item: str) -> None:
    role = Role(item)
    if role is Role.PARENT:
        await manager.switch_to(InviteSG.family)
        return
    if role is Role.MENTOR:
        await manager.switch_to(InviteSG.mentor_kind)
        return
    await _create(callback, manager, role, None)


async def on_candidate(callback: CallbackQuery, _b: Button, manager: DialogManager) -> None:
    await _create(callback, manager, Role.MENTOR, None, as_candidate=True)


async def on_active_mentor(callback: CallbackQuery, _b: Button, manager: DialogManager) -> None:
    await _create(callback, manager, Role.MENTOR, None)


async def on_family(callback: CallbackQuery, _w: Any, manager: DialogManager, item: str) -> None:
    await _create(callback, manager, Role.PARENT, int(item))


async def on_again(_c: CallbackQuery, _b: Button, manager: DialogManager) -> None:
    await manager.start(InviteSG.role, mode=StartMode.RESET_STACK)


def create_invite_dialog() -> Dialog:
    return Dialog(
        Window(
            T("Whom do you want to invite?"),
            choices("role", "roles", on_role),
            to_menu(T("✖️ Cancel")),
            state=InviteSG.role,
            getter=get_roles,
        ),
        Window(
            T("Which family is the parent from? (page {page_no} of {pages})", when="total"),
            T(
                "There are no families yet. Add the family first, then invite its parents.",
                when=lambda d, *_: not d["total"],
            ),
            choices("family", "families", on_family),
            *pager(SCROLL),
            Start(T("➕ Add a family"), id="add_family", state=FamilyAddSG.name),
            SwitchTo(T("⬅️ Back"), id="back", state=InviteSG.role),
            state=InviteSG.family,
            getter=get_families,
        ),
        Window(
            T("Invite the mentor as:"),
            Button(
                T("🎓 A candidate (will take the test and the course)"),
                id="as_candidate",
                on_click=on_candidate,
            ),
            Button(T("✅ An active mentor"), id="as_active", on_click=on_active_mentor),
            SwitchTo(T("⬅️ Back"), id="back", state=InviteSG.role),
            state=InviteSG.mentor_kind,
        ),
        Window(
            T("Done. When the person opens the link and agrees, you will get a message here."),
            Button(T("➕ Another invitation"), id="again", on_click=on_again),
            to_menu(),
            state=InviteSG.done,
        ),
        on_start=on_start,
    )
