"""Telegram's HTML parse mode: visible text + MessageEntity list, or a 400-style parse error.

Follows https://core.telegram.org/bots/api#html-style. Where tdlib is known to be lenient the
fake is stricter on purpose (documented at each spot): a stray "&", unknown named entities,
unknown attributes and `<a>` without href are rejected, because the docs forbid them and a bot
relying on the leniency is one escaping bug away from a real 400.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

# Tag -> entity type. Aliases follow the docs.
_TAGS: dict[str, str] = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "span": "spoiler",
    "tg-spoiler": "spoiler",
    "a": "text_link",
    "tg-emoji": "custom_emoji",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
}
_ALLOWED_ATTRS: dict[str, set[str]] = {
    "a": {"href"},
    "span": {"class"},
    "tg-emoji": {"emoji-id"},
    "code": {"class"},
    "blockquote": {"expandable"},
}
_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_ENTITY_RE = re.compile(r"&(?:(lt|gt|amp|quot)|#(\d{1,8})|#[xX]([0-9a-fA-F]{1,7}));")
_LOOKS_LIKE_ENTITY_RE = re.compile(r"&#?[0-9a-zA-Z]+;")
_TAG_NAME_RE = re.compile(r"[a-zA-Z][a-zA-Z0-9-]*")
_ATTR_NAME_RE = re.compile(r"[a-zA-Z_][a-zA-Z0-9_-]*")


class EntityParseError(ValueError):
    """Text as Telegram reports it after 'Bad Request: can't parse entities: '."""


@dataclass
class ParsedText:
    text: str
    entities: list[dict[str, Any]] = field(default_factory=list)


