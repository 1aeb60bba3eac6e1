"""Weekly programmes in the chat: the week, reminders, the questionnaire invitation, the mentors'
digest, copies of answers and feedback. Programme texts come from content/programmes at send
time, in the recipient's language.

The first line of every family message names the programme and the week only: a lock-screen
preview never shows a family's or a child's name.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from bot.content import Content
from bot.content.programmes import Programme, Week
from bot.delivery.render import Outgoing, Translator, message_kind
from bot.markup import escape
from bot.services.homework import (
    DONE_KIND,
    INVITE_KIND,
    QUESTIONNAIRE_REMINDER_KIND,
    REMINDER_KIND,
    WEEK_KIND,
)
from bot.services.homework_review import COPY_KIND, DIGEST_KIND, FEEDBACK_KIND

# Callback data of the buttons under these messages; bot/handlers/homework.py answers them.
ANSWER_PREFIX = "hw:a:"  # + homework week id: open the answer form
SNOOZE_PREFIX = "hw:later:"  # + homework week id: remind me tomorrow
OPEN_PREFIX = "hw:o:"  # + homework week id: a mentor opens the answers
QUESTIONNAIRE_PREFIX = "qn:"  # + "e:" or "x:" + enrollment id: entry or exit questionnaire

CAPTION_MAX = 1024


Programmes = Mapping[str, Programme]


def programme_title(programmes: Programmes, code: str, locale: str) -> str:
    programme = programmes.get(code)
    return programme.title.get(locale) if programme else code


def _week(programmes: Programmes, code: str, number: int) -> Week | None:
    programme = programmes.get(code)
    return programme.week(number) if programme else None


def week_topic(programmes: Programmes, code: str, number: int, locale: str) -> str:
    week = _week(programmes, code, number)
    return week.topic.get(locale) if week else ""


def _keyboard(*rows: list[InlineKeyboardButton]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=list(rows))


def answer_button(t: Translator, week_id: int) -> InlineKeyboardButton:
    return InlineKeyboardButton(
        text=t.gettext("✍️ Answer"), callback_data=f"{ANSWER_PREFIX}{int(week_id)}"
    )


def render_week(params: dict[str, Any], t: Translator, programmes: Programmes) -> str:
    """The week's message: programme and week, topic, greeting, questions, task, practice."""
    code, number = params["programme"], int(params["week"])
    locale = t.locale
    head = t.gettext("📚 {programme} · week {week} of {total}").format(
        programme=escape(programme_title(programmes, code, locale)),
        week=number,
        total=int(params["total"]),
    )
    week = _week(programmes, code, number)
    if week is None:
        return "\n\n".join([head, t.gettext("This week's texts are being updated.")])
    questions = "\n".join(f"• {escape(q)}" for q in week.questions.get(locale))
    # Headings are translated outside the f-strings: extraction does not look inside them.
    talk_over = t.gettext("Questions to talk over together")
    task = t.gettext("Task of the week")
    practice = t.gettext("To try in everyday life")
    parts = [
        f"{head}\n<b>{escape(week.topic.get(locale))}</b>",
        escape(week.greeting.get(locale)),
        f"<b>{talk_over}</b>\n{questions}",
        f"<b>{task}</b>\n{escape(week.homework.get(locale))}",
        f"<b>{practice}</b>\n{escape(week.practice.get(locale))}",
        t.gettext(
            "Please answer by {due}: with text, a voice message, photos or a document, "
            "in one or several messages. Tap «Answer» to begin."
        ).format(due=escape(params["due"])),
    ]
    return "\n\n".join(parts)


@message_kind(WEEK_KIND, with_content=True)
def homework_week(params: dict[str, Any], t: Translator, content: Content) -> Outgoing:
    return Outgoing(
        text=render_week(params, t, content.programmes),
        reply_markup=_keyboard([answer_button(t, params["week_id"])]),
    )


@message_kind(REMINDER_KIND, with_content=True)
def homework_reminder(params: dict[str, Any], t: Translator, content: Content) -> Outgoing:
    code, number = params["programme"], int(params["week"])
    topic = escape(week_topic(content.programmes, code, number, t.locale))
    if params.get("second"):
        text = t.gettext(
            "🌿 Week {week}, «{topic}», is still open. If this week was hard, that is all "
            "right: a few words or one photo count too."
        ).format(week=number, topic=topic)
    else:
        text = t.gettext(
            "🌿 A gentle reminder: week {week}, «{topic}», is waiting for your answer. "
            "Whenever you are ready, tap «Answer»."
        ).format(week=number, topic=topic)
    later = InlineKeyboardButton(
        text=t.gettext("⏰ Remind me tomorrow"),
        callback_data=f"{SNOOZE_PREFIX}{int(params['week_id'])}",
    )
    return Outgoing(
        text=text, reply_markup=_keyboard([answer_button(t, params["week_id"])], [later])
    )


