"""/plan and the family card's «📋 Plan»: the family's individual support plan (ИПСС).

The plan lists the tasks (⚠️ past the deadline); a task shows its criteria, the family's and the
specialists' parts, who is responsible, the deadline and the status, with buttons to record
progress (▶️ in progress, ✅ done, ❌ not done + why) and to change each part. A new task is a short
form (task → criteria → the family's part → the specialists' part → responsible → deadline; the
middle ones can be skipped); «📝 From a visit» and «📋 From a meeting decision» add one with a tap.

Every getter and button goes through bot/services/case_plans.py, which checks that the person
may keep this family's plan (its mentors, its curator, coordinators); a tapped id must belong to
this family.
"""

from __future__ import annotations

import html
from datetime import date, timedelta
from typing import Any

from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _
from aiogram_dialog import DialogManager, ShowMode
from aiogram_dialog.widgets.input import MessageInput
from aiogram_dialog.widgets.kbd import Button, Row, SwitchTo

from bot.db.models import CaseStage, Family, PlanTask, PlanTaskStatus, Role
from bot.dialogs.context import Ctx, ctx
from bot.dialogs.paging import PAGE_SIZE, current_page, page_data, pager
from bot.dialogs.plan.states import FAMILY_ID, TASK_ID, PlanSG
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
    parse_id,
    shorten,
    show_input_error,
    stored_id,
    to_menu,
)
from bot.i18n import N_
from bot.labels import CASE_STAGES, TASK_STATUSES
from bot.markup import escape
from bot.services import case_plans, cases, families
from bot.services.case_plans import PART_MAX, RESPONSIBLE_MAX, TITLE_MAX
from bot.services.errors import DomainError

SCROLL = "plan_families_scroll"
NOTICE = "notice"
MODE, FIELD, DRAFT = "mode", "field", "draft"
NEW, EDIT = "new", "edit"
FROM_LIST = "from_list"
NOT_DONE = "not_done"
TEXT_LIMIT = 3800
DUE_OFFSETS = (7, 14, 30, 60, 90)  # date buttons: days after the family's today

STATUS_MARKS = {
    PlanTaskStatus.PLANNED: "🗓",
    PlanTaskStatus.IN_PROGRESS: "▶️",
    PlanTaskStatus.DONE: "✅",
    PlanTaskStatus.NOT_DONE: "❌",
}
ROLE_WORDS = {
    "curator": N_("curator"),
    "mentor": N_("mentor"),
    "parent": N_("parent"),
    "coordinator": N_("coordinator"),
}
# field → (the ask, optional?, length limit)
FIELDS: dict[str, tuple[str, bool, int]] = {
    "title": (
        N_(
            "What is the task? One short sentence, for example «Оформить пособие на ребёнка» "
            "or «Записать Машу в кружок»."
        ),
        False,
        TITLE_MAX,
    ),
    "criteria": (
        N_("How will you know it is done? The success criteria, for example «справка получена»."),
        True,
        PART_MAX,
    ),
    "family_part": (N_("What does the family do?"), True, PART_MAX),
    "specialists_part": (N_("What do the specialists do?"), True, PART_MAX),
    NOT_DONE: (N_("Why was it not done? A few words for the case history."), False, PART_MAX),
}
NEXT_FIELD = {"title": "criteria", "criteria": "family_part", "family_part": "specialists_part"}
ERRORS = {
    "family_closed": N_("This family's case is closed: its plan can only be read."),
    "task_due_past": N_("That day has already passed: please choose a later date."),
    "task_due_far": N_("That is more than two years ahead: please check the date."),
    "task_too_many": N_("This plan already has the most tasks it can have."),
    "task_title_empty": N_("Please send the task as text."),
    "task_responsible_unknown": N_("That person no longer works with the family."),
    "task_note_empty": N_("Please write why in a few words."),
    "task_source_not_found": N_("This button is out of date."),
    "task_not_found": N_("This button is out of date."),
}


