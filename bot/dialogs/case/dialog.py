"""/case and the family card's «🗂 Case»: the family's case (дело семьи) in one window.

The window shows how the family came (the request), its level with the signs that justify it,
the family's make-up, and leads to the request's form, the make-up, the assessment and the
documents. The request and the make-up are for the family's staff (mentors read, coordinators
record); the assessment and the documents for coordinators (mentors only where the service
allows it). Every getter and press goes through the services, which check it again.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _
from aiogram_dialog import DialogManager, ShowMode
from aiogram_dialog.widgets.input import MessageInput
from aiogram_dialog.widgets.kbd import Button, Row

from bot.clock import local_date, zone_or
from bot.content.intake import IntakeFile
from bot.db.models import (
    CaseRequest,
    CaseStage,
    ConsiliumOutcome,
    Family,
    FamilyMember,
    LevelSource,
    Role,
    SupportLevel,
)
from bot.dialogs.assessment.dialog import assessment_lines, totals_line
from bot.dialogs.assessment.states import AssessmentSG
from bot.dialogs.case.states import FAMILY_ID, CaseSG, MembersSG, RequestSG
from bot.dialogs.case_documents.states import DocumentsSG
from bot.dialogs.case_file.dialog import may_open, open_case_file
from bot.dialogs.consilium.states import ConsiliumSG, PartingSG
from bot.dialogs.context import Ctx, ctx
from bot.dialogs.family_picker import (
    FAMILY_ERRORS,
    LABEL_MAX,
    family_page,
    on_clear_search,
    on_family_search,
)
from bot.dialogs.family_picker import SEARCH as FAMILY_SEARCH
from bot.dialogs.meetings.follow_up import case_lines as meeting_follow_ups
from bot.dialogs.paging import pager
from bot.dialogs.widgets import (
    Dialog,
    Html,
    T,
    Window,
    choices,
    error_text,
    get_input_error,
    input_error_line,
    parse_id,
    shorten,
    show_input_error,
    stored_id,
    to_menu,
)
from bot.labels import CASE_STAGES, CONSILIUM_OUTCOMES, LEVEL_SOURCES, SUPPORT_LEVELS
from bot.markup import escape
from bot.services import assessment, case_access, case_plans, cases, consilium, families, intake
from bot.services.errors import DomainError

SCROLL = "case_families_scroll"
NOTICE = "notice"
FROM_LIST = "from_list"
WORDS_SHOWN = 600  # the family's words on the case window; the form shows them whole


def family_id_of(manager: DialogManager) -> int:
    return stored_id(manager, FAMILY_ID, "family_not_found")


async def on_start(data: Any, manager: DialogManager) -> None:
    c = ctx(manager)
    start = data if isinstance(data, dict) else {}
    family_id = start.get(FAMILY_ID)
    if isinstance(family_id, int):
        await case_access.require_view(c.session, c.actor, family_id)
        manager.dialog_data[FAMILY_ID] = family_id


async def on_result(_start_data: Any, result: Any, manager: DialogManager) -> None:
    """Back from the request's form or the make-up: their notice goes above the case."""
    if isinstance(result, dict) and result.get(NOTICE):
        manager.dialog_data[NOTICE] = str(result[NOTICE])


# --- /case: the families --------------------------------------------------------------------


