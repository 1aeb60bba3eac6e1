"""Telegram's content rules beyond the types in api.json: lengths, keyboards, commands."""

from __future__ import annotations

import re
from functools import cache
from typing import Any

from .errors import bad_request
from .formatting import EntityParseError, ParsedText, parse_html, strip_text, utf16_len
from .spec import load_spec

TEXT_MAX = 4096
CAPTION_MAX = 1024
CALLBACK_DATA_MAX_BYTES = 64
CALLBACK_ANSWER_TEXT_MAX = 200
# tdlib (td/telegram/ReplyMarkup.cpp) silently drops buttons beyond 12 per row or 300 in total;
# dropping is a silent bug, so the fake rejects instead. The total is kept at a conservative 100
# because Telegram's servers may cap the markup size lower than tdlib does.
ROW_MAX = 12
INLINE_BUTTONS_MAX = 100
COMMANDS_MAX = 100
COMMAND_RE = re.compile(r"[a-z0-9_]{1,32}")
COMMAND_DESCRIPTION_MAX = 256
LANGUAGE_CODE_RE = re.compile(r"[a-z]{2}")
BUTTON_URL_RE = re.compile(r"(https?://[^\s/$.?#][^\s]*|tg://[a-z_]+(\?\S*)?)", re.IGNORECASE)
CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)
PARSE_MODES = ("HTML", "MarkdownV2", "Markdown")


def render(
    text: str | None,
    parse_mode: str | None,
    entities: list[dict[str, Any]] | None,
    *,
    what: str,
) -> ParsedText:
    """Visible text and entities of a text or caption, as Telegram stores them."""
    text = text or ""
    if parse_mode is not None:
        if parse_mode not in PARSE_MODES:
            raise bad_request(f"unsupported parse_mode {parse_mode!r}")
        if parse_mode != "HTML":
            # The project formats with HTML; the fake has no Markdown parser and refuses to pass
            # Markdown unchecked.
            raise bad_request(f"fake Telegram does not parse {parse_mode}; use HTML")
        # With parse_mode set the Bot API parses the text and ignores `entities`.
        try:
            parsed = parse_html(text)
        except EntityParseError as exc:
            raise bad_request(f"can't parse entities: {exc}") from exc
    else:
        parsed = ParsedText(text, list(entities or []))
        total = utf16_len(text)
        for entity in parsed.entities:
            if entity["offset"] < 0 or entity["offset"] + entity["length"] > total:
                raise bad_request(f"can't parse entities: {what} entity is out of the text")
    return strip_text(parsed)


def check_text(parsed: ParsedText) -> None:
    if not parsed.text:
        raise bad_request("message text is empty")
    # Counted in UTF-16 units: the stricter of the two plausible readings of "characters".
    if utf16_len(parsed.text) > TEXT_MAX:
        raise bad_request(
            f"message is too long ({utf16_len(parsed.text)} characters after entity parsing, "
            f"max {TEXT_MAX})"
        )


def check_caption(parsed: ParsedText) -> None:
    if utf16_len(parsed.text) > CAPTION_MAX:
        raise bad_request(
            f"message caption is too long ({utf16_len(parsed.text)} characters after entity "
            f"parsing, max {CAPTION_MAX})"
        )


@cache
def _inline_action_fields() -> frozenset[str]:
    fields = load_spec().types["InlineKeyboardButton"]["fields"]
    return frozenset(f["name"] for f in fields) - {"text", "icon_custom_emoji_id", "style"}


@cache
def _reply_action_fields() -> frozenset[str]:
    fields = load_spec().types["KeyboardButton"]["fields"]
    return frozenset(f["name"] for f in fields) - {"text", "icon_custom_emoji_id", "style"}


def normalize_markup(markup: dict[str, Any] | None) -> dict[str, Any] | None:
    """Markup as Telegram keeps it: tdlib drops empty rows, and a keyboard left without rows
    is no keyboard at all."""
    if markup is None:
        return None
    for key in ("inline_keyboard", "keyboard"):
        if key in markup:
            rows = [row for row in markup[key] if row]
            return {**markup, key: rows} if rows else None
    return markup


