"""/learn: the mentors' course (content/course.yaml) with one's own progress, the materials at
hand, where to turn in a hard moment; for coordinators also a session held in person and the
files of the materials. Every press goes through bot/services/learning.py, which checks rights.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from aiogram.enums import ContentType
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _
from aiogram_dialog import DialogManager, ShowMode
from aiogram_dialog.widgets.input import MessageInput
from aiogram_dialog.widgets.kbd import Button, SwitchTo

from bot.db.models import Role
from bot.dialogs.context import ctx
from bot.dialogs.learn.contacts import contacts_text
from bot.dialogs.learn.states import LearnSG
from bot.dialogs.widgets import (
    Dialog,
    Html,
    T,
    Window,
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
    stored_id,
    to_menu,
)
from bot.i18n import N_
from bot.services import learning
from bot.services.errors import DomainError

SUBJECT, LESSON, THOUGHT, MATERIAL = "subject", "lesson", "thought", "material"
FILE_ID, MEDIA, NOTICE = "file_id", "media", "notice"
MENTOR_ID, HELD_ON, HOURS = "mentor_id", "held_on", "hours"
FILE_PREFIX, TEXT_PREFIX = "f:", "c:"  # a material's button: an uploaded file, a text of the course
DAY_OFFSETS = (0, -1, -2, -3, -7)

ERRORS = {
    "hours_invalid": N_("Please send the hours as a number from 0.5 to 12, for example 1.5."),
    "title_too_long": N_("That title is a bit long: please keep it under {limit} characters."),
    "mentor_not_found": N_("This person no longer has the mentor role. Please choose again."),
    "subject_not_found": N_("This subject is no longer in the course. Please choose again."),
    "material_not_found": N_("This material has been removed."),
}


def _back(state: Any, widget_id: str = "back") -> SwitchTo:
    return SwitchTo(T("⬅️ Back"), id=widget_id, state=state)


def _is_coordinator(manager: DialogManager) -> bool:
    actor = ctx(manager).actor
    return actor is not None and actor.has(Role.COORDINATOR)


# --- the course -----------------------------------------------------------------------------


async def get_main(dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
    c = ctx(dialog_manager)
    course = c.content.course
    done = await learning.progress(c.session, c.actor, course)
    subjects = [
        (
            ("✅ " if all(lesson.code in done.done for lesson in s.lessons) else "")
            + s.title.get(c.locale),
            s.code,
        )
        for s in course.subjects
    ]
    return {
        "notice": dialog_manager.dialog_data.pop(NOTICE, ""),
        "done": done.lessons_done,
        "total": done.lessons_total,
        "hours": _hours(done.minutes, c.locale),
        "finished": done.finished,
        "subjects": subjects,
        "coordinator": _is_coordinator(dialog_manager),
    }


def _hours(minutes: int, locale: str) -> str:
    """Hours with one decimal, without a trailing ",0"; a decimal comma in Russian."""
    text = f"{minutes / 60:.1f}".removesuffix(".0")
    return text.replace(".", ",") if locale == "ru" else text


async def on_subject(_c: CallbackQuery, _w: Any, manager: DialogManager, item: str) -> None:
    if ctx(manager).content.course.subject(item) is None:  # not one of our buttons
        manager.show_mode = ShowMode.NO_UPDATE
        return
    manager.dialog_data[SUBJECT] = item
    await manager.switch_to(LearnSG.subject)


def _subject(manager: DialogManager) -> Any:
    found = ctx(manager).content.course.subject(str(manager.dialog_data.get(SUBJECT)))
    if found is None:
        raise DomainError("subject_not_found")
    return found


async def get_notice(dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
    return {"notice": dialog_manager.dialog_data.pop(NOTICE, "")}


async def get_subject(dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
    c = ctx(dialog_manager)
    subject = _subject(dialog_manager)
    done = await learning.progress(c.session, c.actor, c.content.course)
    lessons = [
        (("✅ " if lesson.code in done.done else "▫️ ") + lesson.title.get(c.locale), lesson.code)
        for lesson in subject.lessons
    ]
    return {"title": subject.title.get(c.locale), "lessons": lessons}


async def on_lesson(_c: CallbackQuery, _w: Any, manager: DialogManager, item: str) -> None:
    found = ctx(manager).content.course.lesson(item)
    if found is None or found[0].code != manager.dialog_data.get(SUBJECT):
        manager.show_mode = ShowMode.NO_UPDATE
        return
    manager.dialog_data[LESSON] = item
    manager.dialog_data.pop(THOUGHT, None)
    await manager.switch_to(LearnSG.lesson)


async def get_lesson(dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
    c = ctx(dialog_manager)
    found = c.content.course.lesson(str(dialog_manager.dialog_data.get(LESSON)))
    if found is None:
        raise DomainError("lesson_not_found")
    _subject_found, lesson = found
    done = await learning.progress(c.session, c.actor, c.content.course)
    return {
        "notice": dialog_manager.dialog_data.pop(NOTICE, ""),
        "title": lesson.title.get(c.locale),
        "text": lesson.text.get(c.locale),
        "question": lesson.question.get(c.locale),
        "minutes": lesson.minutes,
        "thought": dialog_manager.dialog_data.get(THOUGHT, ""),
        "done": lesson.code in done.done,
        "open": lesson.code not in done.done,
    }


async def on_thought(message: Message, _w: Any, manager: DialogManager) -> None:
    text = form_text(message, manager, _("Please type your thought as text."))
    if text is None:
        return
    try:
        learning.check_note(text)
    except DomainError:
        # Nothing typed is thrown away without a word: the start is kept, and they are told.
        text = text[: learning.NOTE_MAX]
        show_input_error(
            manager,
            _(
                "That was a long thought, so I kept its first {limit} characters. Send a "
                "shorter one to replace it, or press «✅ Done»."
            ).format(limit=learning.NOTE_MAX),
        )
    manager.dialog_data[THOUGHT] = text


async def on_done(_c: CallbackQuery, _b: Button, manager: DialogManager) -> None:
    c = ctx(manager)
    fresh = await learning.mark_done(
        c.session,
        c.actor,
        c.content.course,
        str(manager.dialog_data.get(LESSON)),
        manager.dialog_data.pop(THOUGHT, None),
        c.now(),
    )
    manager.dialog_data[NOTICE] = (
        _("✅ Lesson done. Thank you!") if fresh else _("This lesson was already done.")
    )
    await manager.switch_to(LearnSG.subject)


# --- materials ------------------------------------------------------------------------------


async def get_materials(dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
    c = ctx(dialog_manager)
    files = await learning.materials(c.session, c.actor)
    items = [(m.title.get(c.locale), TEXT_PREFIX + m.code) for m in c.content.course.materials]
    items += [("📎 " + shorten(f.title, 60), f"{FILE_PREFIX}{f.id}") for f in files]
    return {
        "notice": dialog_manager.dialog_data.pop(NOTICE, ""),
        "items": items,
        "files": [(shorten(f.title, 60), str(f.id)) for f in files],
        "has_files": bool(files),
        "coordinator": _is_coordinator(dialog_manager),
    }


async def on_material(callback: CallbackQuery, _w: Any, manager: DialogManager, item: str) -> None:
    c = ctx(manager)
    if item.startswith(TEXT_PREFIX):
        code = item[len(TEXT_PREFIX) :]
        if not any(m.code == code for m in c.content.course.materials):
            manager.show_mode = ShowMode.NO_UPDATE
            return
        manager.dialog_data[MATERIAL] = code
        await manager.switch_to(LearnSG.material_text)
        return
    material_id = parse_id(item[len(FILE_PREFIX) :]) if item.startswith(FILE_PREFIX) else None
    if material_id is None:
        manager.show_mode = ShowMode.NO_UPDATE
        return
    try:
        found = await learning.material(c.session, c.actor, material_id)
    except DomainError as error:
        if error.code == "access_denied":
            raise
        manager.dialog_data[NOTICE] = error_text(ERRORS, error)
        return
    if callback.message is None or not found.file_id:
        return
    chat_id = callback.message.chat.id
    caption = shorten(found.title, 1000)
    if found.media == "photo":
        await c.bot.send_photo(chat_id, found.file_id, caption=caption, parse_mode=None)
    else:
        await c.bot.send_document(chat_id, found.file_id, caption=caption, parse_mode=None)
    manager.show_mode = ShowMode.SEND  # the list comes again below the file


async def get_material_text(dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
    c = ctx(dialog_manager)
    code = dialog_manager.dialog_data.get(MATERIAL)
    found = next((m for m in c.content.course.materials if m.code == code), None)
    if found is None:
        raise DomainError("material_not_found")
    return {"title": found.title.get(c.locale), "text": found.text.get(c.locale)}


async def on_file(message: Message, _w: Any, manager: DialogManager) -> None:
    if message.document is not None:
        manager.dialog_data[FILE_ID], manager.dialog_data[MEDIA] = (
            message.document.file_id,
            "document",
        )
    elif message.photo:
        manager.dialog_data[FILE_ID], manager.dialog_data[MEDIA] = (
            message.photo[-1].file_id,
            "photo",
        )
    else:
        show_input_error(manager, _("Please send the file as a document or a photo."))
        return
    await manager.switch_to(LearnSG.material_title)


async def on_title(message: Message, _w: Any, manager: DialogManager) -> None:
    text = form_text(
        message,
        manager,
        _("Please type the title as text."),
        limit=learning.TITLE_MAX,
        one_line=True,
    )
    if text is None:
        return
    c = ctx(manager)
    await learning.add_material(
        c.session,
        c.actor,
        title=text,
        media=str(manager.dialog_data.get(MEDIA)),
        file_id=str(manager.dialog_data.pop(FILE_ID, "")),
        now=c.now(),
    )
    manager.dialog_data[NOTICE] = _("📎 The file is added to the materials.")
    await manager.switch_to(LearnSG.materials)


async def on_remove(_c: CallbackQuery, _w: Any, manager: DialogManager, item: str) -> None:
    material_id = parse_id(item)
    if material_id is None:
        manager.show_mode = ShowMode.NO_UPDATE
        return
    c = ctx(manager)
    removed = await learning.remove_material(c.session, c.actor, material_id, c.now())
    manager.dialog_data[NOTICE] = (
        _("🗑 The file is removed.") if removed else _("This file was already removed.")
    )
    await manager.switch_to(LearnSG.materials)


async def get_contacts(dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
    return {"contacts": Html(contacts_text(ctx(dialog_manager).settings))}


# --- a session held in person (coordinators) --------------------------------------------------


async def get_mentors(dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
    c = ctx(dialog_manager)
    people = await learning.mentors(c.session, c.actor)
    return {
        "mentors": [(shorten(name, 60), str(pid)) for pid, name in people],
        "none": not people,
    }


async def on_mentor(_c: CallbackQuery, _w: Any, manager: DialogManager, item: str) -> None:
    c = ctx(manager)
    person_id = parse_id(item)
    if person_id is None or person_id not in {
        pid for pid, _n in await learning.mentors(c.session, c.actor)
    }:
        manager.show_mode = ShowMode.NO_UPDATE
        return
    manager.dialog_data[MENTOR_ID] = person_id
    await manager.switch_to(LearnSG.rec_date)


async def get_days(dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
    today = ctx(dialog_manager).now().date()
    return {"days": day_buttons(today, DAY_OFFSETS)}


async def _day_chosen(manager: DialogManager, day: date) -> None:
    if day > ctx(manager).now().date():
        show_input_error(
            manager, _("The session date is in the future: please choose another day.")
        )
        return
    manager.dialog_data[HELD_ON] = day.isoformat()
    await manager.switch_to(LearnSG.rec_subject)


on_day_pick, on_day_text = day_input(_day_chosen)


async def get_subjects(dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
    c = ctx(dialog_manager)
    return {
        "subjects": [(s.title.get(c.locale), s.code) for s in c.content.course.subjects],
    }


async def on_rec_subject(_c: CallbackQuery, _w: Any, manager: DialogManager, item: str) -> None:
    if ctx(manager).content.course.subject(item) is None:
        manager.show_mode = ShowMode.NO_UPDATE
        return
    manager.dialog_data[SUBJECT] = item
    await manager.switch_to(LearnSG.rec_hours)


async def on_hours(message: Message, _w: Any, manager: DialogManager) -> None:
    text = form_text(message, manager, _("Please send the hours as a number, for example 1.5."))
    if text is None:
        return
    try:
        manager.dialog_data[HOURS] = learning.parse_hours(text)
    except DomainError as error:
        show_input_error(manager, error_text(ERRORS, error))
        return
    await manager.switch_to(LearnSG.rec_note)


async def on_note(message: Message, _w: Any, manager: DialogManager) -> None:
    text = form_text(message, manager, _("Please type the note as text."), limit=learning.NOTE_MAX)
    if text is None:
        return
    await _save_session(manager, text)


async def on_skip_note(_c: CallbackQuery, _b: Button, manager: DialogManager) -> None:
    await _save_session(manager, None)


async def _save_session(manager: DialogManager, note: str | None) -> None:
    c = ctx(manager)
    data = manager.dialog_data
    try:
        await learning.record_session(
            c.session,
            c.actor,
            c.content.course,
            person_id=stored_id(manager, MENTOR_ID, "mentor_not_found"),
            held_on=date.fromisoformat(str(data.get(HELD_ON))),
            subject_code=str(data.get(SUBJECT)),
            hours=float(data.get(HOURS, 0)),
            note=note,
            now=c.now(),
        )
    except DomainError as error:
        if error.code == "access_denied":
            raise
        data[NOTICE] = error_text(ERRORS, error)
        await manager.switch_to(LearnSG.main)
        return
    data[NOTICE] = _("🧑‍🏫 The session is recorded.")
    for key in (MENTOR_ID, HELD_ON, SUBJECT, HOURS):
        data.pop(key, None)
    await manager.switch_to(LearnSG.main)


def _ask(
    prompt: T,
    on_input: Any,
    state: Any,
    back: Any,
    *buttons: Any,
    kinds: list[ContentType] | None = None,
    getter: Any = get_input_error,
) -> Window:
    """A step that takes a typed answer (or a file), says what was wrong with the last one,
    and has a way back."""
    return Window(
        prompt,
        input_error_line(),
        MessageInput(on_input, content_types=kinds or [ContentType.TEXT]),
        *buttons,
        _back(back),
        state=state,
        getter=getter,
    )


def _files_only(data: dict[str, Any], *_: Any) -> bool:
    return bool(data.get("coordinator") and data.get("has_files"))


def create_learn_dialog() -> Dialog:
    return Dialog(
        Window(
            T("{notice}\n", when="notice"),
            T("🎓 <b>The mentors' course</b>"),
            T("Lessons done: {done} of {total}, about {hours} h counted."),
            T("🎉 You have finished the course. Thank you!", when="finished"),
            T("Choose a subject:"),
            choices("subj", "subjects", on_subject),
            SwitchTo(T("📚 Materials"), id="materials", state=LearnSG.materials),
            SwitchTo(T("☎️ Where to turn"), id="contacts", state=LearnSG.contacts),
            SwitchTo(
                T("🧑‍🏫 Record a session"),
                id="record",
                state=LearnSG.rec_mentor,
                when="coordinator",
            ),
            to_menu(),
            state=LearnSG.main,
            getter=get_main,
        ),
        Window(
            T("{notice}\n", when="notice"),
            T("<b>{title}</b>\nChoose a lesson:"),
            choices("lesson", "lessons", on_lesson),
            _back(LearnSG.main),
            state=LearnSG.subject,
            getter=[get_subject, get_notice],
        ),
        Window(
            T("{notice}\n", when="notice"),
            T("<b>{title}</b> · {minutes} min\n\n{text}\n\n💭 <i>{question}</i>"),
            T("\nYour thought: {thought}", when="thought"),
            T(
                "\nYou may type your thought on the question (optional), then press «✅ Done».",
                when="open",
            ),
            T("\n✅ You have done this lesson.", when="done"),
            input_error_line(),
            MessageInput(on_thought, content_types=[ContentType.TEXT]),
            Button(T("✅ Done"), id="done", on_click=on_done, when="open"),
            _back(LearnSG.subject),
            state=LearnSG.lesson,
            getter=[get_lesson, get_input_error],
        ),
        Window(
            T("{notice}\n", when="notice"),
            T("📚 <b>Materials</b>: tap one to open it."),
            choices("mat", "items", on_material),
            SwitchTo(T("➕ Add a file"), id="add", state=LearnSG.material_add, when="coordinator"),
            SwitchTo(
                T("🗑 Remove a file"), id="remove", state=LearnSG.material_remove, when=_files_only
            ),
            _back(LearnSG.main),
            state=LearnSG.materials,
            getter=get_materials,
        ),
        Window(
            T("<b>{title}</b>\n\n{text}"),
            _back(LearnSG.materials),
            state=LearnSG.material_text,
            getter=get_material_text,
        ),
        _ask(
            T("Send the file here as a document or a photo."),
            on_file,
            LearnSG.material_add,
            LearnSG.materials,
            kinds=[ContentType.DOCUMENT, ContentType.PHOTO],
        ),
        _ask(
            T("Now type a short title for the file."),
            on_title,
            LearnSG.material_title,
            LearnSG.materials,
        ),
        Window(
            T("Which file should be removed?"),
            choices("rm", "files", on_remove),
            _back(LearnSG.materials),
            state=LearnSG.material_remove,
            getter=get_materials,
        ),
        Window(
            T("{contacts}"),
            _back(LearnSG.main),
            state=LearnSG.contacts,
            getter=get_contacts,
        ),
        Window(
            T("🧑‍🏫 <b>A session held in person</b>\nWho took part?"),
            T("No one has the mentor role yet.", when="none"),
            choices("mentor", "mentors", on_mentor),
            _back(LearnSG.main),
            state=LearnSG.rec_mentor,
            getter=get_mentors,
        ),
        _ask(
            T("When was it? Tap a day or send the date as DD.MM.YYYY."),
            on_day_text,
            LearnSG.rec_date,
            LearnSG.rec_mentor,
            choices("day", "days", on_day_pick, width=3),
            getter=[get_days, get_input_error],
        ),
        Window(
            T("Which subject of the course?"),
            choices("rsubj", "subjects", on_rec_subject),
            _back(LearnSG.rec_date),
            state=LearnSG.rec_subject,
            getter=get_subjects,
        ),
        _ask(
            T("How many hours? For example 1.5."), on_hours, LearnSG.rec_hours, LearnSG.rec_subject
        ),
        _ask(
            T("Add a note if you like (optional), or save as it is."),
            on_note,
            LearnSG.rec_note,
            LearnSG.rec_hours,
            Button(T("💾 Save"), id="save", on_click=on_skip_note),
        ),
    )
