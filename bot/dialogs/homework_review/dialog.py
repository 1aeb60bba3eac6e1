"""A mentor opens a family's handed-in week: the texts here, copies of the media below, a reply.

Started from the digest button (bot/handlers/homework_review.py) or from the progress window of
/programmes, with data {"week_id": id}. Opening is `homework_review.review` (rights checked and
audited there) plus `send_copies` (photos, voices, documents go out through the outbox), once per
opening: what the window shows is kept in dialog_data, so a redraw neither audits nor copies
again. Every redraw and press re-checks the right to review the week.
"""

from __future__ import annotations

import secrets
from typing import Any
from zoneinfo import ZoneInfo

from aiogram.enums import ContentType
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _
from aiogram_dialog import DialogManager, ShowMode, StartMode
from aiogram_dialog.widgets.input import MessageInput
from aiogram_dialog.widgets.kbd import Button, Cancel, Start, SwitchTo

from bot.db.models import AnswerKind
from bot.dialogs.context import Ctx, ctx
from bot.dialogs.homework_review.states import HomeworkReviewSG
from bot.dialogs.menu.states import MenuSG
from bot.dialogs.widgets import (
    Dialog,
    Html,
    T,
    Window,
    form_text,
    get_input_error,
    input_error_line,
)
from bot.markup import escape
from bot.services import homework_review
from bot.services.access import Action, authorize
from bot.services.errors import DomainError
from bot.services.homework_review import Review

WEEK_ID = "week_id"
NESTED = "nested"  # opened from /programmes: «Back» returns there
VIEW = "view"
DRAFT_KEY = "draft_key"
NOTICE = "notice"

# Telegram allows 4096 characters (UTF-16 units); the answers get what the rest leaves of this.
WINDOW_BUDGET = 3500
ANSWER_MIN = 60  # even with many answers, each shows its beginning
ANSWER_MAX = 700
AUTHOR_MAX = 32
COMMENT_MAX = 300
FEEDBACK_SHOWN = 3
FEEDBACK_MAX = 200
MEDIA_ICONS = (
    (AnswerKind.PHOTO.value, "📷"),
    (AnswerKind.VOICE.value, "🎤"),
    (AnswerKind.DOCUMENT.value, "📎"),
)


def _units(text: str) -> int:
    """Length as Telegram counts it (UTF-16 code units)."""
    return len(text.encode("utf-16-le")) // 2


def _cut(text: str, limit: int) -> str:
    text = text.strip()
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _week_id(manager: DialogManager) -> int:
    value = manager.dialog_data.get(WEEK_ID)
    if not isinstance(value, int):
        raise DomainError("homework_not_found")
    return value


def _snapshot(found: Review) -> dict[str, Any]:
    """What the window shows, small enough for the dialog storage."""
    done_local = None
    if found.done_at is not None:
        moment = found.done_at.astimezone(ZoneInfo(found.timezone))
        done_local = moment.strftime("%d.%m.%Y %H:%M")
    media = {kind: 0 for kind, _icon in MEDIA_ICONS}
    icons = dict(MEDIA_ICONS)
    texts = []
    for answer in found.answers:
        text = answer.text
        if answer.kind in media:
            media[answer.kind] += 1
            text = f"{icons[answer.kind]} {text}" if text else None  # a caption
        if text:
            texts.append([_cut(answer.author_name or "", AUTHOR_MAX), _cut(text, ANSWER_MAX)])
    return {
        "family": found.family_name,
        "programme": found.programme_code,
        "week": found.week_number,
        "done_local": done_local,
        "late": found.late,
        "rating": found.rating,
        "comment": _cut(found.comment, COMMENT_MAX) if found.comment else None,
        "answers": texts,
        "media": media,
        "feedback": [_cut(f, FEEDBACK_MAX) for f in found.feedback[-FEEDBACK_SHOWN:]],
        "feedback_total": len(found.feedback),
    }


