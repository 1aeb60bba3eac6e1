"""A family's weekly programme: the enrollment and progress; enrol, pause, resume, stop.

Started from the family card (data {"family_id": id}) or by /programmes (pick a family first).
Every getter and press goes through services.programmes, which authorises with ids from the
database: a forged press for another family is refused there.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from aiogram.enums import ContentType
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _
from aiogram_dialog import DialogManager
from aiogram_dialog.widgets.input import MessageInput
from aiogram_dialog.widgets.kbd import Button, Row, SwitchTo

from bot.clock import local_date
from bot.db.models import Enrollment, EnrollmentStatus, Role
from bot.dialogs.context import ctx
from bot.dialogs.family_picker import family_page
from bot.dialogs.follow_up.staff import follow_up_lines
from bot.dialogs.homework_review.states import HomeworkReviewSG
from bot.dialogs.paging import pager
from bot.dialogs.programme_evaluation.dialog import family_lines, specialist_lines
from bot.dialogs.programme_evaluation.states import ProgrammeEvaluationSG
from bot.dialogs.programmes.states import ProgrammesSG
from bot.dialogs.widgets import (
    Dialog,
    Html,
    T,
    Window,
    choices,
    form_text,
    get_input_error,
    input_error_line,
    show_input_error,
    to_menu,
)
from bot.i18n import N_
from bot.markup import escape
from bot.services import (
    families,
    programme_evaluations,
    programme_follow_ups,
    programmes,
    questionnaire,
    release_schedule,
)
from bot.services.access import Action, authorize, is_allowed
from bot.services.errors import DomainError
from bot.services.programmes import WeekProgress

FAMILY_ID = "family_id"
NOTICE = "notice"
SCROLL = "programme_families_scroll"
BACK = T("⬅️ Back")
TIMES = ("10:00", "12:00", "18:00", "19:00", "20:00")
WEEKDAYS = (
    N_("Monday"),
    N_("Tuesday"),
    N_("Wednesday"),
    N_("Thursday"),
    N_("Friday"),
    N_("Saturday"),
    N_("Sunday"),
)
STATUS_NAMES = {
    EnrollmentStatus.ACTIVE.value: N_("active"),
    EnrollmentStatus.PAUSED.value: N_("paused"),
    EnrollmentStatus.STOPPED.value: N_("stopped"),
    EnrollmentStatus.COMPLETED.value: N_("completed"),
}
PAST = N_("That date has already passed. Please choose today or later.")
ERRORS = {
    "programme_start_past": PAST,
    "programme_already_enrolled": N_("The family is already in a programme."),
    "family_closed": N_("The family's case is closed: reopen it first."),
    "programme_unknown": N_("This programme is no longer available. Please choose another."),
}


def _family_id(manager: DialogManager) -> int:
    value = manager.dialog_data.get(FAMILY_ID)
    if not isinstance(value, int):
        raise DomainError("family_not_found")
    return value


def _fmt_date(d: date) -> str:
    return d.strftime("%d.%m.%Y")


async def on_start(data: Any, manager: DialogManager) -> None:
    if isinstance(data, dict) and isinstance(data.get(FAMILY_ID), int):
        c = ctx(manager)
        await authorize(c.session, c.actor, Action.PROGRAMME_VIEW, data[FAMILY_ID])
        manager.dialog_data[FAMILY_ID] = data[FAMILY_ID]


# --- choosing a family (/programmes) --------------------------------------------------------


async def get_families(dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
    # A coordinator picks from every family; mentors and curators from their own.
    coordinator = ctx(dialog_manager).require_actor().has(Role.COORDINATOR)
    rows, paging = await family_page(dialog_manager, SCROLL, linked_only=not coordinator)
    return {"items": [(f.name, str(f.id)) for f in rows], **paging}


async def on_family(_c: CallbackQuery, _w: Any, manager: DialogManager, item: str) -> None:
    if not item.isdigit():
        return
    c = ctx(manager)
    await authorize(c.session, c.actor, Action.PROGRAMME_VIEW, int(item))
    manager.dialog_data[FAMILY_ID] = int(item)
    await manager.switch_to(ProgrammesSG.overview)


async def on_back_from_overview(_c: CallbackQuery, _b: Button, manager: DialogManager) -> None:
    # Opened from a family card: back to the card; from /programmes: back to its list.
    data = manager.start_data
    if isinstance(data, dict) and isinstance(data.get(FAMILY_ID), int):
        await manager.done()
        return
    await manager.switch_to(ProgrammesSG.families)


# --- the overview ---------------------------------------------------------------------------


def _week_line(w: WeekProgress, e: Enrollment, now: datetime, zone: ZoneInfo) -> str:
    if w.done:
        if w.late:
            return _("✅ Week {number}: handed in late").format(number=w.number)
        return _("✅ Week {number}: handed in").format(number=w.number)
    if now <= w.due_at:
        return _("⏳ Week {number}: open, due {due}").format(
            number=w.number, due=w.due_at.astimezone(zone).strftime("%d.%m %H:%M")
        )
    if e.status != EnrollmentStatus.STOPPED and now <= w.late_until:
        return _("⏰ Week {number}: overdue, answers still accepted").format(number=w.number)
    return _("▫️ Week {number}: not handed in").format(number=w.number)


def _entry_total(e: Enrollment) -> str:
    # The entry questionnaire is sent on enrolment: no total means nobody answered it.
    return _("not filled in") if e.entry_total is None else str(e.entry_total)


def _exit_total(e: Enrollment) -> str:
    # The exit one is sent when the programme is completed, and never after a stop.
    if e.exit_total is not None:
        return str(e.exit_total)
    if e.status == EnrollmentStatus.COMPLETED:
        return _("not filled in")
    if e.status == EnrollmentStatus.STOPPED:
        return "—"
    return _("after the last week")


def _result_lines(e: Enrollment) -> str:
    lines = [
        _("📝 Questionnaire at the start: {entry}; at the end: {exit}").format(
            entry=_entry_total(e), exit=_exit_total(e)
        )
    ]
    positive = e.positive_dynamics
    if positive is None:
        lines.append(_("🌱 Positive dynamics: not known yet (both questionnaires are needed)"))
    elif positive:
        lines.append(_("🌱 Completed with positive dynamics: yes"))
    else:
        lines.append(_("🌱 Completed with positive dynamics: no"))
    if e.positive_override is not None:
        lines.append(
            _("Decided by a coordinator: «{note}»").format(note=escape(e.override_note or ""))
        )
    return "\n".join(lines)


async def get_overview(dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
    c = ctx(dialog_manager)
    p = await programmes.progress(
        c.session, c.require_actor(), _family_id(dialog_manager), c.now(), c.content.programmes
    )
    lines = [_("<b>Programme of the family «{name}»</b>").format(name=escape(p.family.name))]
    e = p.enrollment
    if e is None:
        lines.append(_("The family is not in a programme yet."))
    else:
        title = p.programme.title.get(c.locale) if p.programme else e.programme_code
        lines.append(
            _("{title} — {status}").format(
                title=escape(title), status=_(STATUS_NAMES.get(e.status, e.status))
            )
        )
        lines.append(
            _("Week {current} of {total}").format(current=p.current_week, total=p.total_weeks)
        )
        lines.append(
            _("Release: {weekday} at {time}, family time; due after {days} days").format(
                weekday=_(WEEKDAYS[e.release_weekday]),
                time=e.release_time.strftime("%H:%M"),
                days=e.due_days,
            )
        )
        zone = ZoneInfo(p.family.timezone)
        for w in p.weeks:
            line = _week_line(w, e, c.now(), zone)
            if w.rating is not None:
                line += " · " + _("rating {rating}/10").format(rating=w.rating)
            lines.append(line)
        if p.next_release_local is not None:
            lines.append(
                _("Next release: {moment}").format(
                    moment=p.next_release_local.strftime("%d.%m.%Y %H:%M")
                )
            )
        lines.append(_result_lines(e))
        lines.extend(
            follow_up_lines(
                await programme_follow_ups.of_enrollment(c.session, c.actor, p.family.id, e), zone
            )
        )
    may_evaluate = False
    if e is not None and e.status == EnrollmentStatus.COMPLETED:
        # The programme's final question, "is further work needed?", and the family's view.
        evaluations = await programme_evaluations.for_staff(c.session, c.actor, e.id, c.now())
        if evaluations.family is not None:
            lines.extend(family_lines(evaluations.family))
        if evaluations.specialist is not None:
            lines.extend(specialist_lines(evaluations.specialist, c))
        may_evaluate = evaluations.may_record
    current = p.is_current
    status = e.status if e else None
    done_weeks = [w for w in p.weeks if w.done]
    may_review = bool(done_weeks) and await is_allowed(
        c.session, c.actor, Action.HOMEWORK_REVIEW, done_weeks[0].week_id
    )
    return {
        "review_weeks": [
            (_("📖 Week {number}").format(number=w.number), str(w.week_id))
            for w in (done_weeks if may_review else [])
        ],
        "can_result": e is not None
        and await is_allowed(c.session, c.actor, Action.PROGRAMME_RESULT, p.family.id),
        "card": Html("\n".join(lines)),
        "can_evaluate": may_evaluate,
        "notice": dialog_manager.dialog_data.pop(NOTICE, ""),
        "can_enrol": p.can_manage and not current and p.family.closed_at is None,
        "can_pause": p.can_manage and status == EnrollmentStatus.ACTIVE,
        "can_resume": p.can_manage and status == EnrollmentStatus.PAUSED,
        "can_stop": p.can_manage and current,
    }


async def _require_manage(manager: DialogManager) -> int:
    c = ctx(manager)
    family_id = _family_id(manager)
    await authorize(c.session, c.actor, Action.PROGRAMME_MANAGE, family_id)
    return family_id


async def on_enrol(_c: CallbackQuery, _b: Button, manager: DialogManager) -> None:
    await _require_manage(manager)
    for key in ("programme", "start", "weekday", "time", "due"):
        manager.dialog_data.pop(key, None)
    await manager.switch_to(ProgrammesSG.programme)


async def on_pause(_c: CallbackQuery, _b: Button, manager: DialogManager) -> None:
    c = ctx(manager)
    if await programmes.pause(c.session, c.require_actor(), _family_id(manager), c.now()):
        manager.dialog_data[NOTICE] = _("⏸ The programme is paused: no new weeks until resumed.")


async def on_resume(_c: CallbackQuery, _b: Button, manager: DialogManager) -> None:
    c = ctx(manager)
    if await programmes.resume(c.session, c.require_actor(), _family_id(manager), c.now()):
        manager.dialog_data[NOTICE] = _("▶️ The programme is running again.")


async def on_open_stop(_c: CallbackQuery, _b: Button, manager: DialogManager) -> None:
    await _require_manage(manager)
    await manager.switch_to(ProgrammesSG.stop)


async def on_stop(_c: CallbackQuery, _b: Button, manager: DialogManager) -> None:
    c = ctx(manager)
    if await programmes.stop(c.session, c.require_actor(), _family_id(manager), c.now()):
        manager.dialog_data[NOTICE] = _("⏹ The programme is stopped. Its history is kept.")
    await manager.switch_to(ProgrammesSG.overview)


async def on_review_week(_c: CallbackQuery, _w: Any, manager: DialogManager, item: str) -> None:
    if not item.isdigit() or len(item) > 9:
        return
    c = ctx(manager)
    await authorize(c.session, c.actor, Action.HOMEWORK_REVIEW, int(item))
    await manager.start(HomeworkReviewSG.answers, data={"week_id": int(item), "nested": True})


async def on_open_evaluation(_c: CallbackQuery, _b: Button, manager: DialogManager) -> None:
    c = ctx(manager)
    enrollment = await questionnaire.latest_enrollment(c.session, _family_id(manager))
    if enrollment is None:
        raise DomainError("programme_not_found")
    await manager.start(ProgrammeEvaluationSG.intro, data={"enrollment_id": enrollment.id})


# --- the result: "completed with positive dynamics" (coordinators) ----------------------------

RESULT = "result"
RESULT_CHOICES = {"yes": True, "no": False}
RESULT_ERRORS = {
    "programme_result_note": N_("Please write the note as text: a few words on why."),
    "programme_result_note_long": N_("Please keep the note under {limit} characters."),
}


async def _require_result(manager: DialogManager) -> int:
    c = ctx(manager)
    family_id = _family_id(manager)
    await authorize(c.session, c.actor, Action.PROGRAMME_RESULT, family_id)
    return family_id


async def on_open_result(_c: CallbackQuery, _b: Button, manager: DialogManager) -> None:
    await _require_result(manager)
    manager.dialog_data.pop(RESULT, None)
    await manager.switch_to(ProgrammesSG.result)


async def get_result(dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
    c = ctx(dialog_manager)
    family_id = await _require_result(dialog_manager)
    enrollment = await questionnaire.latest_enrollment(c.session, family_id)
    return {"summary": Html(_result_lines(enrollment) if enrollment else "")}


async def on_result_choice(_c: CallbackQuery, button: Button, manager: DialogManager) -> None:
    c = ctx(manager)
    family_id = await _require_result(manager)
    choice = (button.widget_id or "").removeprefix("result_")
    if choice in RESULT_CHOICES:
        manager.dialog_data[RESULT] = choice
        await manager.switch_to(ProgrammesSG.result_note)
        return
    await questionnaire.set_result(c.session, c.require_actor(), family_id, None, None, c.now())
    manager.dialog_data[NOTICE] = _("The result follows the questionnaire totals again.")
    await manager.switch_to(ProgrammesSG.overview)


async def get_result_note(dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
    await _require_result(dialog_manager)
    positive = dialog_manager.dialog_data.get(RESULT) == "yes"
    return {
        "decision": _("yes") if positive else _("no"),
        "limit": questionnaire.NOTE_MAX_CHARS,
    }


async def on_result_note(message: Message, _w: Any, manager: DialogManager) -> None:
    not_text = RESULT_ERRORS["programme_result_note"]  # the service's hint for a missing note
    text = form_text(message, manager, _(not_text))
    if text is None:
        return
    c = ctx(manager)
    choice = manager.dialog_data.get(RESULT)
    if choice not in RESULT_CHOICES:
        await manager.switch_to(ProgrammesSG.result)
        return
    try:
        await questionnaire.set_result(
            c.session,
            c.require_actor(),
            _family_id(manager),
            RESULT_CHOICES[choice],
            text,
            c.now(),
        )
    except DomainError as error:
        if error.code not in RESULT_ERRORS:
            raise
        show_input_error(
            manager, _(RESULT_ERRORS[error.code]).format(limit=questionnaire.NOTE_MAX_CHARS)
        )
        return
    manager.dialog_data[NOTICE] = _(
        "✅ Saved: completed with positive dynamics — {decision}."
    ).format(decision=_("yes") if RESULT_CHOICES[choice] else _("no"))
    await manager.switch_to(ProgrammesSG.overview)


# --- enrolling ------------------------------------------------------------------------------


async def get_programmes(dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
    c = ctx(dialog_manager)
    await _require_manage(dialog_manager)
    items = []
    lines = []
    for code, prog in sorted(c.content.programmes.items()):
        title = prog.title.get(c.locale)
        items.append((title, code))
        lines.append(
            _("<b>{title}</b> ({weeks} weeks): {audience}").format(
                title=escape(title),
                weeks=prog.length,
                audience=escape(prog.audience.get(c.locale)),
            )
        )
    return {"items": items, "list": Html("\n".join(lines))}


async def on_programme(_c: CallbackQuery, _w: Any, manager: DialogManager, item: str) -> None:
    if item not in ctx(manager).content.programmes:
        return
    manager.dialog_data["programme"] = item
    await manager.switch_to(ProgrammesSG.start)


def _today(manager: DialogManager, timezone: str) -> date:
    return local_date(ctx(manager).now(), timezone)


async def _family_zone(manager: DialogManager) -> str:
    c = ctx(manager)
    family = await families.require_view(c.session, c.actor, _family_id(manager))
    return family.timezone


async def get_start(dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
    today = _today(dialog_manager, await _family_zone(dialog_manager))
    monday = today + timedelta(days=(7 - today.weekday()) % 7 or 7)
    return {
        "dates": [
            (_("Today, {date}").format(date=_fmt_date(today)), today.isoformat()),
            (_("Next Monday, {date}").format(date=_fmt_date(monday)), monday.isoformat()),
        ]
    }


async def _set_start(manager: DialogManager, day: date) -> None:
    if day < _today(manager, await _family_zone(manager)):
        show_input_error(manager, _(PAST))
        return
    manager.dialog_data["start"] = day.isoformat()
    await manager.switch_to(ProgrammesSG.weekday)


async def on_start_pick(_c: CallbackQuery, _w: Any, manager: DialogManager, item: str) -> None:
    try:
        day = date.fromisoformat(item)
    except ValueError:
        return
    await _set_start(manager, day)


async def on_start_text(message: Message, _w: Any, manager: DialogManager) -> None:
    try:
        day = datetime.strptime((message.text or "").strip(), "%d.%m.%Y").date()
    except ValueError:
        show_input_error(manager, _("Please send the date as DD.MM.YYYY, for example 01.12.2026."))
        return
    await _set_start(manager, day)


async def get_weekdays(dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
    return {"days": [(_(name), str(n)) for n, name in enumerate(WEEKDAYS)]}


async def on_weekday(_c: CallbackQuery, _w: Any, manager: DialogManager, item: str) -> None:
    if item.isdigit() and 0 <= int(item) <= 6:
        manager.dialog_data["weekday"] = int(item)
        await manager.switch_to(ProgrammesSG.time)


async def get_times(dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
    return {"times": [(t, t.replace(":", "")) for t in TIMES]}


async def on_time(_c: CallbackQuery, _w: Any, manager: DialogManager, item: str) -> None:
    if item in {t.replace(":", "") for t in TIMES}:
        manager.dialog_data["time"] = item
        await manager.switch_to(ProgrammesSG.due)


async def get_dues(dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
    return {"dues": [(str(n), str(n)) for n in range(1, 7)]}


async def on_due(_c: CallbackQuery, _w: Any, manager: DialogManager, item: str) -> None:
    if item.isdigit() and 1 <= int(item) <= 6:
        manager.dialog_data["due"] = int(item)
        await manager.switch_to(ProgrammesSG.confirm)


def _choice(manager: DialogManager) -> tuple[str, date, int, time, int] | None:
    d = manager.dialog_data
    try:
        raw = str(d["time"])
        return (
            str(d["programme"]),
            date.fromisoformat(str(d["start"])),
            int(d.get("weekday", 0)),
            time(int(raw[:2]), int(raw[2:])),
            int(d.get("due", 3)),
        )
    except (KeyError, ValueError):
        return None


async def get_confirm(dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
    c = ctx(dialog_manager)
    zone = await _family_zone(dialog_manager)
    choice = _choice(dialog_manager)
    if choice is None:
        return {"summary": "", "ready": False}
    code, start, weekday, at, due = choice
    prog = c.content.programmes.get(code)
    first = release_schedule.release_at(start, weekday, at, zone, 1)
    local = first.astimezone(ZoneInfo(zone))
    lines = [
        _("Programme: {title}").format(title=escape(prog.title.get(c.locale) if prog else code)),
        _("Start: {date}").format(date=_fmt_date(start)),
        _("Every {weekday} at {time}, family time").format(
            weekday=_(WEEKDAYS[weekday]), time=at.strftime("%H:%M")
        ),
        _("Due after {days} days").format(days=due),
        _("First release: {moment}").format(moment=local.strftime("%d.%m.%Y %H:%M")),
    ]
    return {"summary": Html("\n".join(lines)), "ready": True}


async def on_save(_c: CallbackQuery, _b: Button, manager: DialogManager) -> None:
    c = ctx(manager)
    choice = _choice(manager)
    if choice is None:
        await manager.switch_to(ProgrammesSG.programme)
        return
    code, start, weekday, at, due = choice
    try:
        await programmes.enrol(
            c.session,
            c.require_actor(),
            _family_id(manager),
            code,
            start_date=start,
            release_weekday=weekday,
            release_time=at,
            due_days=due,
            now=c.now(),
            known_programmes=c.content.programmes,
        )
    except DomainError as error:
        if error.code not in ERRORS:
            raise
        if error.code == "programme_start_past":
            show_input_error(manager, _(ERRORS[error.code]))
            await manager.switch_to(ProgrammesSG.start)
            return
        manager.dialog_data[NOTICE] = _(ERRORS[error.code])
        await manager.switch_to(ProgrammesSG.overview)
        return
    manager.dialog_data[NOTICE] = _("✅ The family is enrolled in the programme.")
    await manager.switch_to(ProgrammesSG.overview)


def create_programmes_dialog() -> Dialog:
    return Dialog(
        Window(
            T("<b>Programmes</b>: choose a family. (page {page_no} of {pages})", when="total"),
            T("There are no families to choose from yet.", when=lambda d, *_: not d["total"]),
            choices("prog_family", "items", on_family),
            *pager(SCROLL),
            to_menu(),
            state=ProgrammesSG.families,
            getter=get_families,
        ),
        Window(
            T("{notice}\n", when="notice"),
            T("{card}"),
            Button(T("➕ Enrol"), id="enrol", on_click=on_enrol, when="can_enrol"),
            Row(
                Button(T("⏸ Pause"), id="pause", on_click=on_pause, when="can_pause"),
                Button(T("▶️ Resume"), id="resume", on_click=on_resume, when="can_resume"),
                Button(T("⏹ Stop"), id="stop", on_click=on_open_stop, when="can_stop"),
            ),
            choices("review_week", "review_weeks", on_review_week, width=3),
            Button(T("🏁 Result"), id="result", on_click=on_open_result, when="can_result"),
            Button(
                T("📝 Specialist's evaluation"),
                id="evaluate",
                on_click=on_open_evaluation,
                when="can_evaluate",
            ),
            Button(BACK, id="overview_back", on_click=on_back_from_overview),
            to_menu(),
            state=ProgrammesSG.overview,
            getter=get_overview,
        ),
        Window(
            T("Choose a programme:\n{list}"),
            choices("prog", "items", on_programme),
            SwitchTo(BACK, id="back", state=ProgrammesSG.overview),
            state=ProgrammesSG.programme,
            getter=get_programmes,
        ),
        Window(
            input_error_line(),
            T("When does the family start? Tap a date or send one as DD.MM.YYYY."),
            choices("start_day", "dates", on_start_pick),
            MessageInput(on_start_text),
            SwitchTo(BACK, id="back", state=ProgrammesSG.programme),
            state=ProgrammesSG.start,
            getter=[get_input_error, get_start],
        ),
        Window(
            T("On which day of the week should a new week come?"),
            choices("weekday", "days", on_weekday, width=2),
            SwitchTo(BACK, id="back", state=ProgrammesSG.start),
            state=ProgrammesSG.weekday,
            getter=get_weekdays,
        ),
        Window(
            T("At what time, in the family's local time?"),
            choices("time", "times", on_time, width=3),
            SwitchTo(BACK, id="back", state=ProgrammesSG.weekday),
            state=ProgrammesSG.time,
            getter=get_times,
        ),
        Window(
            T("How many days does the family have for the homework?"),
            choices("due", "dues", on_due, width=6),
            SwitchTo(BACK, id="back", state=ProgrammesSG.time),
            state=ProgrammesSG.due,
            getter=get_dues,
        ),
        Window(
            T("<b>Please check</b>\n{summary}", when="ready"),
            Button(T("✅ Save"), id="save", on_click=on_save, when="ready"),
            SwitchTo(BACK, id="back", state=ProgrammesSG.due),
            state=ProgrammesSG.confirm,
            getter=get_confirm,
        ),
        Window(
            T("Stop the programme for this family? No more weeks will come; the history is kept."),
            Row(
                Button(T("⏹ Stop"), id="stop_yes", on_click=on_stop),
                SwitchTo(T("Keep"), id="keep", state=ProgrammesSG.overview),
            ),
            state=ProgrammesSG.stop,
        ),
        Window(
            T("<b>Completed with positive dynamics?</b>\n{summary}"),
            T(
                "\nYour decision replaces the comparison of the questionnaire totals; "
                "a note on why is required."
            ),
            Row(
                Button(T("✅ Yes"), id="result_yes", on_click=on_result_choice),
                Button(T("❌ No"), id="result_no", on_click=on_result_choice),
            ),
            Button(T("📊 By the questionnaire"), id="result_auto", on_click=on_result_choice),
            SwitchTo(BACK, id="back", state=ProgrammesSG.overview),
            state=ProgrammesSG.result,
            getter=get_result,
        ),
        Window(
            input_error_line(),
            T("Decision: {decision}. Please write a short note: why? (up to {limit} characters)"),
            MessageInput(on_result_note, content_types=ContentType.ANY),
            SwitchTo(BACK, id="back", state=ProgrammesSG.result),
            state=ProgrammesSG.result_note,
            getter=[get_input_error, get_result_note],
        ),
        on_start=on_start,
    )
