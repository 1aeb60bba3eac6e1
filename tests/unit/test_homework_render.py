"""Every homework message, rendered the way the sender renders it, fits Telegram: the fake's own
validators check the HTML, the length after entity parsing and the buttons."""

from __future__ import annotations

from typing import Any

import pytest

import bot.notifications  # noqa: F401  (registers the message kinds)
from bot.config import SUPPORTED_LOCALES
from bot.content import Content
from bot.content.programmes import Programme
from bot.delivery.render import Outgoing, registry
from bot.i18n import Translator
from bot.i18n.telegram import PoI18n, create_i18n
from bot.services.homework import DONE_KIND, INVITE_KIND, REMINDER_KIND, WEEK_KIND
from bot.services.homework_review import (
    COPY_KIND,
    DIGEST_KIND,
    DIGEST_MAX_ITEMS,
    FEEDBACK_KIND,
    FEEDBACK_MAX_CHARS,
)
from tests.faketg import limits
from tests.faketg.formatting import ParsedText

LARGEST_ID = 999_999_999  # ids in callback data are at most 9 digits
# A family name at its longest, made of everything HTML would choke on.
NASTY_NAME = ("<b>Ив&анов&amp;ы</b> > " * 10)[:128]
NASTY_TEXT = ("Спасибо <за> & «неделю» </i> &lt; " * 100)[:FEEDBACK_MAX_CHARS]

CONTENT = Content()  # the shipped files, as the bot loads them
PROGRAMMES = CONTENT.programmes
WEEKS = [(code, week.number) for code, p in PROGRAMMES.items() for week in p.weeks]


@pytest.fixture(scope="module")
def i18n() -> PoI18n:
    return create_i18n("ru")


def render(i18n: PoI18n, kind: str, params: dict[str, Any], locale: str) -> Outgoing:
    return registry.render(kind, params, Translator(i18n, locale), CONTENT)


def fits(outgoing: Outgoing) -> ParsedText:
    """What Telegram would show, or a failure naming the rule the message breaks."""
    parsed = limits.render(outgoing.text, "HTML", None, what="text")
    if outgoing.media is None:
        limits.check_text(parsed)
    else:
        limits.check_caption(parsed)
    if outgoing.reply_markup is not None:
        markup = outgoing.reply_markup.model_dump(mode="json", exclude_none=True)
        limits.check_reply_markup(limits.normalize_markup(markup))
        for row in markup["inline_keyboard"]:
            for button in row:
                data = button["callback_data"].encode()
                assert len(data) <= limits.CALLBACK_DATA_MAX_BYTES
    return parsed


def week_params(programme: Programme, number: int) -> dict[str, Any]:
    return {
        "programme": programme.code,
        "week": number,
        "total": programme.length,
        "week_id": LARGEST_ID,
        "due": "26.11.2026 18:00",
    }


def test_every_programme_has_weeks() -> None:
    assert {"tochka_opory", "semeyny_pomoshnik", "semeyny_navigator"} <= set(PROGRAMMES)
    assert all(p.length for p in PROGRAMMES.values())


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
@pytest.mark.parametrize(("code", "number"), WEEKS)
def test_every_week_fits_a_message(i18n: PoI18n, code: str, number: int, locale: str) -> None:
    programme = PROGRAMMES[code]
    week = programme.week(number)
    assert week is not None
    outgoing = render(i18n, WEEK_KIND, week_params(programme, number), locale)
    parsed = fits(outgoing)
    assert limits.utf16_len(parsed.text) <= limits.TEXT_MAX
    # The first line names the programme and the week only (a lock-screen preview).
    first_line = parsed.text.splitlines()[0]
    assert programme.title.get(locale) in first_line
    assert str(programme.length) in first_line
    assert week.topic.get(locale) in parsed.text
    assert outgoing.reply_markup is not None
    [[answer]] = outgoing.reply_markup.inline_keyboard
    assert answer.callback_data == f"hw:a:{LARGEST_ID}"


