"""A parent's week: send the answer in any number of messages, Done, rate the week, a comment;
and /progress, the family's programme week by week.

Opened by the «✍️ Answer» button under the week's message and the reminders (handlers/homework.py)
or from /progress, with start data {"week_id": id}. Every render and every input goes through
services.homework, which checks with ids from the database that the person is a parent of the
week's family. Each message is stored as it comes, so nothing is lost if they stop half-way.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from aiogram.enums import ContentType
from aiogram.fsm.state import State
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _
from aiogram_dialog import DialogManager, ShowMode, StartMode
from aiogram_dialog.widgets.input import MessageInput
from aiogram_dialog.widgets.kbd import Button

from bot.db.models import AnswerKind, EnrollmentStatus, Role
from bot.dialogs.context import Ctx, ctx
from bot.dialogs.homework.states import AnswerSG, ProgressSG
from bot.dialogs.questionnaire.dialog import open_questionnaire
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
from bot.services import homework
from bot.services.errors import DomainError
from bot.services.homework import HandInOutcome, ParentWeek, WeekState

WEEK_ID = "week_id"
NOTICE = "notice"
LOOSE = "loose_answer_id"  # a message filed as homework without «Answer»: it can be taken back

KIND_NAMES = {
    AnswerKind.TEXT: N_("texts"),
    AnswerKind.PHOTO: N_("photos"),
    AnswerKind.VOICE: N_("voice messages"),
    AnswerKind.DOCUMENT: N_("documents"),
}
COMMAND_ERROR = N_(
    "That looks like a command, so I did not add it to your answer. Write your answer as a "
    "message, or use /cancel to leave."
)
ALREADY_HANDED_IN = N_("Your family has already handed this week in. Thank you!")
ADDED_OUTSIDE = N_(
    "I have added your message to this week's answer. Send more if you like, then tap ✅ Done."
)
REMOVED_LOOSE = N_("Removed: that message is not part of the answer.")
# Notices a caller may pass in the start data (anything else is ignored).
START_NOTICES = frozenset({ALREADY_HANDED_IN, ADDED_OUTSIDE})
KIND_ERROR = N_(
    "I can take text, a voice message, a photo or a document. Please send one of those, "
    "or tap ✅ Done."
)


def first_state(week: ParentWeek) -> State:
    """Where an opened week begins: answering, the missing rating, or a short notice."""
    if week.state is WeekState.OPEN:
        return AnswerSG.collect
    if week.state is WeekState.DONE:
        return AnswerSG.done if week.rated else AnswerSG.rate
    return AnswerSG.closed


async def open_week(
    manager: DialogManager,
    week: ParentWeek,
    *,
    mode: StartMode = StartMode.NORMAL,
    show_mode: ShowMode | None = None,
    notice: str | None = None,
    loose_answer_id: int | None = None,
) -> None:
    data: dict[str, Any] = {WEEK_ID: week.week_id}
    if notice is not None:
        data[NOTICE] = notice
    if loose_answer_id is not None:
        data[LOOSE] = loose_answer_id
    if week.state is WeekState.DONE and not week.rated:
        data[NOTICE] = ALREADY_HANDED_IN
    await manager.start(first_state(week), data=data, mode=mode, show_mode=show_mode)


def _week_id(manager: DialogManager) -> int:
    value = manager.dialog_data.get(WEEK_ID)
    if not isinstance(value, int):
        raise DomainError("homework_not_found")
    return value


async def on_start(data: Any, manager: DialogManager) -> None:
    if isinstance(data, dict) and isinstance(data.get(WEEK_ID), int):
        manager.dialog_data[WEEK_ID] = data[WEEK_ID]
        if data.get(NOTICE) in START_NOTICES:
            manager.dialog_data[NOTICE] = data[NOTICE]
        if isinstance(data.get(LOOSE), int):
            manager.dialog_data[LOOSE] = data[LOOSE]


async def _week(manager: DialogManager) -> ParentWeek:
    c = ctx(manager)
    return await homework.parent_week(
        c.session, c.actor, _week_id(manager), c.now(), c.content.programmes
    )


def _topic(c: Ctx, code: str, number: int) -> str:
    programme = c.content.programmes.get(code)
    week = programme.week(number) if programme else None
    return week.topic.get(c.locale) if week else ""


async def get_week(dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
    c = ctx(dialog_manager)
    week = await _week(dialog_manager)
    notice = dialog_manager.dialog_data.pop(NOTICE, "")
    counts = Counter(week.answer_kinds)
    received = ", ".join(
        f"{_(name)}: {counts[kind.value]}"
        for kind, name in KIND_NAMES.items()
        if counts[kind.value]
    )
    return {
        "number": week.number,
        "topic": _topic(c, week.programme_code, week.number),
        "notice": _(notice) if notice else "",
        "received": received,
        "nothing_yet": not received,
        "late_now": week.late_now and week.state is WeekState.OPEN,
        "rating": week.rating or "",
        "loose": LOOSE in dialog_manager.dialog_data,
    }


# --- collecting the answer ------------------------------------------------------------------


def answer_of(message: Message) -> tuple[AnswerKind, str | None, str | None] | None:
    if message.text is not None:
        return AnswerKind.TEXT, message.text, None
    if message.photo:
        return AnswerKind.PHOTO, message.caption, message.photo[-1].file_id
    if message.voice is not None:
        return AnswerKind.VOICE, message.caption, message.voice.file_id
    if message.document is not None:
        return AnswerKind.DOCUMENT, message.caption, message.document.file_id
    return None


async def take_loose_answer(message: Message, manager: DialogManager) -> bool:
    """A parent sends homework without tapping «Answer» first (from the menu, or with no form
    open): rather than lose it, it goes to the newest week still open for answers and the answer
    form opens to go on from there. False when it is not that (not a parent, nothing open, not
    an answer-like message), for the caller's usual reply."""
    c = ctx(manager)
    found = answer_of(message)
    if c.actor is None or not c.actor.has(Role.PARENT) or found is None:
        return False
    kind, text, file_id = found
    if kind is AnswerKind.TEXT and (text or "").startswith("/"):
        return False  # an unknown command, not homework
    now = c.now()
    families = await homework.overview_for_parent(c.session, c.actor, now, c.content.programmes)
    open_weeks = [w.week_id for f in families for w in f.weeks if w.state is WeekState.OPEN]
    if not open_weeks:
        return False
    week_id = max(open_weeks)
    answer = await homework.add_answer(
        c.session,
        c.actor,
        week_id,
        kind=kind,
        text=text,
        file_id=file_id,
        message_id=message.message_id,
        now=now,
    )
    week = await homework.parent_week(c.session, c.actor, week_id, now, c.content.programmes)
    await open_week(
        manager,
        week,
        mode=StartMode.RESET_STACK,
        show_mode=ShowMode.SEND,
        notice=ADDED_OUTSIDE,
        loose_answer_id=answer.id,
    )
    return True


