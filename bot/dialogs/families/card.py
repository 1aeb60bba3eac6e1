"""The family card: who works with the family, its status and visits; coordinators manage it.

Start it with data {"family_id": id} from anywhere: the card checks on start and on every render
and press that the person may see (FAMILY_VIEW) or manage (FAMILY_MANAGE) this family. Hidden
buttons still answer forged presses in aiogram-dialog, so every management handler goes through a
service that authorises it.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _
from aiogram_dialog import DialogManager
from aiogram_dialog.widgets.input import MessageInput
from aiogram_dialog.widgets.kbd import Button, Cancel, Row, SwitchTo

from bot.clock import local_date
from bot.db.models import CaseStage, CloseReason, LevelSource, MentorStatus, Role, SupportLevel
from bot.dialogs.case.states import FAMILY_ID as CASE_FAMILY_ID
from bot.dialogs.case.states import CaseSG
from bot.dialogs.context import Ctx, ctx
from bot.dialogs.families.dialog import LEVEL_NAMES
from bot.dialogs.families.states import FamilyCardSG, MyFamiliesSG
from bot.dialogs.myvisits.dialog import OPEN_VISIT
from bot.dialogs.myvisits.states import MyVisitsSG
from bot.dialogs.paging import PAGE_SIZE, current_page, page_data, pager
from bot.dialogs.plan.states import PlanSG
from bot.dialogs.programmes.states import ProgrammesSG
from bot.dialogs.social_map.dialog import FAMILY_ID as MAP_FAMILY_ID
from bot.dialogs.social_map.states import MapSG
from bot.dialogs.widgets import (
    Dialog,
    Html,
    T,
    Window,
    choices,
    day_input,
    error_text,
    form_text,
    get_input_error,
    input_error_line,
    show_input_error,
    stored_id,
    to_menu,
)
from bot.i18n import N_
from bot.labels import CASE_STAGES, CLOSE_REASONS
from bot.markup import escape
from bot.services import assignments, cases, families, mentor_registry, programmes, visits
from bot.services.errors import DomainError

FAMILY_ID = "family_id"
NOTICE = "notice"
NEW_LEVEL = "new_level"
CARD_ERRORS = {
    "family_closed": N_("This family's case is closed."),
    "level_reason_required": N_("Please write the reason in a few words."),
}
TIMELINE = "timeline_scroll"
TIMELINE_SIZE = 5
PICK = "pick_scroll"
MY_SCROLL = "my_families_scroll"
PENDING_MENTOR = "pending_mentor"  # a mentor who is not active, waiting for the confirmation

NOTE_ERRORS = {
    "close_note_required": N_("For «other reason», please write the reason in a few words."),
    "close_note_too_long": N_("That is a bit long: please keep the note under 500 characters."),
}
BACK = T("⬅️ Back")


def family_id_of(manager: DialogManager) -> int:
    """The card's family: from the start data (set by our code, never by a button)."""
    value = manager.dialog_data.get(FAMILY_ID)
    if value is None:
        start = manager.start_data if isinstance(manager.start_data, dict) else {}
        value = start.get(FAMILY_ID)
    if not isinstance(value, int):
        raise DomainError("family_not_found")
    return value


def _reason(value: Any) -> CloseReason | None:
    try:
        return CloseReason(value)
    except ValueError:
        return None


def _names(refs: list[families.PersonRef], empty: str) -> str:
    return ", ".join(escape(r.name) for r in refs) if refs else empty


def _zone_label(c: Ctx, zone: str) -> str:
    found = next((tz for tz in c.content.timezones if tz.zone == zone), None)
    return found.label(c.locale) if found else zone


def _situation(c: Ctx, value: int) -> str:
    point = next((p for p in c.content.visits.situation if p.value == value), None)
    return point.label(c.locale) if point else str(value)


async def on_start(data: Any, manager: DialogManager) -> None:
    c = ctx(manager)
    family_id = family_id_of(manager)
    manager.dialog_data[FAMILY_ID] = family_id
    await families.require_view(c.session, c.actor, family_id)


# --- the card -------------------------------------------------------------------------------


