"""/stats, /report, /export and /charts for coordinators: one dialog, the start data says which.

The period comes first (presets or typed dates), then /stats asks for a scope and shows one
section at a time; /report and /export hand a FileRequest to the file job and close; /charts
offers the four charts. Every getter and button checks the right again through the services:
callback data is never trusted, and a coordinator who lost the role is refused on the next tap.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from aiogram.enums import ContentType
from aiogram.fsm.state import State
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _
from aiogram_dialog import DialogManager, ShowMode
from aiogram_dialog.widgets.input import MessageInput
from aiogram_dialog.widgets.kbd import Button, Row, SwitchTo

from bot.clock import local_date
from bot.dialogs.context import Ctx, ctx
from bot.dialogs.manager import LEAVES_A_MESSAGE
from bot.dialogs.meetings.board import item_label
from bot.dialogs.paging import PAGE_SIZE, current_page, page_data, pager
from bot.dialogs.review import text
from bot.dialogs.review.states import ReviewSG
from bot.dialogs.widgets import (
    Dialog,
    Html,
    T,
    Window,
    choices,
    get_input_error,
    input_error_line,
    shorten,
    show_input_error,
    to_menu,
)
from bot.handlers import export as export_files
from bot.handlers import report as report_files
from bot.handlers.review_files import FileRequest
from bot.i18n import N_
from bot.labels import SUPPORT_LEVELS
from bot.services import evidence_stats, review, stats
from bot.services.evidence_stats import meeting_reason_label
from bot.services.review import Mode
from bot.services.stats import Period, PeriodKind, RangeError, Scope, Section

MODE = "mode"
PERIOD = "period"
SCOPE = "scope"
SECTION = "section"
SCOPE_CHOSEN = "scope_chosen"
VIEWED = "viewed"
VIEWED_KEEP = 40  # distinct views remembered per dialog, so its data stays small
MENTOR_SCROLL = "review_mentors"
CHART_CODES = ("visits", "srs", "homework", "families", "lasting")

MODE_TITLES = {
    Mode.STATS: N_("📊 Figures"),
    Mode.REPORT: N_("📄 Indicator report"),
    Mode.EXPORT: N_("📦 Data export"),
    Mode.CHARTS: N_("📈 Charts"),
}
RANGE_HINTS = {
    "format": N_(
        "I could not read these dates. Please send two dates like 01.09.2026 – 30.11.2026."
    ),
    "order": N_("The first date is after the second. Please send the earlier date first."),
    "length": N_("That range is too long: at most five years. Please send a shorter one."),
}
CHART_NAMES = {
    "visits": N_("Visits per month"),
    "srs": N_("SRS by month"),
    "homework": N_("Homework hand-in by week"),
    "families": N_("Families by category"),
    "lasting": N_("Change kept at the follow-up"),
}


# --- what the dialog remembers ---------------------------------------------------------------


def _mode(manager: DialogManager) -> Mode:
    try:
        return Mode(manager.dialog_data.get(MODE, Mode.STATS))
    except ValueError:
        return Mode.STATS


def _zone(c: Ctx) -> str:
    return c.person.timezone if c.person is not None else c.settings.default_timezone


def _local_today(c: Ctx) -> date:
    return local_date(c.now(), _zone(c))


def _period(manager: DialogManager) -> Period:
    raw = manager.dialog_data[PERIOD]
    return Period(date.fromisoformat(raw["start"]), date.fromisoformat(raw["end"]), raw["tz"])


def _scope(manager: DialogManager) -> Scope:
    raw = manager.dialog_data.get(SCOPE) or {}
    return Scope(mentor_id=raw.get("mentor_id"), category=raw.get("category"))


def _section(manager: DialogManager) -> Section:
    try:
        return Section(manager.dialog_data.get(SECTION, Section.MEETINGS))
    except ValueError:
        return Section.MEETINGS


async def _allowed(manager: DialogManager) -> Ctx:
    c = ctx(manager)
    await review.require(c.session, c.actor, _mode(manager))
    return c


# --- start and the period ----------------------------------------------------------------------


async def on_start(start_data: Any, manager: DialogManager) -> None:
    raw = start_data.get(MODE) if isinstance(start_data, dict) else None
    manager.dialog_data[MODE] = Mode(raw).value if raw in set(Mode) else Mode.STATS.value
    await _allowed(manager)


async def get_title(dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
    await _allowed(dialog_manager)
    data: dict[str, Any] = {"title": _(MODE_TITLES[_mode(dialog_manager)])}
    if PERIOD in dialog_manager.dialog_data:
        data["period"] = text.period_text(_period(dialog_manager))
    data["can_return"] = _shown_after_period(dialog_manager) is not None
    return data


def _shown_after_period(manager: DialogManager) -> State | None:
    """Where "Back" from the period window returns: what the coordinator was looking at."""
    if PERIOD not in manager.dialog_data:
        return None
    mode = _mode(manager)
    if mode is Mode.STATS and manager.dialog_data.get(SCOPE_CHOSEN):
        return ReviewSG.sections
    return ReviewSG.charts if mode is Mode.CHARTS else None


async def on_period_back(_c: CallbackQuery, _b: Button, manager: DialogManager) -> None:
    await _allowed(manager)
    state = _shown_after_period(manager)
    if state is not None:
        await manager.switch_to(state)


async def on_preset(_c: CallbackQuery, button: Button, manager: DialogManager) -> None:
    c = await _allowed(manager)
    kind = PeriodKind(str(button.widget_id))
    await _period_chosen(manager, stats.period_for(kind, _local_today(c), _zone(c)))


async def on_custom_text(message: Message, _w: Any, manager: DialogManager) -> None:
    c = await _allowed(manager)
    try:
        # A sticker or a photo has no text: the same hint as for unreadable dates.
        period = stats.parse_range(message.text or "", _zone(c))
    except RangeError as error:
        show_input_error(manager, _(RANGE_HINTS.get(error.reason, RANGE_HINTS["format"])))
        return
    await _period_chosen(manager, period)


async def _period_chosen(manager: DialogManager, period: Period) -> None:
    manager.dialog_data[PERIOD] = {
        "start": period.start.isoformat(),
        "end": period.end.isoformat(),
        "tz": period.timezone,
    }
    mode = _mode(manager)
    if mode is Mode.STATS:
        chosen = manager.dialog_data.get(SCOPE_CHOSEN)
        await manager.switch_to(ReviewSG.sections if chosen else ReviewSG.scope)
    elif mode is Mode.CHARTS:
        await manager.switch_to(ReviewSG.charts)
    else:
        request = await _file_request(manager)
        starter = export_files.start_export if mode is Mode.EXPORT else report_files.start_report
        await starter(request)
        await manager.done(LEAVES_A_MESSAGE)  # the file job tells the coordinator itself


async def _file_request(manager: DialogManager) -> FileRequest:
    c = await _allowed(manager)
    data = manager.middleware_data
    chat = data.get("event_chat")
    return FileRequest(
        bot=c.bot,
        chat_id=chat.id if chat is not None else c.require_actor().telegram_id,
        actor=c.require_actor(),
        period=_period(manager),
        scope=Scope(),
        locale=c.locale,
        sessionmaker=data["sessionmaker"],
        clock=c.clock,
        i18n=data["i18n"],
        content=c.content,
        background=data["background"],
    )


# --- the scope -------------------------------------------------------------------------------


async def _set_scope(manager: DialogManager, scope: Scope) -> None:
    manager.dialog_data[SCOPE] = {"mentor_id": scope.mentor_id, "category": scope.category}
    manager.dialog_data[SCOPE_CHOSEN] = True
    await manager.switch_to(ReviewSG.sections)


async def on_scope_all(_c: CallbackQuery, _b: Button, manager: DialogManager) -> None:
    await _allowed(manager)
    await _set_scope(manager, Scope())


async def get_mentors(dialog_manager: DialogManager, **kwargs: Any) -> dict[str, Any]:
    c = ctx(dialog_manager)
    page = await current_page(dialog_manager, MENTOR_SCROLL)
    rows, total = await review.mentors_page(
        c.session, c.actor, offset=page * PAGE_SIZE, limit=PAGE_SIZE
    )
    return {
        **await get_title(dialog_manager, **kwargs),
        "mentors": [(shorten(name, 40), str(person_id)) for person_id, name in rows],
        "no_mentors": total == 0,
        **page_data(page, total),
    }


async def on_mentor(_c: CallbackQuery, _w: Any, manager: DialogManager, item: str) -> None:
    c = await _allowed(manager)
    mentor_id = int(item) if item.isdigit() and len(item) <= 9 else None
    if mentor_id is None or await review.mentor_name(c.session, c.actor, mentor_id) is None:
        manager.show_mode = ShowMode.NO_UPDATE  # stale or forged: nothing changes
        return
    await _set_scope(manager, Scope(mentor_id=mentor_id))


async def get_categories(dialog_manager: DialogManager, **kwargs: Any) -> dict[str, Any]:
    c = ctx(dialog_manager)
    return {
        **await get_title(dialog_manager, **kwargs),
        "categories": [(cat.label(c.locale), cat.code) for cat in c.content.categories],
    }


async def on_category(_c: CallbackQuery, _w: Any, manager: DialogManager, item: str) -> None:
    c = await _allowed(manager)
    if c.content.category(item) is None:
        manager.show_mode = ShowMode.NO_UPDATE
        return
    await _set_scope(manager, Scope(category=item))


# --- the sections ----------------------------------------------------------------------------


async def _scope_label(c: Ctx, scope: Scope) -> str:
    if scope.mentor_id is not None:
        name = await review.mentor_name(c.session, c.actor, scope.mentor_id)
        return _("Mentor: {name}").format(name=shorten(name or "—", 60))
    if scope.category is not None:
        return _("Category: {name}").format(name=c.content.category_label(scope.category, c.locale))
    return _("All families")


async def section_text(c: Ctx, section: Section, period: Period, scope: Scope) -> str:
    actor = c.require_actor()
    category = lambda code: c.content.category_label(code, c.locale)  # noqa: E731
    if section is Section.MEETINGS:
        srs = c.content.srs
        codes = [item.code for item in srs.items]
        figures = await stats.meetings(c.session, actor, period, scope, codes)
        labels = [(item.code, item_label(item.get(c.locale))) for item in srs.items]
        reasons = await evidence_stats.meeting_reasons(c.session, actor, period, scope)
        decisions = await evidence_stats.decisions(
            c.session, actor, period, scope, today=_local_today(c)
        )
        return text.meetings_text(
            figures,
            _,
            c.locale,
            category,
            labels,
            reasons,
            decisions,
            lambda code: reason_label(c, code),
        )
    if section is Section.FAMILIES:
        families = await stats.families(c.session, actor, period, scope)
        level = lambda code: _(SUPPORT_LEVELS[code]) if code in SUPPORT_LEVELS else code  # noqa: E731
        intake = lambda what, code: c.content.intake.label(what, code, c.locale)  # noqa: E731
        return text.families_text(families, _, category, level, intake)
    if section is Section.MENTORS:
        mentors = await stats.mentors(
            c.session,
            actor,
            period,
            scope,
            today=_local_today(c),
            no_visit_days=c.settings.no_visit_days,  # the same N as the digest and the nudges
            lesson_codes=c.content.course.lesson_codes(),
        )
        status = lambda code: c.content.mentors.status_label(code, c.locale)  # noqa: E731
        return text.mentors_text(mentors, _, status)
    if section is Section.PLANS:
        plans = await stats.plans(c.session, actor, period, scope, today=_local_today(c))
        return text.plans_text(plans, _, c.locale)
    if section is Section.HELP:
        work = await stats.visit_work(c.session, actor, period, scope)
        visits = lambda what, code: c.content.visits.label(what, code, c.locale)  # noqa: E731
        return text.help_text(work, _, visits)
    programmes = await stats.programmes(c.session, actor, period, scope)
    lasting = await evidence_stats.lasting_change(c.session, actor, period, scope, c.content)
    return text.programmes_text(programmes, _, c.locale, lasting)


def reason_label(c: Ctx, code: str) -> str:
    """A meeting's reason as content/meetings.yaml names it, else our own word for the code."""
    return meeting_reason_label(c.content, code, c.locale)