async def on_not_homework(_c: CallbackQuery, _b: Button, manager: DialogManager) -> None:
    answer_id = manager.dialog_data.pop(LOOSE, None)
    if not isinstance(answer_id, int):
        return
    c = ctx(manager)
    await homework.remove_answer(c.session, c.actor, _week_id(manager), answer_id, c.now())
    manager.dialog_data[NOTICE] = REMOVED_LOOSE


async def _after_refusal(manager: DialogManager, error: DomainError) -> None:
    """The week changed under the parent: handed in by the other parent, or closed."""
    if error.code == "homework_done":
        manager.dialog_data[NOTICE] = ALREADY_HANDED_IN
        week = await _week(manager)
        await manager.switch_to(AnswerSG.done if week.rated else AnswerSG.rate)
        return
    if error.code == "homework_closed":
        await manager.switch_to(AnswerSG.closed)
        return
    raise error


async def on_answer(message: Message, _w: Any, manager: DialogManager) -> None:
    found = answer_of(message)
    if found is None:
        show_input_error(manager, _(KIND_ERROR))
        return
    kind, text, file_id = found
    if kind is AnswerKind.TEXT and (text or "").startswith("/"):
        # An unknown command typed here is a slip, not part of the answer.
        show_input_error(manager, _(COMMAND_ERROR))
        return
    c = ctx(manager)
    manager.dialog_data.pop(LOOSE, None)  # more answers: the first one was meant, too
    try:
        await homework.add_answer(
            c.session,
            c.actor,
            _week_id(manager),
            kind=kind,
            text=text,
            file_id=file_id,
            message_id=message.message_id,
            now=c.now(),
        )
    except DomainError as error:
        if error.code == "homework_empty":
            show_input_error(manager, _(KIND_ERROR))
            return
        await _after_refusal(manager, error)


async def on_done(_c: CallbackQuery, _b: Button, manager: DialogManager) -> None:
    c = ctx(manager)
    manager.dialog_data.pop(LOOSE, None)
    try:
        outcome = await homework.hand_in(c.session, c.actor, _week_id(manager), c.now())
    except DomainError as error:
        if error.code == "homework_empty":
            show_input_error(manager, _("Send at least one message first."))
            return
        await _after_refusal(manager, error)
        return
    if outcome is HandInOutcome.ALREADY:
        manager.dialog_data[NOTICE] = ALREADY_HANDED_IN
    week = await _week(manager)
    await manager.switch_to(AnswerSG.done if week.rated else AnswerSG.rate)


