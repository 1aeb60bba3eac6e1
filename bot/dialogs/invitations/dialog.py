"""/invitations: the open invitations, newest first; a coordinator can revoke one."""

from __future__ import annotations

from typing import Any

from aiogram.types import CallbackQuery
from aiogram.utils.i18n import gettext as _
from aiogram_dialog import DialogManager
from aiogram_dialog.widgets.kbd import Button, Row, SwitchTo

from bot.clock import zone_or
from bot.db.models import Invitation, Role
from bot.dialogs.context import ctx
from bot.dialogs.invitations.states import InvitationsSG
from bot.dialogs.paging import PAGE_SIZE, current_page, page_data, pager
from bot.dialogs.widgets import Dialog, T, Window, choices, to_menu
from bot.roles_text import ROLE_NAMES
from bot.services import invitations
from bot.services.access import Action, authorize

SCROLL = "invitations_scroll"


async def on_start(_data: Any, manager: DialogManager) -> None:
    c = ctx(manager)
    await authorize(c.session, c.actor, Action.INVITATION_LIST)


def _label(manager: DialogManager, invitation: Invitation, family_name: str | None) -> str:
    c = ctx(manager)
    zone = zone_or(c.person.timezone if c.person else None, c.settings.default_timezone)
    label = _(ROLE_NAMES[Role(invitation.role)])
    if family_name:
        label += f" · {family_name}"
    until = invitation.expires_at.astimezone(zone).strftime("%d.%m")
    return _("{label} · until {until}").format(label=label, until=until)


async def get_list(dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
    c = ctx(dialog_manager)
    page = await current_page(dialog_manager, SCROLL)
    rows, total = await invitations.list_open(
        c.session, c.require_actor(), c.now(), offset=page * PAGE_SIZE, limit=PAGE_SIZE
    )
    items = [(_label(dialog_manager, row, name), row.id) for row, name in rows]
    notice = dialog_manager.dialog_data.pop("notice", "")  # shown once, after a revoke
    return {"items": items, "total": total, "notice": notice, **page_data(page, total)}


async def on_pick(_c: CallbackQuery, _w: Any, manager: DialogManager, item: str) -> None:
    manager.dialog_data["invitation_id"] = int(item)
    await manager.switch_to(InvitationsSG.confirm_revoke)


async def get_confirm(dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
    c = ctx(dialog_manager)
    invitation_id = int(dialog_manager.dialog_data.get("invitation_id", 0))
    found = await invitations.to_revoke(c.session, c.require_actor(), invitation_id)
    if found is None:
        return {"label": "—"}
    invitation, family_name = found
    return {"label": _label(dialog_manager, invitation, family_name)}


async def on_revoke(callback: CallbackQuery, _b: Button, manager: DialogManager) -> None:
    c = ctx(manager)
    invitation_id = int(manager.dialog_data.get("invitation_id", 0))
    revoked = await invitations.revoke(c.session, c.require_actor(), invitation_id, c.now())
    manager.dialog_data["notice"] = (
        _("The invitation is revoked: the link no longer works.")
        if revoked
        else _("This invitation was already used, revoked or expired.")
    )
    await manager.switch_to(InvitationsSG.list)


def create_invitations_dialog() -> Dialog:
    return Dialog(
        Window(
            T("{notice}", when="notice"),
            T(
                "Open invitations: {total}. Tap one to revoke it. (page {page_no} of {pages})",
                when="total",
            ),
            T(
                "There are no open invitations. Create one with /invite.",
                when=lambda d, *_: not d["total"],
            ),
            choices("inv", "items", on_pick, label=T("❌ {item[0]}")),
            *pager(SCROLL),
            to_menu(),
            state=InvitationsSG.list,
            getter=get_list,
        ),
        Window(
            T("Revoke the invitation «{label}»? The link will stop working."),
            Row(
                Button(T("Revoke"), id="revoke", on_click=on_revoke),
                SwitchTo(T("Keep it"), id="keep", state=InvitationsSG.list),
            ),
            state=InvitationsSG.confirm_revoke,
            getter=get_confirm,
        ),
        on_start=on_start,
    )