async def _note_view(c: Ctx, manager: DialogManager, section: Section) -> None:
    """Audit each distinct (section, period, scope) once per dialog, not every redraw."""
    period, scope = _period(manager), _scope(manager)
    key = f"{section}:{period.start}:{period.end}:{scope.mentor_id}:{scope.category}"
    viewed: list[str] = manager.dialog_data.setdefault(VIEWED, [])
    if key in viewed:
        return
    await review.record_view(c.session, c.require_actor(), c.now(), section, period, scope)
    viewed.append(key)
    del viewed[:-VIEWED_KEEP]


async def get_sections(dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
    c = await _allowed(dialog_manager)
    section = _section(dialog_manager)
    period, scope = _period(dialog_manager), _scope(dialog_manager)
    body = await section_text(c, section, period, scope)
    await _note_view(c, dialog_manager, section)
    top = text.header(_(MODE_TITLES[Mode.STATS]), period, await _scope_label(c, scope))
    return {
        "body": Html(f"{top}\n\n{body}"),
        "tabs": [
            (("🔹 " if code is section else "") + _(name), code.value)
            for code, name in text.SECTION_NAMES.items()
        ],
    }


async def on_tab(_c: CallbackQuery, _w: Any, manager: DialogManager, item: str) -> None:
    await _allowed(manager)
    if item not in set(Section) or item == _section(manager).value:
        manager.show_mode = ShowMode.NO_UPDATE  # the same tab again: nothing to redraw
        return
    manager.dialog_data[SECTION] = item


# --- charts --------------------------------------------------------------------------------


async def on_chart(_c: CallbackQuery, button: Button, manager: DialogManager) -> None:
    if button.widget_id not in CHART_CODES:
        return
    request = await _file_request(manager)
    await report_files.start_chart(request, button.widget_id)
    manager.show_mode = ShowMode.NO_UPDATE  # the window stays for the next chart


# --- the dialog ------------------------------------------------------------------------------


def _title_lines() -> list[Any]:
    return [T("<b>{title}</b>"), T("📅 {period}", when="period")]


def create_review_dialog() -> Dialog:
    back_to_scope = SwitchTo(T("⬅️ Back"), id="to_scope", state=ReviewSG.scope)
    return Dialog(
        Window(
            T("<b>{title}</b>"),
            T("Which period?"),
            Row(
                Button(T("This month"), id=PeriodKind.MONTH.value, on_click=on_preset),
                Button(T("This quarter"), id=PeriodKind.QUARTER.value, on_click=on_preset),
            ),
            Row(
                Button(T("This year"), id=PeriodKind.YEAR.value, on_click=on_preset),
                Button(T("Previous year"), id=PeriodKind.PREVIOUS_YEAR.value, on_click=on_preset),
            ),
            SwitchTo(T("Other dates…"), id="custom", state=ReviewSG.custom),
            Row(
                Button(T("⬅️ Back"), id="period_back", on_click=on_period_back, when="can_return"),
                to_menu(T("✖️ Close")),
            ),
            state=ReviewSG.period,
            getter=get_title,
        ),
        Window(
            T("<b>{title}</b>"),
            T("Send the dates like 01.09.2026 – 30.11.2026"),
            input_error_line(),
            MessageInput(on_custom_text, content_types=ContentType.ANY),
            SwitchTo(T("⬅️ Back"), id="custom_back", state=ReviewSG.period),
            state=ReviewSG.custom,
            getter=[get_title, get_input_error],
        ),
        Window(
            *_title_lines(),
            T("Whose figures?"),
            Button(T("All families"), id="scope_all", on_click=on_scope_all),
            SwitchTo(T("A mentor…"), id="scope_mentor", state=ReviewSG.mentor),
            SwitchTo(T("A category…"), id="scope_category", state=ReviewSG.category),
            SwitchTo(T("⬅️ Period"), id="scope_period", state=ReviewSG.period),
            state=ReviewSG.scope,
            getter=get_title,
        ),
        Window(
            *_title_lines(),
            T("Which mentor's families?"),
            T("No one has the mentor role yet.", when="no_mentors"),
            choices("mentor_pick", "mentors", on_mentor),
            *pager(MENTOR_SCROLL),
            back_to_scope,
            state=ReviewSG.mentor,
            getter=get_mentors,
        ),
        Window(
            *_title_lines(),
            T("Which category?"),
            choices("category_pick", "categories", on_category),
            back_to_scope,
            state=ReviewSG.category,
            getter=get_categories,
        ),
        Window(
            T("{body}"),
            choices("tab", "tabs", on_tab, width=2),
            Row(
                SwitchTo(T("📅 Period"), id="to_period", state=ReviewSG.period),
                SwitchTo(T("👥 Scope"), id="to_scope_again", state=ReviewSG.scope),
            ),
            to_menu(T("✖️ Close")),
            state=ReviewSG.sections,
            getter=get_sections,
        ),
        Window(
            *_title_lines(),
            T("Which chart? Each one comes as a picture."),
            *[Button(T(CHART_NAMES[code]), id=code, on_click=on_chart) for code in CHART_CODES],
            SwitchTo(T("📅 Period"), id="charts_period", state=ReviewSG.period),
            to_menu(T("✖️ Close")),
            state=ReviewSG.charts,
            getter=get_title,
        ),
        on_start=on_start,
    )