async def on_later(_c: CallbackQuery, _b: Button, manager: DialogManager) -> None:
    await _week(manager)  # rights, as for every press
    await manager.switch_to(AnswerSG.later)


# --- rating and comment ---------------------------------------------------------------------


async def get_ratings(dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
    values = range(homework.RATING_MIN, homework.RATING_MAX + 1)
    return {"ratings": [(str(n), str(n)) for n in values]}


async def on_rate(_c: CallbackQuery, _w: Any, manager: DialogManager, item: str) -> None:
    if not item.isdigit() or len(item) > 2:
        manager.show_mode = ShowMode.NO_UPDATE
        return
    c = ctx(manager)
    try:
        rated = await homework.rate(c.session, c.actor, _week_id(manager), int(item), c.now())
    except DomainError as error:
        if error.code != "homework_rating":
            raise
        manager.show_mode = ShowMode.NO_UPDATE
        return
    # The other parent may have rated first: their rating stays and nothing more is asked.
    await manager.switch_to(AnswerSG.comment if rated else AnswerSG.thanks)


async def on_comment(message: Message, _w: Any, manager: DialogManager) -> None:
    not_text = _("Please write your comment as text, or tap «Skip».")
    text = form_text(message, manager, not_text, limit=homework.COMMENT_MAX_CHARS)
    if text is None:
        return
    c = ctx(manager)
    await homework.add_comment(c.session, c.actor, _week_id(manager), text, c.now())
    await manager.switch_to(AnswerSG.thanks)


async def on_skip_comment(_c: CallbackQuery, _b: Button, manager: DialogManager) -> None:
    await _week(manager)
    await manager.switch_to(AnswerSG.thanks)


WEEK_HEAD = T("<b>Week {number} «{topic}»</b>")
NOTICE_LINE = T("{notice}\n", when="notice")


def create_answer_dialog() -> Dialog:
    return Dialog(
        Window(
            input_error_line(),
            NOTICE_LINE,
            WEEK_HEAD,
            T(
                "Send your answer: text, a voice message, photos or a document, in one or "
                "several messages. Then tap ✅ Done."
            ),
            T("\nReceived so far: {received}", when="received"),
            T("\nNothing received yet.", when="nothing_yet"),
            T(
                "\nThe due date has passed, and that is all right: answers are still welcome "
                "and will be marked as late.",
                when="late_now",
            ),
            MessageInput(on_answer, content_types=ContentType.ANY),
            Button(T("✅ Done"), id="done", on_click=on_done),
            Button(T("I'll finish later"), id="later", on_click=on_later),
            Button(
                T("↩️ That was not homework: remove it"),
                id="not_homework",
                on_click=on_not_homework,
                when="loose",
            ),
            state=AnswerSG.collect,
            getter=[get_input_error, get_week],
        ),
        Window(
            NOTICE_LINE,
            WEEK_HEAD,
            T("How was this week for your family? 1 is very hard, 10 is very good."),
            choices("rating", "ratings", on_rate, width=5),
            state=AnswerSG.rate,
            getter=[get_week, get_ratings],
        ),
        Window(
            input_error_line(),
            T(
                "Thank you! Would you like to add a few words about the week? Write them in "
                "one message, or tap «Skip»."
            ),
            MessageInput(on_comment, content_types=ContentType.ANY),
            Button(T("Skip"), id="skip", on_click=on_skip_comment),
            state=AnswerSG.comment,
            getter=get_input_error,
        ),
        Window(
            T("Thank you! Your mentor will see your answers."),
            to_menu(),
            state=AnswerSG.thanks,
        ),
        Window(
            WEEK_HEAD,
            T(
                "Fine: what you have sent is saved. When you are ready, tap «✍️ Answer» under "
                "the week's message, or open /progress."
            ),
            to_menu(),
            state=AnswerSG.later,
            getter=get_week,
        ),
        Window(
            NOTICE_LINE,
            WEEK_HEAD,
            T("✅ Handed in, thank you!"),
            T("Your family rated the week {rating}/10.", when="rating"),
            to_menu(),
            state=AnswerSG.done,
            getter=get_week,
        ),
        Window(
            WEEK_HEAD,
            T(
                "Answers to this week are no longer taken: the week is closed. That is all "
                "right. /progress shows where your family is now."
            ),
            to_menu(),
            state=AnswerSG.closed,
            getter=get_week,
        ),
        on_start=on_start,
    )


# --- /progress --------------------------------------------------------------------------------

NOT_ENROLLED = N_(
    "Your family is not in a programme yet. When it starts, the first week will come here."
)
STATUS_LINES = {
    EnrollmentStatus.PAUSED.value: N_("⏸ The programme is paused for now."),
    EnrollmentStatus.STOPPED.value: N_("The programme has been stopped."),
    EnrollmentStatus.COMPLETED.value: N_("🎉 Your family has come through the whole programme."),
}


async def _week_line(c: Ctx, line: homework.WeekLine) -> str:
    if line.state is WeekState.DONE:
        text = _("✅ Week {number}: handed in").format(number=line.number)
        if line.late:
            text += _(" (late)")
        if line.rating is not None:
            text += _(" · rated {rating}/10").format(rating=line.rating)
        return text
    if line.state is WeekState.CLOSED:
        return _("▫️ Week {number}: closed").format(number=line.number)
    week = await homework.parent_week(
        c.session, c.actor, line.week_id, c.now(), c.content.programmes
    )
    if week.late_now:
        return _("⌛ Week {number}: late, answers are still welcome").format(number=line.number)
    return _("⏳ Week {number}: due {due}").format(number=line.number, due=line.due_local)


async def get_progress(dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
    c = ctx(dialog_manager)
    found = await homework.overview_for_parent(
        c.session, c.require_actor(), c.now(), c.content.programmes
    )
    blocks: list[str] = []
    answers: list[tuple[str, str]] = []
    questionnaires: list[tuple[str, str]] = []
    for family in found:
        lines = []
        if len(found) > 1:
            lines.append(_("<b>Family «{name}»</b>").format(name=escape(family.family_name)))
        if family.enrollment_id is None or family.programme_code is None:
            lines.append(_(NOT_ENROLLED))
            blocks.append("\n".join(lines))
            continue
        programme = c.content.programmes.get(family.programme_code)
        title = programme.title.get(c.locale) if programme else family.programme_code
        lines.append(
            _("📚 <b>{title}</b>: week {current} of {total}").format(
                title=escape(title), current=family.released, total=family.total
            )
        )
        if family.status in STATUS_LINES:
            lines.append(_(STATUS_LINES[family.status]))
        for line in family.weeks:
            lines.append(await _week_line(c, line))
            if line.state is WeekState.OPEN:
                label = _("✍️ Answer week {number}").format(number=line.number)
                answers.append((label, str(line.week_id)))
        if family.next_release_local and family.status == EnrollmentStatus.ACTIVE:
            lines.append(
                _("The next week comes on {moment}.").format(moment=family.next_release_local)
            )
        if family.questionnaire_due is not None:
            marker = "x" if family.questionnaire_due.value == "exit" else "e"
            questionnaires.append((_("📝 Questionnaire"), f"{marker}{family.enrollment_id}"))
        blocks.append("\n".join(lines))
    if not blocks:
        blocks.append(_(NOT_ENROLLED))
    return {
        "notice": dialog_manager.dialog_data.pop(NOTICE, ""),
        "card": Html("\n\n".join(blocks)),
        "answers": answers,
        "questionnaires": questionnaires,
    }


async def on_answer_week(_c: CallbackQuery, _w: Any, manager: DialogManager, item: str) -> None:
    if not item.isdigit() or len(item) > 9:
        manager.show_mode = ShowMode.NO_UPDATE
        return
    c = ctx(manager)
    week = await homework.parent_week(c.session, c.actor, int(item), c.now(), c.content.programmes)
    await open_week(manager, week)


async def on_questionnaire(_c: CallbackQuery, _w: Any, manager: DialogManager, item: str) -> None:
    marker, tail = item[:1], item[1:]
    if marker not in ("e", "x") or not tail.isdigit() or len(tail) > 9:
        manager.show_mode = ShowMode.NO_UPDATE
        return
    refusal = await open_questionnaire(manager, int(tail), exit_phase=marker == "x")
    if refusal is not None:
        # aiogram-dialog answers the press itself: the refusal is shown above the overview.
        manager.dialog_data[NOTICE] = refusal


def create_progress_dialog() -> Dialog:
    return Dialog(
        Window(
            NOTICE_LINE,
            T("{card}"),
            choices("progress_answer", "answers", on_answer_week),
            choices("progress_questionnaire", "questionnaires", on_questionnaire),
            to_menu(),
            state=ProgressSG.overview,
            getter=get_progress,
        ),
    )
