"""«⚖️ Консилиумы» on the case window: a family's consiliums.

The list shows each consilium (planned or held, with what it decided). A coordinator plans one
for a day (the curator is reminded the day before), moves or cancels it, and once it took place
records it: the day, who took part (the family's curator and mentors by a tap, anyone else in a
few words), what was decided (and, for a change of level, the new level and why), a note and the
next review. A held consilium's decisions for the plan (what, who, by when) become plan tasks
with one tap. The family's mentors read it all. Every getter and press goes through
bot/services/consilium.py; a tapped consilium or decision must belong to this family.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _
from aiogram_dialog import DialogManager, ShowMode
from aiogram_dialog.widgets.input import MessageInput
from aiogram_dialog.widgets.kbd import Button, Cancel, SwitchTo

from bot.db.models import Consilium, ConsiliumOutcome, Family, SupportLevel
from bot.dialogs.consilium.states import ConsiliumSG
from bot.dialogs.context import ctx
from bot.dialogs.widgets import (
    Dialog,
    Html,
    T,
    Window,
    checklist,
    choices,
    day_buttons,
    day_input,
    error_text,
    form_text,
    get_input_error,
    input_error_line,
    parse_id,
    shorten,
    show_input_error,
    started_family,
    stored_id,
)
from bot.i18n import N_
from bot.labels import CONSILIUM_OUTCOMES, SUPPORT_LEVELS
from bot.markup import escape
from bot.services import case_access, case_plans, consilium, families
from bot.services.errors import DomainError

FAMILY_ID, CONSILIUM_ID = "family_id", "consilium_id"
NOTICE, FORM, DECISION = "notice", "form", "decision"
PEOPLE = "consilium_people"  # the participants' checklist
PLAN_OFFSETS = (7, 14, 30)
NEXT_OFFSETS = (30, 60, 90)

ERRORS = {
    "family_closed": N_("This family's case is closed: its consiliums can only be read."),
    "consilium_day_past": N_("That day has passed: please choose a later one."),
    "consilium_day_far": N_("That is more than a year ahead: please check the date."),
    "consilium_held_future": N_("That day has not come yet: please send the day it was held."),
    "consilium_held_old": N_("That is more than a year ago: please check the date."),
    "consilium_held": N_("This consilium is already recorded."),
    "consilium_not_held": N_("Record the consilium first, then its decisions."),
    "consilium_not_found": N_("This button is out of date."),
    "consilium_level_required": N_("Please choose the new level."),
    "level_reason_required": N_("Please write the reason in a few words."),
    "level_reason_long": N_("That is a bit long: please keep it under 500 characters."),
    "participants_long": N_("That is a bit long: please keep it under 300 characters."),
    "consilium_note_long": N_("That is a bit long: please keep it under 1000 characters."),
    "decision_what_empty": N_("Please send what was decided as text."),
    "decision_what_long": N_("That is a bit long: please keep it under 300 characters."),
    "decision_who_long": N_("That is a bit long: please keep it under 80 characters."),
    "decision_due_past": N_("That day has passed: please choose a later one."),
    "decision_too_many": N_("This consilium already has the most decisions it can hold."),
    "task_too_many": N_("This plan already has the most tasks it can have."),
    "task_source_not_found": N_("This button is out of date."),
}
BACK_TO_CARD = SwitchTo(T("⬅️ Back"), id="to_consilium", state=ConsiliumSG.card)
CANCEL_FORM = SwitchTo(T("✖️ Cancel"), id="form_cancel", state=ConsiliumSG.card)


def _family_id(manager: DialogManager) -> int:
    return stored_id(manager, FAMILY_ID, "family_not_found")


def _consilium_id(manager: DialogManager) -> int:
    return stored_id(manager, CONSILIUM_ID, "consilium_not_found")


def _form(manager: DialogManager) -> dict[str, Any]:
    form = manager.dialog_data.get(FORM)
    return form if isinstance(form, dict) else {}


def _set(manager: DialogManager, **values: Any) -> None:
    manager.dialog_data[FORM] = {**_form(manager), **values}


def _refusal(manager: DialogManager, error: DomainError) -> None:
    if error.code == "access_denied":
        raise error
    show_input_error(manager, error_text(ERRORS, error))


async def on_start(data: Any, manager: DialogManager) -> None:
    c = ctx(manager)
    family_id = started_family(data)
    await case_access.require_view(c.session, c.actor, family_id)
    manager.dialog_data[FAMILY_ID] = family_id


async def _keepable(manager: DialogManager) -> Family:
    c = ctx(manager)
    family = await case_access.require_keep(c.session, c.actor, _family_id(manager))
    if family.closed_at is not None:
        raise DomainError("family_closed")
    return family


def _status(item: Consilium) -> str:
    if item.held_on is None:
        return _("consilium planned")
    outcome = CONSILIUM_OUTCOMES.get(ConsiliumOutcome(item.outcome)) if item.outcome else None
    return _(outcome) if outcome else _("held")


# --- the list -----------------------------------------------------------------------------------


async def get_list(dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
    c = ctx(dialog_manager)
    family_id = _family_id(dialog_manager)
    found = await consilium.of_family(c.session, c.actor, family_id, c.now())
    family = await case_access.require_view(c.session, c.actor, family_id)
    today = families.family_today(family, c.now())
    items = []
    for item in found:
        day = item.held_on or item.planned_on
        mark = "✅" if item.held_on else ("⚠️" if item.planned_on < today else "🗓")
        items.append((f"{mark} {day.strftime('%d.%m.%Y')} · {_status(item)}", str(item.id)))
    may_keep = await case_access.may_keep(c.session, c.actor, family_id)
    pending = any(item.held_on is None for item in found)
    return {
        "name": family.name,
        "items": items,
        "count": len(items),
        "can_plan": may_keep and family.closed_at is None and not pending,
        "notice": dialog_manager.dialog_data.pop(NOTICE, ""),
    }


async def on_pick(_c: CallbackQuery, _w: Any, manager: DialogManager, item: str) -> None:
    consilium_id = parse_id(item)
    if consilium_id is None:
        manager.show_mode = ShowMode.NO_UPDATE
        return
    c = ctx(manager)
    try:
        await consilium.get(c.session, c.actor, _family_id(manager), consilium_id)
    except DomainError as error:
        if error.code == "access_denied":
            raise
        manager.dialog_data[NOTICE] = error_text(ERRORS, error)
        return
    manager.dialog_data[CONSILIUM_ID] = consilium_id
    await manager.switch_to(ConsiliumSG.card)


async def on_plan_new(_c: CallbackQuery, _b: Button, manager: DialogManager) -> None:
    await _keepable(manager)
    manager.dialog_data.pop(CONSILIUM_ID, None)
    await manager.switch_to(ConsiliumSG.plan_day)


# --- planning -----------------------------------------------------------------------------------


async def get_plan_days(dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
    c = ctx(dialog_manager)
    family = await _keepable(dialog_manager)
    return {"days": day_buttons(families.family_today(family, c.now()), PLAN_OFFSETS)}


async def _planned(manager: DialogManager, day: date) -> None:
    c = ctx(manager)
    try:
        found = await consilium.plan(
            c.session, c.require_actor(), _family_id(manager), day, c.now()
        )
    except DomainError as error:
        _refusal(manager, error)
        return
    manager.dialog_data[CONSILIUM_ID] = found.id
    manager.dialog_data[NOTICE] = _("✅ The consilium is planned for {day}.").format(
        day=day.strftime("%d.%m.%Y")
    )
    await manager.switch_to(ConsiliumSG.card)


on_plan_day, on_plan_text = day_input(_planned)


async def on_plan_back(_c: CallbackQuery, _b: Button, manager: DialogManager) -> None:
    if CONSILIUM_ID in manager.dialog_data:
        await manager.switch_to(ConsiliumSG.card)
    else:
        await manager.switch_to(ConsiliumSG.list)


# --- one consilium ------------------------------------------------------------------------------


def _people_line(item: Consilium, names: dict[int, str]) -> str | None:
    people = [escape(names.get(pid, "—")) for pid in item.participant_ids or []]
    if item.participants_text:
        people.append(escape(item.participants_text))
    return ", ".join(people) if people else None


async def get_card(dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
    c = ctx(dialog_manager)
    family_id = _family_id(dialog_manager)
    item = await consilium.get(c.session, c.actor, family_id, _consilium_id(dialog_manager))
    family = await case_access.require_view(c.session, c.actor, family_id)
    names = await case_plans.person_names(c.session, set(item.participant_ids or []))
    lines = [_("<b>Consilium</b> · family «{name}»").format(name=escape(family.name))]
    if item.held_on is None:
        lines.append(_("Planned for {day}.").format(day=item.planned_on.strftime("%d.%m.%Y")))
    else:
        lines.append(_("Held on {day}.").format(day=item.held_on.strftime("%d.%m.%Y")))
        people = _people_line(item, names)
        lines.append(_("Took part: {people}").format(people=people or "—"))
        lines.append(_("Decided: {outcome}").format(outcome=_status(item)))
        if item.note:
            lines.append(_("Note: {note}").format(note=escape(item.note)))
        if item.next_review_on:
            lines.append(
                _("Next review: {day}").format(day=item.next_review_on.strftime("%d.%m.%Y"))
            )
    listed = await consilium.decisions(c.session, c.actor, family_id, item.id)
    taken = await case_plans.consilium_taken(c.session, family_id)
    if listed:
        lines.append("")
        lines.append(_("<b>Decisions for the plan</b>"))
        for n, decision in enumerate(listed, start=1):
            parts = [escape(decision.what)]
            if decision.who:
                parts.append(escape(decision.who))
            if decision.due_on:
                parts.append(decision.due_on.strftime("%d.%m.%Y"))
            mark = " ✓" if decision.id in taken else ""
            lines.append(f"{n}. " + " — ".join(parts) + mark)
    may_keep = await case_access.may_keep(c.session, c.actor, family_id)
    is_open = family.closed_at is None
    keep = may_keep and is_open
    to_plan = [
        (_("➕ To the plan: {what}").format(what=shorten(d.what, 40)), str(d.id))
        for d in listed
        if d.id not in taken
    ]
    return {
        "card_text": Html("\n".join(lines)),
        "notice": dialog_manager.dialog_data.pop(NOTICE, ""),
        "pending": keep and item.held_on is None,
        "held": keep and item.held_on is not None,
        "to_plan": to_plan if keep else [],
    }


async def on_record(_c: CallbackQuery, _b: Button, manager: DialogManager) -> None:
    await _keepable(manager)
    manager.dialog_data[FORM] = {}
    people = manager.find(PEOPLE)
    if people is not None:
        await people.reset_checked()  # type: ignore[attr-defined]
    await manager.switch_to(ConsiliumSG.held_day)


async def on_move(_c: CallbackQuery, _b: Button, manager: DialogManager) -> None:
    await _keepable(manager)
    await manager.switch_to(ConsiliumSG.plan_day)


async def on_cancel_consilium(_c: CallbackQuery, _b: Button, manager: DialogManager) -> None:
    c = ctx(manager)
    try:
        await consilium.cancel(
            c.session, c.require_actor(), _family_id(manager), _consilium_id(manager), c.now()
        )
    except DomainError as error:
        if error.code == "access_denied":
            raise
        manager.dialog_data[NOTICE] = error_text(ERRORS, error)
        return
    manager.dialog_data.pop(CONSILIUM_ID, None)
    manager.dialog_data[NOTICE] = _("The consilium is cancelled.")
    await manager.switch_to(ConsiliumSG.list)


async def on_to_plan(_c: CallbackQuery, _w: Any, manager: DialogManager, item: str) -> None:
    decision_id = parse_id(item)
    if decision_id is None:
        manager.show_mode = ShowMode.NO_UPDATE
        return
    c = ctx(manager)
    try:
        task, created = await case_plans.add_from_consilium(
            c.session, c.require_actor(), _family_id(manager), decision_id, c.now()
        )
    except DomainError as error:
        if error.code == "access_denied":
            raise
        manager.dialog_data[NOTICE] = error_text(ERRORS, error)
        return
    manager.dialog_data[NOTICE] = (
        _("✅ In the plan now, due {due}: «{title}».").format(
            due=task.due_date.strftime("%d.%m.%Y"), title=shorten(task.title, 80)
        )
        if created
        else _("This is in the plan already.")
    )


# --- recording a held consilium ------------------------------------------------------------------


async def get_held_days(dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
    c = ctx(dialog_manager)
    family = await _keepable(dialog_manager)
    today = families.family_today(family, c.now())
    return {"days": day_buttons(today, (0, -1, -2))}


async def _held_day(manager: DialogManager, day: date) -> None:
    c = ctx(manager)
    family = await _keepable(manager)
    try:
        consilium.check_held_day(family, day, c.now())
    except DomainError as error:
        _refusal(manager, error)
        return
    _set(manager, held_on=day.isoformat())
    await manager.switch_to(ConsiliumSG.participants)


on_held_day, on_held_text = day_input(_held_day)


async def get_people(dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
    c = ctx(dialog_manager)
    choices_ = await consilium.participant_choices(c.session, c.actor, _family_id(dialog_manager))
    roles = {"curator": _("curator"), "mentor": _("mentor"), "coordinator": _("coordinator")}
    others = _form(dialog_manager).get("participants_text")
    return {
        "people": [(f"{name} · {roles.get(kind, kind)}", str(pid)) for pid, name, kind in choices_],
        "others": others or "",
    }


async def on_others(message: Message, _w: Any, manager: DialogManager) -> None:
    text = form_text(
        message,
        manager,
        _("Please send who else took part as text, for example «психолог ЦСОН»."),
        limit=consilium.PARTICIPANTS_MAX,
        one_line=True,
    )
    if text is None:
        return
    _set(manager, participants_text=text)


async def on_people_next(_c: CallbackQuery, _b: Button, manager: DialogManager) -> None:
    await manager.switch_to(ConsiliumSG.outcome)


async def get_outcomes(dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
    return {"outcomes": [(_(name), code.value) for code, name in CONSILIUM_OUTCOMES.items()]}


async def on_outcome(_c: CallbackQuery, _w: Any, manager: DialogManager, item: str) -> None:
    try:
        outcome = ConsiliumOutcome(item)
    except ValueError:
        manager.show_mode = ShowMode.NO_UPDATE
        return
    _set(manager, outcome=outcome.value)
    if outcome is ConsiliumOutcome.CHANGE_LEVEL:
        await manager.switch_to(ConsiliumSG.level)
    else:
        await manager.switch_to(ConsiliumSG.note)


async def get_levels(dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
    c = ctx(dialog_manager)
    family = await case_access.require_view(c.session, c.actor, _family_id(dialog_manager))
    return {
        "levels": [
            (_(name), level.value)
            for level, name in SUPPORT_LEVELS.items()
            if level.value != family.support_level
        ],
        "level_now": _(SUPPORT_LEVELS[SupportLevel(family.support_level)]),
    }


async def on_level(_c: CallbackQuery, _w: Any, manager: DialogManager, item: str) -> None:
    if item not in {level.value for level in SupportLevel}:
        manager.show_mode = ShowMode.NO_UPDATE
        return
    _set(manager, new_level=item)
    await manager.switch_to(ConsiliumSG.level_reason)


async def on_level_reason(message: Message, _w: Any, manager: DialogManager) -> None:
    text = form_text(
        message,
        manager,
        _("Please write the reason as text, in a few words."),
        limit=families.LEVEL_REASON_MAX,
        one_line=True,
    )
    if text is None:
        return
    _set(manager, level_reason=text)
    await manager.switch_to(ConsiliumSG.note)


async def on_note(message: Message, _w: Any, manager: DialogManager) -> None:
    text = form_text(
        message,
        manager,
        _("Please send the note as text, or skip it."),
        limit=consilium.NOTE_MAX,
    )
    if text is None:
        return
    _set(manager, note=text)
    await manager.switch_to(ConsiliumSG.next_review)


async def on_skip_note(_c: CallbackQuery, _b: Button, manager: DialogManager) -> None:
    _set(manager, note=None)
    await manager.switch_to(ConsiliumSG.next_review)


async def get_next_days(dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
    c = ctx(dialog_manager)
    family = await _keepable(dialog_manager)
    return {"days": day_buttons(families.family_today(family, c.now()), NEXT_OFFSETS)}


async def _save_hold(manager: DialogManager, next_review: date | None) -> None:
    c = ctx(manager)
    form = _form(manager)
    checked = manager.find(PEOPLE)
    ids = [pid for raw in (checked.get_checked() if checked else []) if (pid := parse_id(raw))]  # type: ignore[attr-defined]
    try:
        held = consilium.Held(
            held_on=date.fromisoformat(str(form.get("held_on"))),
            outcome=ConsiliumOutcome(str(form.get("outcome"))),
            participant_ids=ids,
            participants_text=form.get("participants_text"),
            note=form.get("note"),
            next_review_on=next_review,
            new_level=SupportLevel(form["new_level"]) if form.get("new_level") else None,
            level_reason=form.get("level_reason"),
        )
    except ValueError:  # a step skipped by a forged press: record it again from the start
        await manager.switch_to(ConsiliumSG.held_day)
        return
    try:
        await consilium.hold(
            c.session, c.require_actor(), _family_id(manager), _consilium_id(manager), held, c.now()
        )
    except DomainError as error:
        if error.code in ("consilium_day_past", "consilium_day_far"):
            _refusal(manager, error)  # the next review's day: ask again
            return
        if error.code == "access_denied":
            raise
        manager.dialog_data[NOTICE] = error_text(ERRORS, error)
        await manager.switch_to(ConsiliumSG.card)
        return
    manager.dialog_data.pop(FORM, None)
    notice = _("✅ The consilium is recorded.")
    if held.outcome is ConsiliumOutcome.CLOSE:
        notice += " " + _("To close the case, use «🔒 Close the case» on the family card.")
    if held.outcome is ConsiliumOutcome.CHANGE_PLAN:
        notice += " " + _("Add its decisions with «➕ Decision»: each goes to the plan in a tap.")
    manager.dialog_data[NOTICE] = notice
    await manager.switch_to(ConsiliumSG.card)


on_next_day, on_next_text = day_input(_save_hold)


async def on_no_next(_c: CallbackQuery, _b: Button, manager: DialogManager) -> None:
    await _save_hold(manager, None)


# --- a decision --------------------------------------------------------------------------------


async def on_new_decision(_c: CallbackQuery, _b: Button, manager: DialogManager) -> None:
    await _keepable(manager)
    manager.dialog_data[DECISION] = {}
    await manager.switch_to(ConsiliumSG.decision_what)


def _decision(manager: DialogManager) -> dict[str, Any]:
    found = manager.dialog_data.get(DECISION)
    return found if isinstance(found, dict) else {}


async def on_what(message: Message, _w: Any, manager: DialogManager) -> None:
    text = form_text(
        message,
        manager,
        _("Please send what was decided as text."),
        limit=consilium.WHAT_MAX,
        one_line=True,
    )
    if text is None:
        return
    manager.dialog_data[DECISION] = {**_decision(manager), "what": text}
    await manager.switch_to(ConsiliumSG.decision_who)


async def on_who(message: Message, _w: Any, manager: DialogManager) -> None:
    text = form_text(
        message,
        manager,
        _("Please send who does it as text, or skip this step."),
        limit=consilium.WHO_MAX,
        one_line=True,
    )
    if text is None:
        return
    manager.dialog_data[DECISION] = {**_decision(manager), "who": text}
    await manager.switch_to(ConsiliumSG.decision_due)


async def on_skip_who(_c: CallbackQuery, _b: Button, manager: DialogManager) -> None:
    await manager.switch_to(ConsiliumSG.decision_due)


async def get_due_days(dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
    c = ctx(dialog_manager)
    family = await _keepable(dialog_manager)
    return {"days": day_buttons(families.family_today(family, c.now()), (7, 14, 30, 60))}


async def _save_decision(manager: DialogManager, due: date | None) -> None:
    c = ctx(manager)
    draft = _decision(manager)
    try:
        await consilium.add_decision(
            c.session,
            c.require_actor(),
            _family_id(manager),
            _consilium_id(manager),
            what=str(draft.get("what") or ""),
            who=draft.get("who"),
            due_on=due,
            now=c.now(),
        )
    except DomainError as error:
        if error.code == "decision_due_past":
            _refusal(manager, error)
            return
        if error.code == "access_denied":
            raise
        manager.dialog_data[NOTICE] = error_text(ERRORS, error)
        await manager.switch_to(ConsiliumSG.card)
        return
    manager.dialog_data.pop(DECISION, None)
    manager.dialog_data[NOTICE] = _("✅ The decision is recorded.")
    await manager.switch_to(ConsiliumSG.card)


on_due_day, on_due_text = day_input(_save_decision)


async def on_no_due(_c: CallbackQuery, _b: Button, manager: DialogManager) -> None:
    await _save_decision(manager, None)


def create_consilium_dialog() -> Dialog:
    return Dialog(
        Window(
            T("{notice}\n", when="notice"),
            T("<b>Consiliums</b> · family «{name}»"),
            T("None yet.", when=lambda d, *_: not d["count"]),
            choices("consilium", "items", on_pick),
            Button(T("➕ Plan a consilium"), id="plan_new", on_click=on_plan_new, when="can_plan"),
            Cancel(T("⬅️ To the case"), id="consilium_done"),
            state=ConsiliumSG.list,
            getter=get_list,
        ),
        Window(
            input_error_line(),
            T("When is the consilium? Tap a day or send it as DD.MM.YYYY."),
            T("The curator is reminded the day before, at 10:00."),
            MessageInput(on_plan_text),
            choices("plan_day", "days", on_plan_day, width=3),
            Button(T("⬅️ Back"), id="plan_back", on_click=on_plan_back),
            state=ConsiliumSG.plan_day,
            getter=[get_input_error, get_plan_days],
        ),
        Window(
            T("{notice}\n", when="notice"),
            T("{card_text}"),
            Button(T("✅ Record how it went"), id="record", on_click=on_record, when="pending"),
            Button(T("📅 Another day"), id="move", on_click=on_move, when="pending"),
            Button(
                T("🚫 Cancel the consilium"),
                id="cancel_it",
                on_click=on_cancel_consilium,
                when="pending",
            ),
            choices("to_plan", "to_plan", on_to_plan),
            Button(T("➕ Decision"), id="decision_new", on_click=on_new_decision, when="held"),
            SwitchTo(T("⬅️ Back"), id="card_back", state=ConsiliumSG.list),
            state=ConsiliumSG.card,
            getter=get_card,
        ),
        Window(
            input_error_line(),
            T("<b>Recording the consilium</b> (1/5). When was it held?"),
            T("Tap a day or send it as DD.MM.YYYY."),
            MessageInput(on_held_text),
            choices("held_day", "days", on_held_day, width=3),
            CANCEL_FORM,
            state=ConsiliumSG.held_day,
            getter=[get_input_error, get_held_days],
        ),
        Window(
            input_error_line(),
            T(
                "<b>Recording the consilium</b> (2/5). Who took part? Tick the people who use "
                "the bot; send anyone else in a few words, for example «психолог ЦСОН, "
                "инспектор ПДН»."
            ),
            T("\nAlso: {others}", when="others"),
            MessageInput(on_others),
            checklist(PEOPLE, "people"),
            Button(T("➡️ Next"), id="people_next", on_click=on_people_next),
            SwitchTo(T("⬅️ Back"), id="people_back", state=ConsiliumSG.held_day),
            state=ConsiliumSG.participants,
            getter=[get_input_error, get_people],
        ),
        Window(
            T("<b>Recording the consilium</b> (3/5). What did it decide?"),
            choices("outcome", "outcomes", on_outcome),
            SwitchTo(T("⬅️ Back"), id="outcome_back", state=ConsiliumSG.participants),
            state=ConsiliumSG.outcome,
            getter=get_outcomes,
        ),
        Window(
            T("The level now: {level_now}. Which level does the consilium set?"),
            choices("new_level", "levels", on_level, width=2),
            SwitchTo(T("⬅️ Back"), id="level_back", state=ConsiliumSG.outcome),
            state=ConsiliumSG.level,
            getter=get_levels,
        ),
        Window(
            input_error_line(),
            T("Why does the level change? A few words for the case history."),
            MessageInput(on_level_reason),
            SwitchTo(T("⬅️ Back"), id="reason_back", state=ConsiliumSG.level),
            state=ConsiliumSG.level_reason,
            getter=get_input_error,
        ),
        Window(
            input_error_line(),
            T(
                "<b>Recording the consilium</b> (4/5). A note for the case: what was discussed, "
                "what matters next. Send it as a message, or skip."
            ),
            MessageInput(on_note),
            Button(T("➡️ Skip"), id="note_skip", on_click=on_skip_note),
            SwitchTo(T("⬅️ Back"), id="note_back", state=ConsiliumSG.outcome),
            state=ConsiliumSG.note,
            getter=get_input_error,
        ),
        Window(
            input_error_line(),
            T(
                "<b>Recording the consilium</b> (5/5). When is the next review? Tap a day or "
                "send it as DD.MM.YYYY; it is planned as the next consilium and reminded."
            ),
            MessageInput(on_next_text),
            choices("next_day", "days", on_next_day, width=3),
            Button(T("✅ Save without a next review"), id="no_next", on_click=on_no_next),
            SwitchTo(T("⬅️ Back"), id="next_back", state=ConsiliumSG.note),
            state=ConsiliumSG.next_review,
            getter=[get_input_error, get_next_days],
        ),
        Window(
            input_error_line(),
            T("What did the consilium decide for the plan? One short sentence."),
            MessageInput(on_what),
            BACK_TO_CARD,
            state=ConsiliumSG.decision_what,
            getter=get_input_error,
        ),
        Window(
            input_error_line(),
            T("Who does it? A few words, for example «куратор» or «школа»."),
            MessageInput(on_who),
            Button(T("➡️ Skip"), id="who_skip", on_click=on_skip_who),
            BACK_TO_CARD,
            state=ConsiliumSG.decision_who,
            getter=get_input_error,
        ),
        Window(
            input_error_line(),
            T("By when? Tap a day or send it as DD.MM.YYYY."),
            MessageInput(on_due_text),
            choices("due_day", "days", on_due_day, width=4),
            Button(T("➡️ No date"), id="due_none", on_click=on_no_due),
            BACK_TO_CARD,
            state=ConsiliumSG.decision_due,
            getter=[get_input_error, get_due_days],
        ),
        on_start=on_start,
    )