def _error_text(error: DomainError) -> str:
    return error_text(ERRORS, error)


def stage_name(stage: CaseStage) -> str:
    return _(CASE_STAGES[stage])


def _family_id(manager: DialogManager) -> int:
    return stored_id(manager, FAMILY_ID, "family_not_found")


def _task_id(manager: DialogManager) -> int:
    return stored_id(manager, TASK_ID, "task_not_found")


async def _family(manager: DialogManager) -> Family:
    c = ctx(manager)
    return await case_plans.require_plan(c.session, c.actor, _family_id(manager))


async def _task(manager: DialogManager) -> PlanTask:
    """The open task; it must belong to the family this dialog shows."""
    c = ctx(manager)
    task = await case_plans.get_task(c.session, c.actor, _task_id(manager))
    if task.family_id != _family_id(manager):
        raise DomainError("task_not_found")
    return task


async def on_start(data: Any, manager: DialogManager) -> None:
    c = ctx(manager)
    start = data if isinstance(data, dict) else {}
    family_id = start.get(FAMILY_ID)
    if isinstance(family_id, int):
        await case_plans.require_plan(c.session, c.actor, family_id)
        manager.dialog_data[FAMILY_ID] = family_id
    task_id = start.get(TASK_ID)
    if isinstance(task_id, int):
        manager.dialog_data[TASK_ID] = task_id


def _due_text(task: PlanTask, today: date) -> str:
    late = task.status in case_plans.OPEN_STATUSES and task.due_date < today
    return ("⚠️ " if late else "") + task.due_date.strftime("%d.%m.%Y")


async def _responsible_text(c: Ctx, task: PlanTask, names: dict[int, str]) -> str:
    if task.responsible_id is not None:
        return names.get(task.responsible_id, "—")
    return task.responsible_text or _("not assigned (the curator and mentors are reminded)")


# --- /plan: the families ---------------------------------------------------------------------