def test_the_russian_week_is_in_russian(i18n: PoI18n) -> None:
    code, number = WEEKS[0]
    ru = fits(render(i18n, WEEK_KIND, week_params(PROGRAMMES[code], number), "ru")).text
    en = fits(render(i18n, WEEK_KIND, week_params(PROGRAMMES[code], number), "en")).text
    assert "неделя" in ru.splitlines()[0] and "week" in en.splitlines()[0]


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
@pytest.mark.parametrize("code", sorted(PROGRAMMES))
def test_reminders_and_done_note_fit(i18n: PoI18n, code: str, locale: str) -> None:
    last = PROGRAMMES[code].length
    for second in (False, True):
        params = {"programme": code, "week": last, "week_id": LARGEST_ID, "second": second}
        outgoing = render(i18n, REMINDER_KIND, params, locale)
        fits(outgoing)
        assert outgoing.reply_markup is not None
        data = [b.callback_data for row in outgoing.reply_markup.inline_keyboard for b in row]
        assert data == [f"hw:a:{LARGEST_ID}", f"hw:later:{LARGEST_ID}"]
    done = render(i18n, DONE_KIND, {"programme": code, "week": last}, locale)
    assert done.reply_markup is None
    fits(done)


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
@pytest.mark.parametrize("phase", ["entry", "exit"])
def test_questionnaire_invitation_fits(i18n: PoI18n, phase: str, locale: str) -> None:
    for code in PROGRAMMES:
        params = {"enrollment_id": LARGEST_ID, "programme": code, "phase": phase}
        outgoing = render(i18n, INVITE_KIND, params, locale)
        fits(outgoing)
        assert outgoing.reply_markup is not None
        [[start]] = outgoing.reply_markup.inline_keyboard
        marker = "x" if phase == "exit" else "e"
        assert start.callback_data == f"qn:{marker}:{LARGEST_ID}"


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_a_full_digest_with_nasty_names_fits(i18n: PoI18n, locale: str) -> None:
    codes = sorted(PROGRAMMES)
    items = [
        {
            "week_id": LARGEST_ID - i,
            "family": NASTY_NAME,
            "programme": codes[i % len(codes)],
            "week": 10,
            "late": True,
            "rating": 10,
        }
        for i in range(DIGEST_MAX_ITEMS)
    ]
    outgoing = render(i18n, DIGEST_KIND, {"items": items, "more": 1234}, locale)
    parsed = fits(outgoing)
    assert parsed.text.count(NASTY_NAME) == DIGEST_MAX_ITEMS  # shown as typed, not as markup
    assert "1234" in parsed.text
    assert outgoing.reply_markup is not None
    buttons = [row for row in outgoing.reply_markup.inline_keyboard]
    assert len(buttons) == DIGEST_MAX_ITEMS
    assert all(len(row) == 1 and row[0].text.strip() for row in buttons)
    assert [row[0].callback_data for row in buttons] == [f"hw:o:{i['week_id']}" for i in items]


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
@pytest.mark.parametrize("media", ["photo", "voice", "document"])
def test_a_copy_caption_fits(i18n: PoI18n, media: str, locale: str) -> None:
    params = {
        "media": media,
        "file_id": "AgACAgIAAxkBAAIB" * 4,
        "family": NASTY_NAME,
        "week": 10,
        "index": 99,
        "count": 99,
    }
    outgoing = render(i18n, COPY_KIND, params, locale)
    assert (outgoing.media, outgoing.file_id) == (media, params["file_id"])
    parsed = fits(outgoing)
    assert limits.utf16_len(parsed.text) <= limits.CAPTION_MAX
    assert NASTY_NAME in parsed.text


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
@pytest.mark.parametrize("code", sorted(PROGRAMMES))
def test_the_longest_feedback_fits(i18n: PoI18n, code: str, locale: str) -> None:
    assert len(NASTY_TEXT) == FEEDBACK_MAX_CHARS
    params = {"programme": code, "week": PROGRAMMES[code].length, "text": NASTY_TEXT}
    parsed = fits(render(i18n, FEEDBACK_KIND, params, locale))
    assert parsed.text.endswith(NASTY_TEXT.strip())