async def on_start(data: Any, manager: DialogManager) -> None:
    week_id = data.get(WEEK_ID) if isinstance(data, dict) else None
    if not isinstance(week_id, int):
        raise DomainError("homework_not_found")
    c = ctx(manager)
    actor = c.require_actor()
    found = await homework_review.review(c.session, actor, week_id, c.now())
    await homework_review.send_copies(c.session, actor, week_id, c.now())
    manager.dialog_data.update(
        {WEEK_ID: week_id, NESTED: bool(data.get(NESTED)), VIEW: _snapshot(found)}
    )


# --- the answers ----------------------------------------------------------------------------


def _head(view: dict[str, Any], c: Ctx) -> list[str]:
    programme = c.content.programmes.get(view["programme"])
    week = programme.week(view["week"]) if programme else None
    lines = [
        _("<b>«{family}»</b> · {programme}").format(
            family=escape(view["family"]),
            programme=escape(programme.title.get(c.locale) if programme else view["programme"]),
        ),
        _("Week {week}: «{topic}»").format(
            week=int(view["week"]), topic=escape(week.topic.get(c.locale) if week else "")
        ),
    ]
    if view["done_local"]:
        handed = _("Handed in: {moment}, family time").format(moment=view["done_local"])
        if view["late"]:
            handed += _(" · late")
        lines.append(handed)
    else:
        lines.append(_("Not handed in yet."))
    if view["rating"] is not None:
        lines.append(_("How the week went: {rating}/10").format(rating=int(view["rating"])))
    if view["comment"]:
        lines.append(_("Comment: «{comment}»").format(comment=escape(view["comment"])))
    return lines


def _media_line(view: dict[str, Any]) -> str | None:
    counts = view["media"]
    parts = []
    for kind, icon in MEDIA_ICONS:
        count = int(counts.get(kind, 0))
        if not count:
            continue
        name = {
            AnswerKind.PHOTO.value: _("photos: {count}"),
            AnswerKind.VOICE.value: _("voice messages: {count}"),
            AnswerKind.DOCUMENT.value: _("documents: {count}"),
        }[kind]
        parts.append(f"{icon} {name.format(count=count)}")
    if not parts:
        return None
    return _("{media} — copies follow as separate messages.").format(media=" · ".join(parts))


def _feedback(view: dict[str, Any]) -> str | None:
    if not view["feedback"]:
        return None
    lines = [_("<b>Your replies already sent:</b> {count}").format(count=view["feedback_total"])]
    lines += [f"— {escape(text)}" for text in view["feedback"]]
    return "\n".join(lines)