async def get_families(dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
    c = ctx(dialog_manager)
    coordinator = c.require_actor().has(Role.COORDINATOR)
    search = dialog_manager.dialog_data.get(FAMILY_SEARCH) if coordinator else None
    # Coordinators reach closed cases too: the case file is often sent upward after closing.
    rows, paging = await family_page(
        dialog_manager, SCROLL, search=search, linked_only=not coordinator, include_closed=True
    )
    return {
        "families": [
            (("🔒 " if f.closed_at else "") + shorten(f.name, LABEL_MAX), str(f.id)) for f in rows
        ],
        "search": search or "",
        "coordinator": coordinator,
        **paging,
    }


async def on_family(_c: CallbackQuery, _w: Any, manager: DialogManager, item: str) -> None:
    family_id = parse_id(item)
    if family_id is None:
        manager.show_mode = ShowMode.NO_UPDATE
        return
    c = ctx(manager)
    try:
        await case_access.require_view(c.session, c.actor, family_id)  # the id came with a button
    except DomainError as error:
        if error.code == "access_denied":
            raise
        show_input_error(manager, error_text(FAMILY_ERRORS, error))
        return
    manager.dialog_data[FAMILY_ID] = family_id
    manager.dialog_data[FROM_LIST] = True
    await manager.switch_to(CaseSG.case)


async def on_search(message: Message, widget: Any, manager: DialogManager) -> None:
    if ctx(manager).require_actor().has(Role.COORDINATOR):
        await on_family_search(message, widget, manager)
    else:
        show_input_error(manager, _("Please tap one of your families below."))


# --- the case ---------------------------------------------------------------------------------


def _labels(lists: IntakeFile, what: str, codes: list[str], locale: str) -> str:
    return ", ".join(escape(lists.label(what, code, locale)) for code in codes) or "—"


def request_lines(c: Ctx, request: CaseRequest | None) -> list[str]:
    """The request as the case window and the form's summary show it."""
    if request is None:
        return [_("Request: not recorded yet.")]
    lists = c.content.intake
    level = SupportLevel(request.level)
    lines = [
        _("<b>Request</b> of {date} · {source}").format(
            date=request.received_on.strftime("%d.%m.%Y"),
            source=escape(lists.label("sources", request.source, c.locale)),
        )
    ]
    if request.words:
        lines.append(
            _("In the family's words: «{words}»").format(
                words=escape(shorten(request.words, WORDS_SHOWN))
            )
        )
    lines.append(
        _("Difficulties: {kinds}").format(
            kinds=_labels(lists, "difficulties", request.difficulties, c.locale)
        )
    )
    lines.append(
        _("Level at intake: {level} — {signs}").format(
            level=_(SUPPORT_LEVELS[level]),
            signs=_labels(lists, "level_signs", request.level_signs, c.locale),
        )
    )
    return lines


def member_line(c: Ctx, member: FamilyMember, today_year: int) -> str:
    parts = [escape(member.name)]
    if member.birth_year is not None:
        parts.append(
            _("born {year} ({age} y.)").format(
                year=member.birth_year, age=max(today_year - member.birth_year, 0)
            )
        )
    if member.is_child:
        parts.append(_("child"))
    elif member.relation:
        parts.append(escape(c.content.intake.label("relations", member.relation, c.locale)))
    return " · ".join(parts)


async def get_case(dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
    c = ctx(dialog_manager)
    family_id = family_id_of(dialog_manager)
    found = await intake.intake(c.session, c.actor, family_id, c.now())
    family = found.family
    state = await cases.case_state(c.session, family)
    today = families.family_today(family, c.now())
    lines = [
        _("<b>Case of the family «{name}»</b>").format(name=escape(family.name)),
        _("Stage: {stage}").format(stage=_(CASE_STAGES[state.stage])),
        _("Support level now: {level}").format(
            level=_(SUPPORT_LEVELS[SupportLevel(family.support_level)])
        ),
        "",
        *request_lines(c, found.request),
        "",
    ]
    if found.members:
        lines.append(
            _("<b>The family</b>: {adults} adults, {children} children").format(
                adults=found.adults, children=found.children
            )
        )
        lines.extend("• " + member_line(c, m, today.year) for m in found.members)
    else:
        lines.append(_("The family's make-up: not recorded yet."))
    is_open = family.closed_at is None
    lines.extend(await _reviews_part(c, family, state))
    lines.extend(await meeting_follow_ups(c, family_id))  # coordinators only
    mentors_see = c.settings.mentors_see_case_details
    details = await case_access.sees_details(c.session, c.actor, family_id, mentors_see)
    if details:
        lines.extend(await _assessment_part(c, family_id))
    return {
        "case_text": Html("\n".join(lines)),
        "notice": dialog_manager.dialog_data.pop(NOTICE, ""),
        "can_keep": found.can_keep and is_open,
        "can_words": found.can_keep,
        "has_request": found.request is not None,
        "details": details,
        "start": {FAMILY_ID: family_id},
    }


def _day(value: date | datetime) -> str:
    return value.strftime("%d.%m.%Y")


async def _reviews_part(c: Ctx, family: Family, state: cases.CaseState) -> list[str]:
    """The plan's approval, why the level changed, the consiliums and the parting."""
    family_id, zone = family.id, zone_or(family.timezone, c.settings.default_timezone)
    record = state.record
    lines = [""]
    if record is not None and record.plan_approved_at is not None:
        if record.plan_approved_consilium_id is not None:
            by = _("the consilium")
        else:
            names = await case_plans.person_names(
                c.session, {record.plan_approved_by_id} if record.plan_approved_by_id else set()
            )
            by = escape(names.get(record.plan_approved_by_id or 0, "—"))
        lines.append(
            _("Plan approved on {day} by {by}").format(
                day=_day(local_date(record.plan_approved_at, zone)), by=by
            )
        )
    history = await consilium.level_history(c.session, c.actor, family_id)
    if history:
        _from, to, source, reason, when = history[-1]
        line = _("Level set to {level} on {day}, {source}").format(
            level=_(SUPPORT_LEVELS[SupportLevel(to)]),
            day=_day(local_date(when, zone)),
            source=_(LEVEL_SOURCES[LevelSource(source)]),
        )
        lines.append(line + (f": «{escape(reason)}»" if reason else ""))
    reviews = await consilium.of_family(c.session, c.actor, family_id, c.now())
    pending = next((r for r in reviews if r.held_on is None), None)
    held = next((r for r in reviews if r.held_on is not None), None)
    if held is not None and held.held_on is not None:
        lines.append(
            _("Last consilium: {day} — {outcome}").format(
                day=_day(held.held_on),
                outcome=_(CONSILIUM_OUTCOMES[ConsiliumOutcome(held.outcome or "continue")]),
            )
        )
    if pending is not None:
        lines.append(_("Next consilium: {day}").format(day=_day(pending.planned_on)))
    if record is not None and record.final_meeting_planned_on and state.stage != CaseStage.CLOSED:
        lines.append(
            _("Final meeting planned for {day}").format(day=_day(record.final_meeting_planned_on))
        )
    if record is not None and (record.words_before or record.words_after):
        lines.append(_("<b>In the family's words</b>"))
        if record.words_before:
            lines.append(_("Before: «{words}»").format(words=escape(record.words_before)))
        if record.words_after:
            lines.append(_("Now: «{words}»").format(words=escape(record.words_after)))
    return lines if len(lines) > 1 else []


async def _assessment_part(c: Ctx, family_id: int) -> list[str]:
    """Before → after per aspect, once something was rated (the view is audited)."""
    spec = c.content.assessment
    found = await assessment.summary(
        c.session, c.actor, family_id, c.settings.mentors_see_case_details, spec, c.now()
    )
    if not any(line.intake or line.final for line in found.lines):
        return ["", _("Assessment: not done yet.")]
    return [
        "",
        _("<b>Assessment</b> (before → after)"),
        *assessment_lines(found, spec, c.locale),
        totals_line(found, c.locale),
    ]


async def on_back(_c: CallbackQuery, _b: Button, manager: DialogManager) -> None:
    if manager.dialog_data.get(FROM_LIST):
        await manager.switch_to(CaseSG.families)
    else:
        await manager.done()


async def _start(manager: DialogManager, state: Any) -> None:
    await manager.start(state, data={FAMILY_ID: family_id_of(manager)})


async def on_request(_c: CallbackQuery, _b: Button, manager: DialogManager) -> None:
    await _start(manager, RequestSG.received)


async def on_members(_c: CallbackQuery, _b: Button, manager: DialogManager) -> None:
    await _start(manager, MembersSG.list)


async def on_assessment(_c: CallbackQuery, _b: Button, manager: DialogManager) -> None:
    await _start(manager, AssessmentSG.overview)


async def on_documents(_c: CallbackQuery, _b: Button, manager: DialogManager) -> None:
    await _start(manager, DocumentsSG.list)


async def on_consiliums(_c: CallbackQuery, _b: Button, manager: DialogManager) -> None:
    await _start(manager, ConsiliumSG.list)


async def on_final_meeting(_c: CallbackQuery, _b: Button, manager: DialogManager) -> None:
    await _start(manager, PartingSG.day)


async def on_words(_c: CallbackQuery, _b: Button, manager: DialogManager) -> None:
    await _start(manager, PartingSG.words_before)


def create_case_dialog() -> Dialog:
    return Dialog(
        Window(
            input_error_line(),
            T("<b>Family cases</b>: choose a family."),
            T("Search: «{search}»", when=FAMILY_SEARCH),
            T("(page {page_no} of {pages})", when=lambda d, *_: d["pages"] > 1),
            T(
                "To find a family, send a part of its name.",
                when=lambda d, *_: d["coordinator"] and d["total"],
            ),
            T(
                "No families found.",
                when=lambda d, *_: d["coordinator"] and not d["total"],
            ),
            T(
                "No families are attached to you yet.",
                when=lambda d, *_: not d["coordinator"] and not d["total"],
            ),
            MessageInput(on_search),
            choices("case_family", "families", on_family),
            *pager(SCROLL),
            Button(T("✖️ Clear the search"), id="clear", on_click=on_clear_search, when="search"),
            to_menu(),
            state=CaseSG.families,
            getter=[get_input_error, get_families],
        ),
        Window(
            T("{notice}\n", when="notice"),
            T("{case_text}"),
            Button(
                T("✏️ Correct the request"),
                id="case_request_edit",
                on_click=on_request,
                when=lambda d, *_: d["can_keep"] and d["has_request"],
            ),
            Button(
                T("📝 Record the request"),
                id="case_request_new",
                on_click=on_request,
                when=lambda d, *_: d["can_keep"] and not d["has_request"],
            ),
            Button(T("👪 The family's make-up"), id="case_members", on_click=on_members),
            Row(
                Button(
                    T("📊 Assessment"), id="case_assess", on_click=on_assessment, when="details"
                ),
                Button(T("📎 Documents"), id="case_docs", on_click=on_documents, when="details"),
            ),
            Button(
                T("📄 Case file (DOCX)"), id="case_file", on_click=open_case_file, when=may_open
            ),
            Row(
                Button(T("⚖️ Consiliums"), id="case_consiliums", on_click=on_consiliums),
                Button(
                    T("🗓 Final meeting"),
                    id="case_final",
                    on_click=on_final_meeting,
                    when="can_keep",
                ),
            ),
            Button(T("🗣 The family's words"), id="case_words", on_click=on_words, when="can_words"),
            Button(T("⬅️ Back"), id="case_back", on_click=on_back),
            to_menu(),
            state=CaseSG.case,
            getter=get_case,
        ),
        on_start=on_start,
        on_process_result=on_result,
    )