def utf16_len(text: str) -> int:
    """Telegram measures offsets and lengths in UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


@dataclass
class _Open:
    tag: str
    offset: int  # UTF-16 offset of the entity start in the output
    attrs: dict[str, str | None]
    byte_offset: int


def parse_html(source: str) -> ParsedText:
    out: list[str] = []
    out_len = 0  # UTF-16 length of "".join(out)
    stack: list[_Open] = []
    entities: list[dict[str, Any]] = []
    i = 0
    n = len(source)

    def byte_at(pos: int) -> int:
        return len(source[:pos].encode("utf-8"))

    while i < n:
        ch = source[i]
        if ch == "&":
            char, i = _entity(source, i, byte_at)
            out.append(char)
            out_len += utf16_len(char)
            continue
        if ch != "<":
            out.append(ch)
            out_len += utf16_len(ch)
            i += 1
            continue
        start = i
        if source.startswith("</", i):
            close = source.find(">", i)
            if close < 0:
                raise EntityParseError(f"Unclosed end tag at byte offset {byte_at(start)}")
            name = source[i + 2 : close].strip().lower()
            if not stack:
                raise EntityParseError(
                    f'Unexpected end tag "</{name}>" at byte offset {byte_at(start)}'
                )
            top = stack.pop()
            if top.tag != name:
                raise EntityParseError(
                    f"Unmatched end tag at byte offset {byte_at(start)}, "
                    f'expected "</{top.tag}>", found "</{name}>"'
                )
            entity = _make_entity(top, out_len - top.offset, stack)
            if entity is not None:
                entities.append(entity)
            i = close + 1
            continue
        # Start tag.
        match = _TAG_NAME_RE.match(source, i + 1)
        if match is None:
            # Telegram: a "<" that starts no tag must be written as "&lt;".
            raise EntityParseError(
                f'Unexpected "<" at byte offset {byte_at(start)}; use "&lt;" for a literal "<"'
            )
        name = match.group(0).lower()
        if name not in _TAGS:
            raise EntityParseError(
                f'Unsupported start tag "{name}" at byte offset {byte_at(start)}'
            )
        attrs, i = _attributes(source, match.end(), name, start, byte_at)
        _check_nesting(name, attrs, stack, byte_at(start))
        stack.append(_Open(name, out_len, attrs, byte_at(start)))
    if stack:
        raise EntityParseError(f'Can\'t find end tag corresponding to start tag "{stack[-1].tag}"')
    # Entities are listed by offset (outer before inner when they start together).
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return ParsedText("".join(out), entities)


def _entity(source: str, i: int, byte_at: Any) -> tuple[str, int]:
    match = _ENTITY_RE.match(source, i)
    if match is None:
        looks = _LOOKS_LIKE_ENTITY_RE.match(source, i)
        if looks:
            # tdlib would keep an unknown entity as literal text; the docs allow only these.
            raise EntityParseError(
                f'Unsupported HTML entity "{looks.group(0)}" at byte offset {byte_at(i)}; '
                "only &lt; &gt; &amp; &quot; and numeric entities are supported"
            )
        # tdlib keeps a stray "&" as is; the docs say it must be escaped, so the fake insists.
        raise EntityParseError(
            f'Character "&" at byte offset {byte_at(i)} must be escaped as "&amp;"'
        )
    named, dec, hexa = match.groups()
    if named:
        return _NAMED_ENTITIES[named], match.end()
    code = int(dec) if dec else int(hexa, 16)
    if code == 0 or code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
        raise EntityParseError(f"Invalid HTML entity at byte offset {byte_at(i)}")
    return chr(code), match.end()


def _attributes(
    source: str, i: int, tag: str, start: int, byte_at: Any
) -> tuple[dict[str, str | None], int]:
    attrs: dict[str, str | None] = {}
    n = len(source)
    while True:
        while i < n and source[i] in " \t\r\n":
            i += 1
        if i >= n:
            raise EntityParseError(f"Unclosed start tag at byte offset {byte_at(start)}")
        if source[i] == ">":
            return attrs, i + 1
        match = _ATTR_NAME_RE.match(source, i)
        if match is None:
            raise EntityParseError(
                f'Unexpected character "{source[i]}" in tag "{tag}" at byte offset {byte_at(i)}'
            )
        name = match.group(0).lower()
        i = match.end()
        value: str | None = None
        if i < n and source[i] == "=":
            i += 1
            if i < n and source[i] in "\"'":
                quote = source[i]
                end = source.find(quote, i + 1)
                if end < 0:
                    raise EntityParseError(f"Unclosed start tag at byte offset {byte_at(start)}")
                raw = source[i + 1 : end]
                i = end + 1
            else:
                end = i
                while end < n and source[end] not in " \t\r\n>":
                    end += 1
                raw = source[i:end]
                i = end
            value = _decode_attr(raw, byte_at, start)
        if name not in _ALLOWED_ATTRS.get(tag, set()):
            # tdlib ignores unknown attributes; rejected here so typos surface.
            raise EntityParseError(
                f'Unsupported attribute "{name}" in tag "{tag}" at byte offset {byte_at(start)}'
            )
        attrs[name] = value


def _decode_attr(raw: str, byte_at: Any, start: int) -> str:
    out: list[str] = []
    j = 0
    while j < len(raw):
        if raw[j] == "&":
            char, j2 = _entity(raw, j, lambda _pos: byte_at(start))
            out.append(char)
            j = j2
        else:
            out.append(raw[j])
            j += 1
    return "".join(out)


def _check_nesting(tag: str, attrs: dict[str, str | None], stack: list[_Open], at: int) -> None:
    inside = [o.tag for o in stack]
    if "code" in inside:
        raise EntityParseError(f'Tag "{tag}" can\'t be nested in "code" at byte offset {at}')
    if "pre" in inside and tag != "code":
        raise EntityParseError(f'Tag "{tag}" can\'t be nested in "pre" at byte offset {at}')
    if tag == "pre" and inside:
        raise EntityParseError(f'Tag "pre" can\'t be nested in "{inside[-1]}" at byte offset {at}')
    if tag == "blockquote" and "blockquote" in inside:
        raise EntityParseError(f"Blockquote entities can't be nested at byte offset {at}")
    if tag == "a" and "a" in inside:
        raise EntityParseError(f"Links can't be nested at byte offset {at}")
    if tag == "a" and not attrs.get("href"):
        # tdlib would use the link text as URL; an empty href is almost surely a bug.
        raise EntityParseError(f'Tag "a" must have a non-empty "href" at byte offset {at}')
    if tag == "span" and attrs.get("class") != "tg-spoiler":
        raise EntityParseError(f'Tag "span" must have class "tg-spoiler" at byte offset {at}')
    if tag == "tg-emoji" and not (attrs.get("emoji-id") or "").isdigit():
        raise EntityParseError(f'Tag "tg-emoji" must have a numeric "emoji-id" at byte offset {at}')
    if tag == "code" and "class" in attrs:
        css = attrs["class"] or ""
        if not (inside and inside[-1] == "pre" and re.fullmatch(r"language-[\w+#.-]+", css)):
            raise EntityParseError(
                f'Attribute class="{css}" of "code" is only valid as '
                f'class="language-…" directly inside "pre", at byte offset {at}'
            )


def _make_entity(opened: _Open, length: int, stack: list[_Open]) -> dict[str, Any] | None:
    if length == 0:
        return None  # Telegram drops empty entities.
    kind = _TAGS[opened.tag]
    entity: dict[str, Any] = {"type": kind, "offset": opened.offset, "length": length}
    if kind == "text_link":
        entity["url"] = opened.attrs["href"]
    elif kind == "custom_emoji":
        entity["custom_emoji_id"] = opened.attrs["emoji-id"]
    elif kind == "blockquote" and "expandable" in opened.attrs:
        entity["type"] = "expandable_blockquote"
    elif kind == "code" and stack and stack[-1].tag == "pre":
        # <pre><code class="language-x"> is one pre entity with a language, not two entities.
        css = opened.attrs.get("class")
        if css:
            stack[-1].attrs["language"] = css.removeprefix("language-")
        return None
    elif kind == "pre" and opened.attrs.get("language"):
        entity["language"] = opened.attrs["language"]
    return entity


def strip_text(parsed: ParsedText) -> ParsedText:
    """Telegram trims leading/trailing whitespace of message texts and clips entities to it."""
    text = parsed.text
    lead = len(text) - len(text.lstrip())
    stripped = text.strip()
    if not stripped:
        return ParsedText("", [])
    shift = utf16_len(text[:lead])
    total = utf16_len(stripped)
    entities: list[dict[str, Any]] = []
    for entity in parsed.entities:
        start = max(entity["offset"] - shift, 0)
        end = min(entity["offset"] + entity["length"] - shift, total)
        if end > start:
            entities.append({**entity, "offset": start, "length": end - start})
    return ParsedText(stripped, entities)