def _answers(view: dict[str, Any], budget: int) -> str:
    answers: list[list[str]] = view["answers"]
    if not answers:
        return _("No text answers.")
    several_authors = len({author for author, _text in answers}) > 1
    per_answer = max(ANSWER_MIN, min(ANSWER_MAX, budget // len(answers) - 8))
    lines = [_("<b>Answers</b>")]
    used = 0
    for shown, (author, text) in enumerate(answers):
        cut = _cut(text, per_answer)
        prefix = f"<i>{escape(author)}</i>: " if several_authors and author else ""
        size = _units(cut) + _units(author) + 8
        if used + size > budget:
            lines.append(
                _("…and {count} more: too long to show here.").format(count=len(answers) - shown)
            )
            break
        used += size
        lines.append(f"• {prefix}{escape(cut)}")
    return "\n".join(lines)


def render_card(view: dict[str, Any], c: Ctx) -> str:
    head = "\n".join(_head(view, c))
    tail = [part for part in (_media_line(view), _feedback(view)) if part]
    budget = WINDOW_BUDGET - _units(head) - sum(_units(p) for p in tail)
    return "\n\n".join([head, _answers(view, budget), *tail])


async def _check(manager: DialogManager) -> int:
    c = ctx(manager)
    week_id = _week_id(manager)
    await authorize(c.session, c.actor, Action.HOMEWORK_REVIEW, week_id)
    return week_id


async def get_answers(dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
    await _check(dialog_manager)
    view = dialog_manager.dialog_data[VIEW]
    nested = bool(dialog_manager.dialog_data.get(NESTED))
    return {
        "card": Html(render_card(view, ctx(dialog_manager))),
        "nested": nested,
        "top": not nested,
    }


# --- the reply ------------------------------------------------------------------------------


async def on_reply(_c: CallbackQuery, _b: Button, manager: DialogManager) -> None:
    await _check(manager)
    # One key per opened form: the same reply sent twice is stored and delivered once.
    manager.dialog_data[DRAFT_KEY] = secrets.token_urlsafe(16)
    # Below the copies of the media, which came after the window.
    await manager.switch_to(HomeworkReviewSG.reply, show_mode=ShowMode.SEND)


async def get_reply(dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
    await _check(dialog_manager)
    view = dialog_manager.dialog_data[VIEW]
    return {"family": view["family"], "week": int(view["week"])}


async def on_reply_text(message: Message, _w: Any, manager: DialogManager) -> None:
    not_text = _("Please write the reply as a text message.")
    text = form_text(message, manager, not_text, limit=homework_review.FEEDBACK_MAX_CHARS)
    if text is None:
        return
    c = ctx(manager)
    draft_key = manager.dialog_data.get(DRAFT_KEY)
    if not isinstance(draft_key, str):
        await manager.switch_to(HomeworkReviewSG.answers)
        return
    stored = await homework_review.give_feedback(
        c.session, c.require_actor(), _week_id(manager), text, draft_key, c.now()
    )
    if stored:
        view = manager.dialog_data[VIEW]
        view["feedback"] = [*view["feedback"], _cut(text, FEEDBACK_MAX)][-FEEDBACK_SHOWN:]
        view["feedback_total"] = int(view["feedback_total"]) + 1
    await manager.switch_to(HomeworkReviewSG.sent)


async def get_sent(dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
    await _check(dialog_manager)
    nested = bool(dialog_manager.dialog_data.get(NESTED))
    return {
        NOTICE: dialog_manager.dialog_data.pop(NOTICE, ""),
        "nested": nested,
        "top": not nested,
    }


async def on_text_after_sent(_m: Message, _w: Any, manager: DialogManager) -> None:
    # The form is closed: a second message is not sent on its own, the mentor decides.
    manager.dialog_data[NOTICE] = _(
        "This message was not sent: your reply has already gone to the parents. "
        "To write one more, tap «💬 Reply again»."
    )


def _close_buttons() -> list[Any]:
    return [
        Cancel(T("⬅️ Back"), id="review_back", when="nested"),
        Start(
            T("✖️ Close"),
            id="review_close",
            state=MenuSG.main,
            mode=StartMode.RESET_STACK,
            when="top",
        ),
    ]


def create_homework_review_dialog() -> Dialog:
    return Dialog(
        Window(
            T("{card}"),
            Button(T("💬 Reply"), id="reply", on_click=on_reply),
            *_close_buttons(),
            state=HomeworkReviewSG.answers,
            getter=get_answers,
        ),
        Window(
            input_error_line(),
            T(
                "Write your reply to the parents of «{family}» in one message. They will get it "
                "with the topic of week {week}."
            ),
            MessageInput(on_reply_text, content_types=ContentType.ANY),
            SwitchTo(T("⬅️ Back"), id="reply_back", state=HomeworkReviewSG.answers),
            state=HomeworkReviewSG.reply,
            getter=[get_input_error, get_reply],
        ),
        Window(
            T("{notice}\n", when=NOTICE),
            T("✅ Sent to the parents."),
            Button(T("💬 Reply again"), id="reply_again", on_click=on_reply),
            SwitchTo(T("📖 Back to the answers"), id="to_answers", state=HomeworkReviewSG.answers),
            *_close_buttons(),
            MessageInput(on_text_after_sent, content_types=ContentType.ANY),
            state=HomeworkReviewSG.sent,
            getter=get_sent,
        ),
        on_start=on_start,
    )