async def get_families(dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
    c = ctx(dialog_manager)
    page = await current_page(dialog_manager, SCROLL)
    rows, total = await case_plans.families_page(
        c.session, c.require_actor(), c.now(), offset=page * PAGE_SIZE, limit=PAGE_SIZE
    )
    items = []
    for row in rows:
        label = f"{row.family.name} · 📋 {row.open_tasks}"
        if row.overdue:
            label += f" · ⚠️ {row.overdue}"
        items.append((label, str(row.family.id)))
    coordinator = c.require_actor().has(Role.COORDINATOR)
    return {"items": items, "total": total, "coordinator": coordinator, **page_data(page, total)}


async def on_family(_c: CallbackQuery, _w: Any, manager: DialogManager, item: str) -> None:
    family_id = parse_id(item)
    if family_id is None:
        return
    c = ctx(manager)
    await case_plans.require_plan(c.session, c.actor, family_id)  # the id came with a button
    manager.dialog_data[FAMILY_ID] = family_id
    manager.dialog_data[FROM_LIST] = True
    await manager.switch_to(PlanSG.plan)


# --- the plan --------------------------------------------------------------------------------


def plan_lines(rows: list[PlanTask], names: dict[int, str], today: date, limit: int) -> list[str]:
    lines = []
    for n, task in enumerate(rows, start=1):
        who = (
            names.get(task.responsible_id, "—")
            if task.responsible_id is not None
            else task.responsible_text or "—"
        )
        mark = STATUS_MARKS[PlanTaskStatus(task.status)]
        title = escape(shorten(task.title, limit))
        lines.append(f"{n}. {mark} {title} — {escape(shorten(who, 40))}, {_due_text(task, today)}")
    return lines


async def get_plan(dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
    c = ctx(dialog_manager)
    family = await _family(dialog_manager)
    rows = await case_plans.tasks(c.session, c.actor, family.id, c.now())
    names = await case_plans.person_names(
        c.session, {t.responsible_id for t in rows if t.responsible_id is not None}
    )
    state = await cases.case_state(c.session, family)
    today = families.family_today(family, c.now())
    listing = _("No tasks yet.")
    if rows:
        for limit in (120, 60, 30):
            listing = "\n".join(plan_lines(rows, names, today, limit))
            if len(html.unescape(listing)) <= TEXT_LIMIT:
                break
    is_open = family.closed_at is None
    return {
        "name": family.name,
        "stage": stage_name(state.stage),
        "list": Html(listing),
        "count": len(rows),
        "tasks": [
            (
                f"{STATUS_MARKS[PlanTaskStatus(t.status)]} {t.due_date.strftime('%d.%m')} · "
                f"{shorten(t.title, 40)}",
                str(t.id),
            )
            for t in rows
        ],
        "can_add": is_open and len(rows) < case_plans.MAX_TASKS,
        "notice": dialog_manager.dialog_data.pop(NOTICE, ""),
    }


async def on_task(_c: CallbackQuery, _w: Any, manager: DialogManager, item: str) -> None:
    task_id = parse_id(item)
    if task_id is None:
        return
    manager.dialog_data[TASK_ID] = task_id
    try:
        await _task(manager)  # another family's id: forged
    except DomainError as error:
        if error.code != "task_not_found":
            raise
        manager.dialog_data.pop(TASK_ID, None)
        manager.dialog_data[NOTICE] = _("This button is out of date.")
        return
    await manager.switch_to(PlanSG.task)


async def on_new(_c: CallbackQuery, _b: Button, manager: DialogManager) -> None:
    manager.dialog_data[MODE] = NEW
    manager.dialog_data[FIELD] = "title"
    manager.dialog_data[DRAFT] = {}
    await manager.switch_to(PlanSG.text)


async def on_back_from_plan(_c: CallbackQuery, _b: Button, manager: DialogManager) -> None:
    if manager.dialog_data.get(FROM_LIST):
        await manager.switch_to(PlanSG.families)
    else:
        await manager.done()


# --- a task ----------------------------------------------------------------------------------


async def get_task(dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
    c = ctx(dialog_manager)
    family = await _family(dialog_manager)
    task = await _task(dialog_manager)
    names = await case_plans.person_names(
        c.session, {task.responsible_id} if task.responsible_id else set()
    )
    status = PlanTaskStatus(task.status)
    today = families.family_today(family, c.now())
    lines = [
        _("<b>Task</b> · family «{name}»").format(name=escape(family.name)),
        escape(task.title),
        "",
        _("Success criteria: {text}").format(text=escape(task.criteria or "—")),
        _("The family does: {text}").format(text=escape(task.family_part or "—")),
        _("Specialists do: {text}").format(text=escape(task.specialists_part or "—")),
        _("Responsible: {who}").format(who=escape(await _responsible_text(c, task, names))),
        _("Deadline: {due}").format(due=_due_text(task, today)),
        _("Status: {status}").format(status=_(TASK_STATUSES[status])),
    ]
    if status is PlanTaskStatus.NOT_DONE and task.status_note:
        lines.append(_("Why: {text}").format(text=escape(task.status_note)))
    is_open = family.closed_at is None
    return {
        "task_text": Html("\n".join(lines)),
        "notice": dialog_manager.dialog_data.pop(NOTICE, ""),
        "editable": is_open,
        "can_start": is_open and status is not PlanTaskStatus.IN_PROGRESS,
        "can_finish": is_open and status is not PlanTaskStatus.DONE,
        "can_fail": is_open and status is not PlanTaskStatus.NOT_DONE,
    }


async def _set_status(manager: DialogManager, status: PlanTaskStatus, note: str | None) -> None:
    c = ctx(manager)
    task = await _task(manager)
    try:
        changed = await case_plans.set_status(
            c.session, c.require_actor(), task.id, status, c.now(), note
        )
    except DomainError as error:
        if error.code == "access_denied":
            raise
        manager.dialog_data[NOTICE] = _error_text(error)
        return
    if changed:
        manager.dialog_data[NOTICE] = _("✅ Status: {status}.").format(
            status=_(TASK_STATUSES[status])
        )


async def on_in_progress(_c: CallbackQuery, _b: Button, manager: DialogManager) -> None:
    await _set_status(manager, PlanTaskStatus.IN_PROGRESS, None)


async def on_done(_c: CallbackQuery, _b: Button, manager: DialogManager) -> None:
    await _set_status(manager, PlanTaskStatus.DONE, None)


async def _edit(manager: DialogManager, field: str, state: Any = PlanSG.text) -> None:
    await _task(manager)
    manager.dialog_data[MODE] = EDIT
    manager.dialog_data[FIELD] = field
    await manager.switch_to(state)


async def on_not_done(_c: CallbackQuery, _b: Button, manager: DialogManager) -> None:
    await _edit(manager, NOT_DONE)


async def on_edit_field(_c: CallbackQuery, button: Button, manager: DialogManager) -> None:
    field = (button.widget_id or "").removeprefix("edit_")
    if field in case_plans.TEXT_FIELDS:
        await _edit(manager, field)


async def on_edit_responsible(_c: CallbackQuery, _b: Button, manager: DialogManager) -> None:
    await _edit(manager, "responsible", PlanSG.responsible)


async def on_edit_due(_c: CallbackQuery, _b: Button, manager: DialogManager) -> None:
    await _edit(manager, "due", PlanSG.due)


# --- the form: a text field, the responsible one, the deadline --------------------------------


def _is_new(manager: DialogManager) -> bool:
    return manager.dialog_data.get(MODE) == NEW


async def get_field(dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
    field = str(dialog_manager.dialog_data.get(FIELD, "title"))
    ask, optional, _limit = FIELDS.get(field, FIELDS["title"])
    draft = dialog_manager.dialog_data.get(DRAFT) or {}
    new = _is_new(dialog_manager)
    return {
        "ask": _(ask),
        "header": Html(_("<b>New task</b>")) if new else "",
        "draft_title": shorten(str(draft.get("title", "")), 120) if new else "",
        "can_skip": new and optional,
    }


async def _back_to_task(manager: DialogManager, notice: str | None = None) -> None:
    for key in (MODE, FIELD, DRAFT):
        manager.dialog_data.pop(key, None)
    if notice:
        manager.dialog_data[NOTICE] = notice
    await manager.switch_to(PlanSG.task)


async def _next_after(manager: DialogManager, field: str) -> None:
    following = NEXT_FIELD.get(field)
    if following is None:
        await manager.switch_to(PlanSG.responsible)
        return
    manager.dialog_data[FIELD] = following
    await manager.switch_to(PlanSG.text)


async def on_text(message: Message, _w: Any, manager: DialogManager) -> None:
    field = str(manager.dialog_data.get(FIELD, ""))
    if field not in FIELDS:
        return
    limit = FIELDS[field][2]
    text = form_text(message, manager, _("Please send it as text."), limit=limit, one_line=True)
    if text is None:
        return
    if _is_new(manager):
        draft = dict(manager.dialog_data.get(DRAFT) or {})
        draft[field] = text
        manager.dialog_data[DRAFT] = draft
        await _next_after(manager, field)
        return
    c = ctx(manager)
    task = await _task(manager)
    try:
        if field == NOT_DONE:
            await _set_status(manager, PlanTaskStatus.NOT_DONE, text)
            await _back_to_task(manager)
            return
        await case_plans.set_text(c.session, c.require_actor(), task.id, field, text, c.now())
    except DomainError as error:
        if error.code == "access_denied":
            raise
        await _back_to_task(manager, _error_text(error))
        return
    await _back_to_task(manager, _("✅ Saved."))


async def on_skip(_c: CallbackQuery, _b: Button, manager: DialogManager) -> None:
    field = str(manager.dialog_data.get(FIELD, ""))
    if not _is_new(manager) or field not in FIELDS or not FIELDS[field][1]:
        return
    await _next_after(manager, field)


async def on_cancel_field(_c: CallbackQuery, _b: Button, manager: DialogManager) -> None:
    if _is_new(manager):
        for key in (MODE, FIELD, DRAFT):
            manager.dialog_data.pop(key, None)
        await manager.switch_to(PlanSG.plan)
    else:
        await _back_to_task(manager)


async def get_responsible(dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
    c = ctx(dialog_manager)
    people = await case_plans.responsible_choices(c.session, c.actor, _family_id(dialog_manager))
    return {
        "people": [(f"{p.name} · {_(ROLE_WORDS.get(p.kind, p.kind))}", str(p.id)) for p in people],
        "new": _is_new(dialog_manager),
    }


async def _responsible_chosen(
    manager: DialogManager, person_id: int | None, text: str | None
) -> None:
    if _is_new(manager):
        draft = dict(manager.dialog_data.get(DRAFT) or {})
        draft["responsible_id"], draft["responsible_text"] = person_id, text
        manager.dialog_data[DRAFT] = draft
        await manager.switch_to(PlanSG.due)
        return
    c = ctx(manager)
    task = await _task(manager)
    try:
        await case_plans.set_responsible(
            c.session, c.require_actor(), task.id, person_id, text, c.now()
        )
    except DomainError as error:
        if error.code == "access_denied":
            raise
        await _back_to_task(manager, _error_text(error))
        return
    await _back_to_task(manager, _("✅ Saved."))


async def on_person(_c: CallbackQuery, _w: Any, manager: DialogManager, item: str) -> None:
    c = ctx(manager)
    person_id = parse_id(item)
    people = await case_plans.responsible_choices(c.session, c.actor, _family_id(manager))
    if person_id is None or all(p.id != person_id for p in people):
        manager.show_mode = ShowMode.NO_UPDATE  # forged or stale
        return
    await _responsible_chosen(manager, person_id, None)


async def on_responsible_text(message: Message, _w: Any, manager: DialogManager) -> None:
    text = form_text(
        message, manager, _("Please send who it is as text."), limit=RESPONSIBLE_MAX, one_line=True
    )
    if text is not None:
        await _responsible_chosen(manager, None, text)


async def on_nobody(_c: CallbackQuery, _b: Button, manager: DialogManager) -> None:
    await _responsible_chosen(manager, None, None)


async def get_days(dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
    c = ctx(dialog_manager)
    family = await _family(dialog_manager)
    today = families.family_today(family, c.now())
    days = [today + timedelta(days=offset) for offset in DUE_OFFSETS]
    return {"days": [(d.strftime("%d.%m.%Y"), d.isoformat()) for d in days]}


async def _due_chosen(manager: DialogManager, due: date) -> None:
    c = ctx(manager)
    try:
        if _is_new(manager):
            draft = manager.dialog_data.get(DRAFT) or {}
            if "title" not in draft:
                await manager.switch_to(PlanSG.plan)  # a stale step: nothing to save
                return
            task = await case_plans.add_task(
                c.session,
                c.require_actor(),
                _family_id(manager),
                case_plans.TaskDraft(
                    title=draft["title"],
                    due_date=due,
                    criteria=draft.get("criteria"),
                    family_part=draft.get("family_part"),
                    specialists_part=draft.get("specialists_part"),
                    responsible_id=draft.get("responsible_id"),
                    responsible_text=draft.get("responsible_text"),
                ),
                c.now(),
            )
            manager.dialog_data[TASK_ID] = task.id
            await _back_to_task(manager, _("✅ The task is in the plan."))
            return
        task = await _task(manager)
        await case_plans.set_due(c.session, c.require_actor(), task.id, due, c.now())
    except DomainError as error:
        if error.code == "access_denied":
            raise
        if error.code.startswith("task_due"):
            show_input_error(manager, _error_text(error))  # pick another day
            return
        manager.dialog_data[NOTICE] = _error_text(error)
        for key in (MODE, FIELD, DRAFT):
            manager.dialog_data.pop(key, None)
        await manager.switch_to(PlanSG.plan)
        return
    await _back_to_task(manager, _("✅ Saved."))


on_day, on_date_text = day_input(_due_chosen)


# --- one tap from a visit or a meeting decision ---------------------------------------------


def source_buttons(rows: list[case_plans.Source]) -> list[tuple[str, str]]:
    return [
        (
            f"{'✓' if s.in_plan else '➕'} {s.day.strftime('%d.%m.%Y')} · {shorten(s.text, 40)}",
            str(s.id),
        )
        for s in rows
    ]


async def get_visits(dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
    c = ctx(dialog_manager)
    rows = await case_plans.visit_sources(c.session, c.require_actor(), _family_id(dialog_manager))
    return {
        "sources": source_buttons(rows),
        "has_sources": bool(rows),
    }


async def get_decisions(dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
    c = ctx(dialog_manager)
    rows = await case_plans.decision_sources(
        c.session, c.require_actor(), _family_id(dialog_manager)
    )
    return {
        "sources": source_buttons(rows),
        "has_sources": bool(rows),
    }


async def _add_from(manager: DialogManager, item: str, kind: str) -> None:
    c = ctx(manager)
    source_id = parse_id(item)
    if source_id is None:
        manager.show_mode = ShowMode.NO_UPDATE
        return
    add = case_plans.add_from_visit if kind == "visit" else case_plans.add_from_decision
    try:
        task, created = await add(
            c.session, c.require_actor(), _family_id(manager), source_id, c.now()
        )
    except DomainError as error:
        if error.code == "access_denied":
            raise
        manager.dialog_data[NOTICE] = _error_text(error)
        await manager.switch_to(PlanSG.plan)
        return
    manager.dialog_data[TASK_ID] = task.id
    await _back_to_task(
        manager,
        _("✅ The task is in the plan: please check its deadline and who is responsible.")
        if created
        else _("This is already in the plan."),
    )


async def on_visit(_c: CallbackQuery, _w: Any, manager: DialogManager, item: str) -> None:
    await _add_from(manager, item, "visit")


async def on_decision(_c: CallbackQuery, _w: Any, manager: DialogManager, item: str) -> None:
    await _add_from(manager, item, "decision")


BACK_TO_PLAN = SwitchTo(T("⬅️ To the plan"), id="to_plan", state=PlanSG.plan)


def create_plan_dialog() -> Dialog:
    return Dialog(
        Window(
            T("<b>Plans</b>: choose a family. (page {page_no} of {pages})", when="total"),
            T("📋 open tasks · ⚠️ past the deadline", when="total"),
            T(
                "No families are attached to you yet.",
                when=lambda d, *_: not d["total"] and not d["coordinator"],
            ),
            T(
                "There are no open families yet: add one with /families.",
                when=lambda d, *_: not d["total"] and d["coordinator"],
            ),
            choices("plan_family", "items", on_family),
            *pager(SCROLL),
            to_menu(),
            state=PlanSG.families,
            getter=get_families,
        ),
        Window(
            T("{notice}\n", when="notice"),
            T("<b>Plan of the family «{name}»</b>"),
            T("Stage: {stage}\n"),
            T("{list}"),
            T("\nTap a task to open it.", when="count"),
            choices("plan_task", "tasks", on_task),
            Button(T("➕ Task"), id="task_new", on_click=on_new, when="can_add"),
            Row(
                SwitchTo(
                    T("📝 From a visit"),
                    id="from_visit",
                    state=PlanSG.from_visit,
                    when="can_add",
                ),
                SwitchTo(
                    T("📋 From a meeting decision"),
                    id="from_decision",
                    state=PlanSG.from_decision,
                    when="can_add",
                ),
            ),
            Button(T("⬅️ Back"), id="plan_back", on_click=on_back_from_plan),
            to_menu(),
            state=PlanSG.plan,
            getter=get_plan,
        ),
        Window(
            T("{notice}\n", when="notice"),
            T("{task_text}"),
            Row(
                Button(
                    T("▶️ In progress"), id="st_progress", on_click=on_in_progress, when="can_start"
                ),
                Button(T("✅ Done"), id="st_done", on_click=on_done, when="can_finish"),
                Button(T("❌ Not done"), id="st_not_done", on_click=on_not_done, when="can_fail"),
            ),
            Row(
                Button(T("✏️ Task"), id="edit_title", on_click=on_edit_field, when="editable"),
                Button(
                    T("✏️ Criteria"), id="edit_criteria", on_click=on_edit_field, when="editable"
                ),
            ),
            Row(
                Button(
                    T("✏️ Family's part"),
                    id="edit_family_part",
                    on_click=on_edit_field,
                    when="editable",
                ),
                Button(
                    T("✏️ Specialists' part"),
                    id="edit_specialists_part",
                    on_click=on_edit_field,
                    when="editable",
                ),
            ),
            Row(
                Button(
                    T("👤 Responsible"),
                    id="edit_resp",
                    on_click=on_edit_responsible,
                    when="editable",
                ),
                Button(T("📅 Deadline"), id="edit_due", on_click=on_edit_due, when="editable"),
            ),
            BACK_TO_PLAN,
            state=PlanSG.task,
            getter=get_task,
        ),
        Window(
            input_error_line(),
            T("{header}", when="header"),
            T("«{draft_title}»", when="draft_title"),
            T("{ask}"),
            MessageInput(on_text),
            Button(T("➡️ Skip"), id="field_skip", on_click=on_skip, when="can_skip"),
            Button(T("✖️ Cancel"), id="field_cancel", on_click=on_cancel_field),
            state=PlanSG.text,
            getter=[get_input_error, get_field],
        ),
        Window(
            input_error_line(),
            T(
                "Who is responsible? Tap a person who uses the bot (they get the reminders), or "
                "send a few words, for example «школа» (then the curator and mentors are "
                "reminded)."
            ),
            MessageInput(on_responsible_text),
            choices("resp", "people", on_person),
            Button(T("➡️ Nobody in particular"), id="resp_none", on_click=on_nobody, when="new"),
            Button(T("✖️ Cancel"), id="resp_cancel", on_click=on_cancel_field),
            state=PlanSG.responsible,
            getter=[get_input_error, get_responsible],
        ),
        Window(
            input_error_line(),
            T("Deadline (the family's calendar)? Tap a day or send it as DD.MM.YYYY."),
            MessageInput(on_date_text),
            choices("due_day", "days", on_day, width=3),
            Button(T("✖️ Cancel"), id="due_cancel", on_click=on_cancel_field),
            state=PlanSG.due,
            getter=[get_input_error, get_days],
        ),
        Window(
            T(
                "<b>A task from a visit</b>: tap a visit and its notes become a task.",
                when="has_sources",
            ),
            T("No visits with notes yet.", when=lambda d, *_: not d["has_sources"]),
            choices("src_visit", "sources", on_visit),
            BACK_TO_PLAN,
            state=PlanSG.from_visit,
            getter=get_visits,
        ),
        Window(
            T(
                "<b>A task from a network meeting's decision</b>: tap an open decision.",
                when="has_sources",
            ),
            T(
                "No open decisions of this family's meetings.",
                when=lambda d, *_: not d["has_sources"],
            ),
            choices("src_decision", "sources", on_decision),
            BACK_TO_PLAN,
            state=PlanSG.from_decision,
            getter=get_decisions,
        ),
        on_start=on_start,
    )