def check_reply_markup(markup: dict[str, Any] | None) -> None:
    if markup is None:
        return
    if "inline_keyboard" in markup:
        check_inline_keyboard(markup)
    elif "keyboard" in markup:
        _check_reply_keyboard(markup)
    elif "remove_keyboard" in markup and markup["remove_keyboard"] is not True:
        raise bad_request("remove_keyboard must be True")
    elif "force_reply" in markup and markup["force_reply"] is not True:
        raise bad_request("force_reply must be True")


def check_inline_keyboard(markup: dict[str, Any]) -> None:
    rows: list[list[dict[str, Any]]] = markup["inline_keyboard"]
    total = 0
    for r, row in enumerate(rows):
        # Empty rows are fine: tdlib skips them (normalize_markup does the same).
        if len(row) > ROW_MAX:
            raise bad_request(
                f"reply_markup.inline_keyboard[{r}] has {len(row)} buttons (max {ROW_MAX})"
            )
        total += len(row)
        for c, button in enumerate(row):
            _check_inline_button(button, f"reply_markup.inline_keyboard[{r}][{c}]")
    if total > INLINE_BUTTONS_MAX:
        raise bad_request(f"too many inline buttons: {total} (max {INLINE_BUTTONS_MAX})")


def _check_inline_button(button: dict[str, Any], where: str) -> None:
    if not button["text"].strip():
        # tdlib silently drops such a button; a vanished button is a bug, so reject it.
        raise bad_request(f"{where}: button text is empty")
    actions = sorted(set(button) & _inline_action_fields())
    if len(actions) != 1:
        raise bad_request(
            f"{where}: an inline button needs exactly one action field, got {actions or 'none'}"
        )
    if "callback_data" in button:
        size = len(button["callback_data"].encode("utf-8"))
        if not 1 <= size <= CALLBACK_DATA_MAX_BYTES:
            raise bad_request(
                f"BUTTON_DATA_INVALID: {where}.callback_data is {size} bytes "
                f"(must be 1-{CALLBACK_DATA_MAX_BYTES} bytes in UTF-8)"
            )
    if "url" in button and not BUTTON_URL_RE.fullmatch(button["url"]):
        raise bad_request(
            f"BUTTON_URL_INVALID: {where}.url {button['url']!r} must be http(s):// or tg://"
        )


def _check_reply_keyboard(markup: dict[str, Any]) -> None:
    for r, row in enumerate(markup["keyboard"]):
        if len(row) > ROW_MAX:
            raise bad_request(f"reply_markup.keyboard[{r}] has {len(row)} buttons (max {ROW_MAX})")
        for c, button in enumerate(row):
            where = f"reply_markup.keyboard[{r}][{c}]"
            if not button["text"].strip():
                raise bad_request(f"{where}: keyboard button text is empty")
            actions = sorted(set(button) & _reply_action_fields())
            if len(actions) > 1:
                raise bad_request(f"{where}: at most one optional field may be used: {actions}")


def check_commands(commands: list[dict[str, Any]], language_code: str | None) -> None:
    if len(commands) > COMMANDS_MAX:
        raise bad_request(f"too many commands: {len(commands)} (max {COMMANDS_MAX})")
    seen: set[str] = set()
    for i, command in enumerate(commands):
        name = command["command"]
        if not COMMAND_RE.fullmatch(name):
            raise bad_request(
                f"BOT_COMMAND_INVALID: commands[{i}].command {name!r} must be 1-32 characters "
                "of a-z, 0-9 and _"
            )
        if name in seen:
            raise bad_request(f"BOT_COMMAND_INVALID: duplicate command {name!r}")
        seen.add(name)
        if not 1 <= len(command["description"]) <= COMMAND_DESCRIPTION_MAX:
            raise bad_request(
                f"BOT_COMMAND_DESCRIPTION_INVALID: commands[{i}].description must be "
                f"1-{COMMAND_DESCRIPTION_MAX} characters"
            )
    if language_code and not LANGUAGE_CODE_RE.fullmatch(language_code):
        raise bad_request(f"language_code {language_code!r} must be a two-letter ISO 639-1 code")