@message_kind(DONE_KIND, with_content=True)
def homework_done(params: dict[str, Any], t: Translator, content: Content) -> Outgoing:
    number = int(params["week"])
    topic = escape(week_topic(content.programmes, params["programme"], number, t.locale))
    text = t.gettext("✅ Week {week}, «{topic}», is handed in for your family. Thank you!").format(
        week=number, topic=topic
    )
    return Outgoing(text=text)


@message_kind(INVITE_KIND, with_content=True)
def questionnaire_invite(params: dict[str, Any], t: Translator, content: Content) -> Outgoing:
    title = escape(programme_title(content.programmes, params["programme"], t.locale))
    exit_phase = params["phase"] == "exit"
    if exit_phase:
        text = t.gettext(
            "🎉 You have come through the whole programme «{programme}». One last short "
            "questionnaire, the same as at the start: it shows what has changed for your family."
        ).format(programme=title)
    else:
        text = t.gettext(
            "👋 Welcome to the programme «{programme}»! Before the first week, a short "
            "questionnaire about your family: a few statements, about two minutes."
        ).format(programme=title)
    return Outgoing(text=text, reply_markup=_keyboard([questionnaire_button(t, params)]))


def questionnaire_button(t: Translator, params: dict[str, Any]) -> InlineKeyboardButton:
    marker = "x" if params["phase"] == "exit" else "e"
    return InlineKeyboardButton(
        text=t.gettext("📝 Start the questionnaire"),
        callback_data=f"{QUESTIONNAIRE_PREFIX}{marker}:{int(params['enrollment_id'])}",
    )


@message_kind(QUESTIONNAIRE_REMINDER_KIND, with_content=True)
def questionnaire_reminder(params: dict[str, Any], t: Translator, content: Content) -> Outgoing:
    """Once, two days after the invitation, while the family has not answered."""
    title = escape(programme_title(content.programmes, params["programme"], t.locale))
    if params["phase"] == "exit":
        text = t.gettext(
            "🌿 A gentle reminder: the last short questionnaire of the programme «{programme}» "
            "is still open. About two minutes, whenever it suits you: it shows what has "
            "changed for your family."
        ).format(programme=title)
    else:
        text = t.gettext(
            "🌿 A gentle reminder: the short questionnaire of the programme «{programme}» is "
            "still open. About two minutes, whenever it suits you; there are no right or wrong "
            "answers."
        ).format(programme=title)
    return Outgoing(text=text, reply_markup=_keyboard([questionnaire_button(t, params)]))


@message_kind(DIGEST_KIND, with_content=True)
def homework_digest(params: dict[str, Any], t: Translator, content: Content) -> Outgoing:
    lines = [t.gettext("📬 Homework handed in")]
    buttons = []
    for item in params["items"]:
        number = int(item["week"])
        line = t.gettext("• «{family}»: {programme}, week {week}").format(
            family=escape(item["family"]),
            programme=escape(programme_title(content.programmes, item["programme"], t.locale)),
            week=number,
        )
        if item.get("late"):
            line += t.gettext(" (late)")
        if item.get("rating") is not None:
            line += t.gettext(" · rated the week {rating}/10").format(rating=int(item["rating"]))
        lines.append(line)
        label = t.gettext("{family} · week {week}").format(family=item["family"], week=number)
        buttons.append(
            [
                InlineKeyboardButton(
                    text=label[:60], callback_data=f"{OPEN_PREFIX}{int(item['week_id'])}"
                )
            ]
        )
    if params.get("more"):
        lines.append(
            t.gettext("…and {count} more: see /programmes.").format(count=int(params["more"]))
        )
    lines.append(t.gettext("Tap a family to open the answers and reply."))
    return Outgoing(text="\n".join(lines), reply_markup=_keyboard(*buttons))


@message_kind(COPY_KIND)
def homework_copy(params: dict[str, Any], t: Translator) -> Outgoing:
    caption = t.gettext("«{family}» · week {week} · {index} of {count}").format(
        family=escape(params["family"]),
        week=int(params["week"]),
        index=int(params["index"]),
        count=int(params["count"]),
    )
    return Outgoing(text=caption[:CAPTION_MAX], media=params["media"], file_id=params["file_id"])


@message_kind(FEEDBACK_KIND, with_content=True)
def homework_feedback(params: dict[str, Any], t: Translator, content: Content) -> Outgoing:
    number = int(params["week"])
    topic = escape(week_topic(content.programmes, params["programme"], number, t.locale))
    head = t.gettext("💬 A reply from your mentor on week {week}, «{topic}»:").format(
        week=number, topic=topic
    )
    return Outgoing(text=f"{head}\n\n{escape(params['text'])}")
