"""/mydata: what the bot holds about the person, a JSON download, and withdrawal of consent.

Every button asks the privacy service again: after a withdrawal the person is a stranger, so a
stale or forged button finds nothing to show or withdraw.
"""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from aiogram.fsm.context import FSMContext
from aiogram.types import BufferedInputFile, CallbackQuery
from aiogram.utils.i18n import gettext as _
from aiogram_dialog import DialogManager, ShowMode
from aiogram_dialog.widgets.kbd import Button, SwitchTo

from bot.clock import local_date, zone_or
from bot.commands import forget_person_commands
from bot.delivery.retry import with_retry_after
from bot.dialogs.context import ctx
from bot.dialogs.mydata.states import MyDataSG
from bot.dialogs.retired import RetiredMessages
from bot.dialogs.widgets import Dialog, Html, T, Window, to_menu
from bot.i18n import N_
from bot.markup import escape
from bot.roles_text import ROLE_NAMES, role_names
from bot.services import privacy

LANGUAGES = {"ru": "русский", "en": "English"}


# "Label: n" instead of plural forms: one msgid each, right for every number.
COUNT_LABELS = {
    "visits": N_("Visits you recorded: {n}"),
    "homework_answers": N_("Homework answers: {n}"),
    "homework_ratings": N_("Weeks you rated: {n}"),
    "meetings": N_("Network meeting invitations: {n}"),
    "srs": N_("Feedback forms after meetings: {n}"),
}


def _count_lines(counts: dict[str, int]) -> list[str]:
    return [
        f"• {_(label).format(n=counts[key])}" for key, label in COUNT_LABELS.items() if counts[key]
    ]


async def get_summary(dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
    c = ctx(dialog_manager)
    found = await privacy.summary(c.session, c.actor)
    person = found.person
    lines = [
        _("<b>What the bot holds about you</b>"),
        _("Name from your Telegram profile: {name}").format(name=escape(person.display_name)),
        _("Language: {language}").format(
            language=LANGUAGES.get(person.locale or c.locale, person.locale or c.locale)
        ),
        _("Time zone: {zone}").format(zone=escape(person.timezone)),
        _("Roles: {roles}").format(roles=role_names(found.roles, _)),
    ]
    if found.consent_at is not None:
        when = found.consent_at.astimezone(ZoneInfo(person.timezone)).strftime("%d.%m.%Y %H:%M")
        lines.append(
            _("Consent given: {when} (text version {version})").format(
                when=when, version=escape(found.consent_version or "")
            )
        )
    for kind, family_id, name in found.families:
        role = _(ROLE_NAMES[kind]) if kind in ROLE_NAMES else kind  # type: ignore[index]
        lines.append(
            _("Family: {family} ({relation})").format(
                family=f"{escape(name)} #{family_id}", relation=role
            )
        )
    counted = _count_lines(found.counts)
    if counted:
        lines.append(_("Stored from your work in the bot:"))
        lines.extend(counted)
    lines.append("")
    lines.append(_("You can download all of it as a file, or withdraw your consent."))
    return {"summary": Html("\n".join(lines))}


async def get_confirm(dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
    c = ctx(dialog_manager)
    await privacy.summary(c.session, c.actor)  # a stranger by now gets the stale notice
    return {}


async def on_download(callback: CallbackQuery, _b: Button, manager: DialogManager) -> None:
    c = ctx(manager)
    data = await privacy.export(c.session, c.actor, c.now())
    zone = zone_or(c.person.timezone if c.person else None, c.settings.default_timezone)
    filename = privacy.export_filename(local_date(c.now(), zone))
    document = BufferedInputFile(privacy.export_bytes(data), filename=filename)
    await with_retry_after(
        c.clock,
        lambda: c.bot.send_document(
            callback.from_user.id, document, caption=_("Everything the bot holds about you.")
        ),
    )
    manager.show_mode = ShowMode.SEND  # the window again below the file


async def on_withdraw(callback: CallbackQuery, _b: Button, manager: DialogManager) -> None:
    c = ctx(manager)
    await privacy.withdraw(c.session, c.actor, c.now())  # refused: the errors handler says so
    await c.session.commit()  # withdrawn, whatever happens to the messages below
    manager.middleware_data["person"] = None
    manager.middleware_data["actor"] = None
    await _forget_conversation(manager)
    # No role is left: the chat's own command list goes, the newcomer's list shows again.
    await forget_person_commands(c.bot, callback.from_user.id)
    text = _(
        "Your consent is withdrawn. Your name, your answers and comments were removed from the "
        "bot; only anonymous counts stay. Your coordinator has been told.\n\n"
        "If you want to use the bot again, you will need a new invitation."
    )
    if callback.message is not None:
        await callback.bot.edit_message_text(  # type: ignore[union-attr]
            text=text, chat_id=callback.from_user.id, message_id=callback.message.message_id
        )


async def _forget_conversation(manager: DialogManager) -> None:
    """No form state of theirs stays in the FSM storage."""
    stack = manager.current_stack()
    await manager.reset_stack(remove_keyboard=False)
    stack.last_message_id = None  # an empty stack without a message id is stored as nothing
    stack.last_reply_keyboard = False
    stack.last_media_id = None
    stack.last_media_unique_id = None
    stack.last_income_media_group_id = None
    await manager.middleware_data["aiogd_storage_proxy"].save_stack(stack)
    state: FSMContext | None = manager.middleware_data.get("state")
    if state is not None:
        await state.clear()
    retired: RetiredMessages = manager.middleware_data["retired_messages"]
    chat = manager.middleware_data["event_chat"]
    await retired.forget(manager.middleware_data["bot"].id, chat.id)


def create_mydata_dialog() -> Dialog:
    return Dialog(
        Window(
            T("{summary}"),
            Button(T("📥 Download my data"), id="download", on_click=on_download),
            SwitchTo(T("🚫 Withdraw consent"), id="withdraw", state=MyDataSG.confirm),
            to_menu(),
            state=MyDataSG.summary,
            getter=get_summary,
        ),
        Window(
            T(
                "<b>Withdraw your consent?</b>\n\n"
                "This removes your name, your answers, comments and phone number from the bot, "
                "and your roles and links to families. Counts stay, without your name. "
                "You will stop getting messages from the bot.\n\n"
                "You can be invited again later."
            ),
            Button(T("Yes, withdraw"), id="withdraw_yes", on_click=on_withdraw),
            SwitchTo(T("Cancel"), id="withdraw_no", state=MyDataSG.summary),
            state=MyDataSG.confirm,
            getter=get_confirm,
        ),
    )