async def get_card(dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
    c = ctx(dialog_manager)
    actor = c.require_actor()
    family_id = family_id_of(dialog_manager)
    card = await families.family_card(c.session, actor, family_id, c.now())
    family = card.family
    level_name = LEVEL_NAMES[SupportLevel(family.support_level)]
    lines = [
        f"<b>{escape(family.name)}</b>",
        _("Category: {category}").format(
            category=escape(c.content.category_label(family.category, c.locale))
        ),
        _("Support level: {level}").format(level=_(level_name)),
        _("Time zone: {zone}").format(zone=escape(_zone_label(c, family.timezone))),
        _("Parents: {names}").format(names=_names(card.parents, _("none linked yet"))),
        _("Mentors: {names}").format(names=_names(card.mentors, _("none assigned yet"))),
        _("Curator: {name}").format(
            name=escape(card.curator.name) if card.curator else _("not assigned yet")
        ),
    ]
    if family.closed_at is not None:
        reason = _reason(family.closed_reason)
        lines.append(
            _("Status: closed on {date} — {reason}").format(
                date=local_date(family.closed_at, family.timezone).strftime("%d.%m.%Y"),
                reason=_(CLOSE_REASONS[reason]) if reason else escape(family.closed_reason or "—"),
            )
        )
        if family.closed_note:
            lines.append(_("Note: {note}").format(note=escape(family.closed_note)))
    else:
        lines.append(_("Status: open"))
    case = await cases.case_state(c.session, family)
    lines.append(_("Stage: {stage}").format(stage=_(CASE_STAGES[case.stage])))
    if family.closed_at is not None and case.final_meeting_date is not None:
        lines.append(
            _("Final meeting: {date}").format(date=case.final_meeting_date.strftime("%d.%m.%Y"))
        )
    if family.closed_at is not None and case.final_summary:
        lines.append(_("Summary: {text}").format(text=escape(case.final_summary)))

    page = await current_page(dialog_manager, TIMELINE)
    rows, total = await visits.visits_of_family(
        c.session, actor, family_id, offset=page * TIMELINE_SIZE, limit=TIMELINE_SIZE, now=c.now()
    )
    pages = max(1, (total + TIMELINE_SIZE - 1) // TIMELINE_SIZE)
    lines.append("")
    if total:
        header = _("<b>Visits</b>: {total}").format(total=total)
        if pages > 1:
            header += " " + _("(page {page_no} of {pages})").format(
                page_no=min(page, pages - 1) + 1, pages=pages
            )
        lines.append(header)
        for row in rows:
            visit = row.visit
            parts = [
                visit.visit_date.strftime("%d.%m.%Y"),
                escape(row.mentor_name or "—"),
                escape(c.content.visits.label("formats", visit.format, c.locale)),
                escape(_situation(c, visit.situation)),
            ]
            lines.append(("⚠️ " if visit.concern else "• ") + " · ".join(parts))
    else:
        lines.append(_("No visits logged yet."))
    # Each visit of the page opens in full (a coordinator may correct it after the mentor's 48 h).
    visit_buttons = [
        (
            f"{row.visit.visit_date.strftime('%d.%m.%Y')} · {row.mentor_name or '—'}",
            str(row.visit.id),
        )
        for row in rows
    ]

    is_open = family.closed_at is None
    crisis = family.support_level == SupportLevel.CRISIS
    return {
        "card": Html("\n".join(lines)),
        "visit_buttons": visit_buttons,
        "notice": dialog_manager.dialog_data.pop(NOTICE, ""),
        "pages": pages,
        "manage_open": card.can_manage and is_open,
        "manage_closed": card.can_manage and not is_open,
        "can_raise": card.can_manage and is_open and not crisis,
        "can_lower": card.can_manage and is_open and crisis,
        "can_programme": await programmes.can_view(c.session, actor, family_id),
        # Maps are coordinators' work, like meetings (/map).
        "can_map": is_open and actor.has(Role.COORDINATOR),
    }


# --- the case's stage and its plan ------------------------------------------------------------

FINAL_DATE, SUMMARY, CLOSE_NOTE = "final_date", "summary", "close_note"
FINAL_OFFSETS = (0, 1, 2, 7)  # date buttons: days before the family's today
FINAL_ERRORS = {
    "final_date_future": N_("The final meeting is a day that has come: please choose it."),
    "final_date_old": N_("That is more than a year ago: please check the date."),
    "case_summary_long": N_("That is a bit long: please keep the summary under 1000 characters."),
}


async def on_open_plan(_c: CallbackQuery, _b: Button, manager: DialogManager) -> None:
    # The plan dialog checks the right to the family's plan itself on start.
    await manager.start(PlanSG.plan, data={FAMILY_ID: family_id_of(manager)})


async def on_open_case(_c: CallbackQuery, _b: Button, manager: DialogManager) -> None:
    # The case dialog checks the right to the family's case itself on start.
    await manager.start(CaseSG.case, data={CASE_FAMILY_ID: family_id_of(manager)})


async def on_open_map(_c: CallbackQuery, _b: Button, manager: DialogManager) -> None:
    # The map dialog checks that the person draws maps (a coordinator) and sees the family.
    await manager.start(MapSG.child, data={MAP_FAMILY_ID: family_id_of(manager)})


async def on_open_stage(_c: CallbackQuery, _b: Button, manager: DialogManager) -> None:
    c = ctx(manager)
    await families.require_manage(c.session, c.actor, family_id_of(manager))
    await manager.switch_to(FamilyCardSG.stage)


async def get_stage(dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
    c = ctx(dialog_manager)
    family = await families.require_manage(c.session, c.actor, family_id_of(dialog_manager))
    current = (await cases.case_state(c.session, family)).stage
    return {
        "name": family.name,
        "stage": _(CASE_STAGES[current]),
        "stages": [
            (("✓ " if stage is current else "") + _(CASE_STAGES[stage]), stage.value)
            for stage in cases.OPEN_STAGES
        ],
    }


async def on_stage(_c: CallbackQuery, _w: Any, manager: DialogManager, item: str) -> None:
    try:
        stage = CaseStage(item)
    except ValueError:
        return
    c = ctx(manager)
    try:
        changed = await cases.set_stage(
            c.session, c.require_actor(), family_id_of(manager), stage, c.now()
        )
    except DomainError as error:
        if error.code not in ("family_closed", "stage_unknown"):
            raise
        changed = False
    if changed:
        manager.dialog_data[NOTICE] = _("✅ The case's stage is now: {stage}.").format(
            stage=_(CASE_STAGES[stage])
        )
    await manager.switch_to(FamilyCardSG.card)


async def get_final_days(dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
    c = ctx(dialog_manager)
    family = await families.require_manage(c.session, c.actor, family_id_of(dialog_manager))
    today = families.family_today(family, c.now())
    days = [today - timedelta(days=offset) for offset in FINAL_OFFSETS]
    # The day planned ahead for the parting comes first, once it has come.
    record = (await cases.case_state(c.session, family)).record
    planned = record.final_meeting_planned_on if record else None
    if planned is not None and planned <= today and planned not in days:
        days.insert(0, planned)
    return {"name": family.name, "days": [(d.strftime("%d.%m.%Y"), d.isoformat()) for d in days]}


async def _final_date_chosen(manager: DialogManager, day: date | None) -> None:
    c = ctx(manager)
    family = await families.require_manage(c.session, c.actor, family_id_of(manager))
    if day is not None:
        try:
            cases.check_final_date(family, day, c.now())
        except DomainError as error:
            show_input_error(manager, _(FINAL_ERRORS[error.code]))
            return
    manager.dialog_data[FINAL_DATE] = day.isoformat() if day else None
    await manager.switch_to(FamilyCardSG.close_summary)


on_final_day, on_final_date_text = day_input(_final_date_chosen)


async def on_no_final(_c: CallbackQuery, _b: Button, manager: DialogManager) -> None:
    await _final_date_chosen(manager, None)


async def on_summary(message: Message, _w: Any, manager: DialogManager) -> None:
    text = form_text(message, manager, _("Please send the summary as text."))
    if text is None:
        return
    try:
        manager.dialog_data[SUMMARY] = cases.clean_summary(text)
    except DomainError as error:
        show_input_error(manager, _(FINAL_ERRORS[error.code]))
        return
    await _finish_close(manager)


async def on_no_summary(_c: CallbackQuery, _b: Button, manager: DialogManager) -> None:
    manager.dialog_data[SUMMARY] = None
    await _finish_close(manager)


def _final_date(manager: DialogManager) -> date | None:
    raw = manager.dialog_data.get(FINAL_DATE)
    try:
        return date.fromisoformat(raw) if isinstance(raw, str) else None
    except ValueError:
        return None


async def on_open_programme(_c: CallbackQuery, _b: Button, manager: DialogManager) -> None:
    # The programme dialog checks PROGRAMME_VIEW itself on start.
    await manager.start(ProgrammesSG.overview, data={FAMILY_ID: family_id_of(manager)})


async def on_open_mentors(_c: CallbackQuery, _b: Button, manager: DialogManager) -> None:
    c = ctx(manager)
    await families.require_manage(c.session, c.actor, family_id_of(manager))
    await manager.switch_to(FamilyCardSG.mentors)


async def _reset_pick(manager: DialogManager) -> None:
    scroll = manager.find(PICK)
    if scroll is not None:
        await scroll.set_page(0)  # type: ignore[attr-defined]


async def on_open_curator(_c: CallbackQuery, _b: Button, manager: DialogManager) -> None:
    c = ctx(manager)
    await families.require_manage(c.session, c.actor, family_id_of(manager))
    await _reset_pick(manager)
    await manager.switch_to(FamilyCardSG.curator)


async def on_level(_c: CallbackQuery, button: Button, manager: DialogManager) -> None:
    """Raising or lowering the level asks why first: the case file keeps the reason."""
    c = ctx(manager)
    await families.require_manage(c.session, c.actor, family_id_of(manager))
    level = SupportLevel.CRISIS if button.widget_id == "crisis" else SupportLevel.BASIC
    manager.dialog_data[NEW_LEVEL] = level.value
    await manager.switch_to(FamilyCardSG.level_reason)


async def get_level_reason(dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
    level = SupportLevel(dialog_manager.dialog_data.get(NEW_LEVEL) or SupportLevel.BASIC)
    return {"new_level": _(LEVEL_NAMES[level])}


async def on_level_reason(message: Message, _w: Any, manager: DialogManager) -> None:
    c = ctx(manager)
    text = form_text(
        message,
        manager,
        _("Please write the reason as text, in a few words."),
        limit=families.LEVEL_REASON_MAX,
        one_line=True,
    )
    if text is None:
        return
    level = SupportLevel(manager.dialog_data.get(NEW_LEVEL) or SupportLevel.BASIC)
    try:
        changed = await families.set_support_level(
            c.session,
            c.require_actor(),
            family_id_of(manager),
            level,
            c.now(),
            source=LevelSource.CARD,
            reason=text,
        )
    except DomainError as error:
        if error.code == "access_denied":
            raise
        manager.dialog_data[NOTICE] = error_text(CARD_ERRORS, error)
        await manager.switch_to(FamilyCardSG.card)
        return
    if changed:
        manager.dialog_data[NOTICE] = _("✅ The support level is now: {level}.").format(
            level=_(LEVEL_NAMES[level])
        )
    await manager.switch_to(FamilyCardSG.card)


async def on_open_close(_c: CallbackQuery, _b: Button, manager: DialogManager) -> None:
    c = ctx(manager)
    family = await families.require_manage(c.session, c.actor, family_id_of(manager))
    if family.closed_at is not None:
        return  # a second tap: the card already shows it closed
    await manager.switch_to(FamilyCardSG.close_reason)


async def on_reopen(_c: CallbackQuery, _b: Button, manager: DialogManager) -> None:
    c = ctx(manager)
    try:
        await families.reopen_family(c.session, c.require_actor(), family_id_of(manager), c.now())
    except DomainError as error:
        if error.code != "family_not_closed":
            raise
        return  # a second tap: already open
    manager.dialog_data[NOTICE] = _("✅ The case is open again.")


# --- mentors --------------------------------------------------------------------------------


async def get_mentors(dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
    c = ctx(dialog_manager)
    staff = await assignments.staff(c.session, c.require_actor(), family_id_of(dialog_manager))
    return {
        "name": staff.family.name,
        "mentors": [(m.name, str(m.id)) for m in staff.mentors],
        "has_mentors": bool(staff.mentors),
        "notice": dialog_manager.dialog_data.pop(NOTICE, ""),
    }


def _person_id(item: str) -> int | None:
    return int(item) if item.isdigit() else None


async def on_mentor(_c: CallbackQuery, _w: Any, manager: DialogManager, item: str) -> None:
    person_id = _person_id(item)
    if person_id is None:
        return
    manager.dialog_data["remove_id"] = person_id
    await manager.switch_to(FamilyCardSG.remove_mentor)


async def on_open_pick_mentor(_c: CallbackQuery, _b: Button, manager: DialogManager) -> None:
    await _reset_pick(manager)
    await manager.switch_to(FamilyCardSG.pick_mentor)


async def get_pick_mentor(dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
    c = ctx(dialog_manager)
    actor = c.require_actor()
    family_id = family_id_of(dialog_manager)
    staff = await assignments.staff(c.session, actor, family_id)
    page = await current_page(dialog_manager, PICK)
    rows, total = await assignments.mentor_candidates(
        c.session, actor, family_id, offset=page * PAGE_SIZE, limit=PAGE_SIZE
    )
    return {
        "name": staff.family.name,
        "people": [(f"{p.display_name} · 👪 {count}", str(p.id)) for p, count in rows],
        "total": total,
        **page_data(page, total),
    }


async def on_pick_mentor(_c: CallbackQuery, _w: Any, manager: DialogManager, item: str) -> None:
    c = ctx(manager)
    person_id = _person_id(item)
    if person_id is None:
        return
    family_id = family_id_of(manager)
    found = await mentor_registry.mentor_to_assign(
        c.session, c.require_actor(), family_id, person_id
    )
    if found is not None and found[1] != MentorStatus.ACTIVE:
        manager.dialog_data[PENDING_MENTOR] = person_id
        await manager.switch_to(FamilyCardSG.confirm_mentor)
        return
    await _assign_mentor(manager, person_id)


async def get_confirm_mentor(dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
    c = ctx(dialog_manager)
    person_id = stored_id(dialog_manager, PENDING_MENTOR, "mentor_not_found")
    found = await mentor_registry.mentor_to_assign(
        c.session, c.require_actor(), family_id_of(dialog_manager), person_id
    )
    if found is None:
        raise DomainError("mentor_not_found")
    who, status = found
    return {"who": who, "status": c.content.mentors.status_label(status, c.locale).lower()}


async def on_confirm_mentor(_c: CallbackQuery, _b: Button, manager: DialogManager) -> None:
    c = ctx(manager)
    person_id = stored_id(manager, PENDING_MENTOR, "mentor_not_found")
    family_id = family_id_of(manager)
    # The status is read again: the confirmation is for the status the mentor has now.
    found = await mentor_registry.mentor_to_assign(
        c.session, c.require_actor(), family_id, person_id
    )
    if found is None:
        raise DomainError("mentor_not_found")
    status = found[1]
    if status != MentorStatus.ACTIVE:
        await mentor_registry.confirm_not_active(
            c.session, c.require_actor(), family_id, person_id, status, c.now()
        )
    manager.dialog_data.pop(PENDING_MENTOR, None)
    await _assign_mentor(manager, person_id)


async def _assign_mentor(manager: DialogManager, person_id: int) -> None:
    c = ctx(manager)
    actor = c.require_actor()
    family_id = family_id_of(manager)
    added = await assignments.assign_mentor(c.session, actor, family_id, person_id, c.now())
    staff = await assignments.staff(c.session, actor, family_id)
    name = next((m.name for m in staff.mentors if m.id == person_id), "")
    manager.dialog_data[NOTICE] = (
        _("✅ {name} is now a mentor of the family and will get a message about it.")
        if added
        else _("{name} is already a mentor of this family.")
    ).format(name=name)
    await manager.switch_to(FamilyCardSG.mentors)


async def get_remove(dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
    c = ctx(dialog_manager)
    staff = await assignments.staff(c.session, c.require_actor(), family_id_of(dialog_manager))
    person_id = dialog_manager.dialog_data.get("remove_id")
    mentor = next((m for m in staff.mentors if m.id == person_id), None)
    return {"name": staff.family.name, "who": mentor.name if mentor else "", "gone": not mentor}


async def on_remove(_c: CallbackQuery, _b: Button, manager: DialogManager) -> None:
    c = ctx(manager)
    person_id = manager.dialog_data.pop("remove_id", None)
    if isinstance(person_id, int):
        removed = await assignments.unassign_mentor(
            c.session, c.require_actor(), family_id_of(manager), person_id, c.now()
        )
        if removed:
            manager.dialog_data[NOTICE] = _("The mentor is removed from the family.")
    await manager.switch_to(FamilyCardSG.mentors)


# --- curator --------------------------------------------------------------------------------


async def get_curator(dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
    c = ctx(dialog_manager)
    actor = c.require_actor()
    family_id = family_id_of(dialog_manager)
    staff = await assignments.staff(c.session, actor, family_id)
    page = await current_page(dialog_manager, PICK)
    rows, total = await assignments.curator_candidates(
        c.session, actor, family_id, offset=page * PAGE_SIZE, limit=PAGE_SIZE
    )
    current = staff.curator.id if staff.curator else None
    return {
        "name": staff.family.name,
        "curator": staff.curator.name if staff.curator else _("not assigned yet"),
        "people": [
            (f"{'✓ ' if p.id == current else ''}{p.display_name} · 🧭 {count}", str(p.id))
            for p, count in rows
        ],
        "total": total,
        **page_data(page, total),
    }


async def on_pick_curator(_c: CallbackQuery, _w: Any, manager: DialogManager, item: str) -> None:
    c = ctx(manager)
    person_id = _person_id(item)
    if person_id is None:
        return
    actor = c.require_actor()
    family_id = family_id_of(manager)
    changed = await assignments.set_curator(c.session, actor, family_id, person_id, c.now())
    if changed:
        staff = await assignments.staff(c.session, actor, family_id)
        manager.dialog_data[NOTICE] = _("✅ The curator of the family is now {name}.").format(
            name=staff.curator.name if staff.curator else ""
        )
    await manager.switch_to(FamilyCardSG.card)


# --- closing --------------------------------------------------------------------------------


async def get_close(dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
    c = ctx(dialog_manager)
    family = await families.require_manage(c.session, c.actor, family_id_of(dialog_manager))
    reason = _reason(dialog_manager.dialog_data.get("reason"))
    return {
        "name": family.name,
        "reasons": [(_(label), code.value) for code, label in CLOSE_REASONS.items()],
        "reason": _(CLOSE_REASONS[reason]) if reason else "",
        "note_optional": reason is not None and reason is not CloseReason.OTHER,
        "note_required": reason is CloseReason.OTHER,
    }


async def on_reason(_c: CallbackQuery, _w: Any, manager: DialogManager, item: str) -> None:
    if _reason(item) is None:
        return
    manager.dialog_data["reason"] = item
    await manager.switch_to(FamilyCardSG.close_note)


async def _close(manager: DialogManager, note: str | None) -> None:
    """The reason and the note are fine: on to the final meeting and the summary."""
    reason = _reason(manager.dialog_data.get("reason"))
    if reason is None:
        await manager.switch_to(FamilyCardSG.close_reason)
        return
    try:
        manager.dialog_data[CLOSE_NOTE] = cases.check_close_note(reason, note)
    except DomainError as error:
        if error.code not in NOTE_ERRORS:
            raise
        show_input_error(manager, _(NOTE_ERRORS[error.code]))
        return
    for key in (FINAL_DATE, SUMMARY):
        manager.dialog_data.pop(key, None)
    await manager.switch_to(FamilyCardSG.close_final)


async def _finish_close(manager: DialogManager) -> None:
    c = ctx(manager)
    reason = _reason(manager.dialog_data.get("reason"))
    if reason is None or CLOSE_NOTE not in manager.dialog_data:
        await manager.switch_to(FamilyCardSG.close_reason)  # a stale step
        return
    try:
        await cases.close_case(
            c.session,
            c.require_actor(),
            family_id_of(manager),
            reason,
            manager.dialog_data.get(CLOSE_NOTE),
            c.now(),
            final_date=_final_date(manager),
            summary=manager.dialog_data.get(SUMMARY),
        )
    except DomainError as error:
        if error.code != "family_closed":
            raise
    for key in ("reason", CLOSE_NOTE, FINAL_DATE, SUMMARY):
        manager.dialog_data.pop(key, None)
    manager.dialog_data[NOTICE] = _(
        "✅ The case is closed. The family's history is kept; it no longer appears in the lists "
        "and reminders."
    )
    await manager.switch_to(FamilyCardSG.card)


async def on_note(message: Message, _w: Any, manager: DialogManager) -> None:
    text = form_text(message, manager, _("Please send the note as text."))
    if text is not None:
        await _close(manager, text)


async def on_no_note(_c: CallbackQuery, _b: Button, manager: DialogManager) -> None:
    await _close(manager, None)


async def on_open_visit(_c: CallbackQuery, _w: Any, manager: DialogManager, item: str) -> None:
    if item.isdigit():  # the visit dialog checks the right to see it, with the id from the DB
        await manager.start(MyVisitsSG.detail, data={OPEN_VISIT: int(item)})


def create_family_card_dialog() -> Dialog:
    return Dialog(
        Window(
            T("{notice}\n", when="notice"),
            T("{card}"),
            choices("tv", "visit_buttons", on_open_visit, width=2, label=T("🔎 {item[0]}")),
            *pager(TIMELINE),
            Row(
                Button(T("👤 Mentors"), id="mentors", on_click=on_open_mentors, when="manage_open"),
                Button(T("🧭 Curator"), id="curator", on_click=on_open_curator, when="manage_open"),
            ),
            Button(T("🚨 Raise to crisis level"), id="crisis", on_click=on_level, when="can_raise"),
            Button(T("↘️ Back to basic level"), id="basic", on_click=on_level, when="can_lower"),
            Button(
                T("📚 Programme"), id="programme", on_click=on_open_programme, when="can_programme"
            ),
            Row(
                Button(T("🗂 Case"), id="case", on_click=on_open_case),
                Button(T("📋 Plan"), id="plan", on_click=on_open_plan),
            ),
            Row(
                Button(T("🗺 Social map"), id="map", on_click=on_open_map, when="can_map"),
                Button(T("🧭 Stage"), id="stage", on_click=on_open_stage, when="manage_open"),
            ),
            Button(T("🔒 Close the case"), id="close", on_click=on_open_close, when="manage_open"),
            Button(T("🔓 Reopen the case"), id="reopen", on_click=on_reopen, when="manage_closed"),
            Cancel(BACK),
            to_menu(),
            state=FamilyCardSG.card,
            getter=get_card,
        ),
        Window(
            T("{notice}\n", when="notice"),
            T("<b>Mentors of the family «{name}»</b>"),
            T("Tap a mentor to remove them from the family.", when="has_mentors"),
            T("No mentors yet.", when=lambda d, *_: not d["has_mentors"]),
            choices("mentor", "mentors", on_mentor, label=T("❌ {item[0]}")),
            Button(T("➕ Assign a mentor"), id="add_mentor", on_click=on_open_pick_mentor),
            SwitchTo(BACK, id="back", state=FamilyCardSG.card),
            state=FamilyCardSG.mentors,
            getter=get_mentors,
        ),
        Window(
            T(
                "Choose a mentor for the family «{name}». Beside each name: how many families "
                "they already have. (page {page_no} of {pages})",
                when="total",
            ),
            T(
                "There is nobody else with the mentor role yet. Invite a mentor with /invite.",
                when=lambda d, *_: not d["total"],
            ),
            choices("pick_mentor", "people", on_pick_mentor),
            *pager(PICK),
            SwitchTo(BACK, id="back", state=FamilyCardSG.mentors),
            state=FamilyCardSG.pick_mentor,
            getter=get_pick_mentor,
        ),
        Window(
            T("{who} — {status}. Assign anyway?"),
            Button(T("✅ Assign anyway"), id="confirm_mentor", on_click=on_confirm_mentor),
            SwitchTo(BACK, id="back", state=FamilyCardSG.pick_mentor),
            state=FamilyCardSG.confirm_mentor,
            getter=get_confirm_mentor,
        ),
        Window(
            T(
                "Remove {who} from the mentors of the family «{name}»? "
                "The visits they logged stay in the family's history.",
                when=lambda d, *_: not d["gone"],
            ),
            T("This mentor is no longer attached to the family.", when="gone"),
            Row(
                Button(T("Remove"), id="remove", on_click=on_remove),
                SwitchTo(T("Keep"), id="keep", state=FamilyCardSG.mentors),
            ),
            state=FamilyCardSG.remove_mentor,
            getter=get_remove,
        ),
        Window(
            T("Curator of the family «{name}»: {curator}."),
            T(
                "Choose a coordinator as the curator; the previous one is replaced. Beside each "
                "name: how many families they curate. (page {page_no} of {pages})",
                when="total",
            ),
            choices("pick_curator", "people", on_pick_curator),
            *pager(PICK),
            SwitchTo(BACK, id="back", state=FamilyCardSG.card),
            state=FamilyCardSG.curator,
            getter=get_curator,
        ),
        Window(
            T(
                "<b>Close the case of the family «{name}»</b>\n"
                "Why is the case closed? The family's history is kept; it leaves the lists and "
                "reminders, and you can reopen it later."
            ),
            choices("reason", "reasons", on_reason),
            SwitchTo(BACK, id="back", state=FamilyCardSG.card),
            state=FamilyCardSG.close_reason,
            getter=get_close,
        ),
        Window(
            input_error_line(),
            T("Reason: {reason}."),
            T("Add a note if you like: send it as a message.", when="note_optional"),
            T("Please write the reason in a few words.", when="note_required"),
            MessageInput(on_note),
            Button(
                T("🔒 Close without a note"),
                id="no_note",
                on_click=on_no_note,
                when="note_optional",
            ),
            SwitchTo(BACK, id="back", state=FamilyCardSG.close_reason),
            state=FamilyCardSG.close_note,
            getter=[get_input_error, get_close],
        ),
        Window(
            T("<b>Stage of the case «{name}»</b>: {stage}"),
            T("Tap the stage the case is at now. Closing the case is «🔒 Close the case»."),
            choices("case_stage", "stages", on_stage),
            SwitchTo(BACK, id="back", state=FamilyCardSG.card),
            state=FamilyCardSG.stage,
            getter=get_stage,
        ),
        Window(
            input_error_line(),
            T(
                "<b>Close the case of the family «{name}»</b>\n"
                "A case is closed at a final meeting that reviews the path from the first "
                "request. When was it? Tap a day or send it as DD.MM.YYYY."
            ),
            MessageInput(on_final_date_text),
            choices("final_day", "days", on_final_day, width=2),
            Button(T("➡️ There was no final meeting"), id="no_final", on_click=on_no_final),
            SwitchTo(BACK, id="back", state=FamilyCardSG.close_reason),
            state=FamilyCardSG.close_final,
            getter=[get_input_error, get_final_days],
        ),
        Window(
            input_error_line(),
            T(
                "A short summary of the case for its history: what changed, what was achieved, "
                "what the family goes on with. Send it as a message."
            ),
            MessageInput(on_summary),
            Button(T("🔒 Close without a summary"), id="no_summary", on_click=on_no_summary),
            SwitchTo(BACK, id="back", state=FamilyCardSG.close_final),
            state=FamilyCardSG.close_summary,
            getter=get_input_error,
        ),
        Window(
            input_error_line(),
            T(
                "The level becomes <b>{new_level}</b>. Why? A few words for the case history, "
                "for example «угроза жизни ребёнка» or «ситуация стабилизировалась»."
            ),
            MessageInput(on_level_reason),
            SwitchTo(T("✖️ Cancel"), id="level_cancel", state=FamilyCardSG.card),
            state=FamilyCardSG.level_reason,
            getter=[get_input_error, get_level_reason],
        ),
        on_start=on_start,
    )


# --- a mentor's own families ----------------------------------------------------------------


async def get_my_families(dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
    c = ctx(dialog_manager)
    page = await current_page(dialog_manager, MY_SCROLL)
    rows, total = await families.my_families_page(
        c.session, c.require_actor(), offset=page * PAGE_SIZE, limit=PAGE_SIZE
    )
    return {
        "items": [(f.name, str(f.id)) for f in rows],
        "total": total,
        **page_data(page, total),
    }


async def on_my_family(_c: CallbackQuery, _w: Any, manager: DialogManager, item: str) -> None:
    if not item.isdigit():
        return
    await manager.start(FamilyCardSG.card, data={FAMILY_ID: int(item)})


def create_my_families_dialog() -> Dialog:
    return Dialog(
        Window(
            T(
                "<b>Your families</b>: {total}. Tap one to open its card. (page {page_no} of "
                "{pages})",
                when="total",
            ),
            T(
                "No families are attached to you yet: your coordinator will attach them.",
                when=lambda d, *_: not d["total"],
            ),
            choices("my_family", "items", on_my_family),
            *pager(MY_SCROLL),
            to_menu(),
            state=MyFamiliesSG.list,
            getter=get_my_families,
        ),
    )
