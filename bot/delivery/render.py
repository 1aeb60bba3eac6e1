"""Message kinds: an outbox row stores a kind and parameters; the text is made at send time.

Rendering late means the recipient's current language is used and a moved meeting shows its new
time. A renderer gets the row's ``params`` and a translator for the recipient's locale::

    @message_kind("visit.reminder")
    def visit_reminder(params: dict[str, Any], t: Translator) -> Outgoing:
        text = t.gettext("Visit tomorrow at {time}").format(time=escape(params["time"]))
        return Outgoing(text=text)

``Outgoing.text`` is HTML (the bot's default parse mode): escape every parameter that came from
people (``html.escape``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, Protocol

from aiogram.types import InlineKeyboardMarkup


class Translator(Protocol):
    @property
    def locale(self) -> str: ...

    def gettext(self, message: str) -> str: ...


@dataclass(frozen=True)
class Outgoing:
    """A text message, or with ``media`` ("photo", "voice", "document") and ``file_id`` a copy
    of a file Telegram already has, with ``text`` as its caption (1024 characters at most)."""

    text: str
    reply_markup: InlineKeyboardMarkup | None = None
    disable_notification: bool | None = None
    media: str | None = None
    file_id: str | None = None


Renderer = Callable[[dict[str, Any], Translator], Outgoing]
TranslatorFactory = Callable[[str], Translator]


class UnknownKind(LookupError):
    def __init__(self, kind: str) -> None:
        super().__init__(kind)
        self.kind = kind


class KindRegistry:
    def __init__(self) -> None:
        self._renderers: dict[str, Renderer] = {}

    def register(self, name: str, renderer: Renderer, *, replace: bool = False) -> None:
        existing = self._renderers.get(name)
        if existing is not None and existing is not renderer and not replace:
            raise ValueError(f"message kind {name!r} is already registered")
        self._renderers[name] = renderer

    def get(self, name: str) -> Renderer | None:
        return self._renderers.get(name)

    def render(self, kind: str, params: dict[str, Any], translator: Translator) -> Outgoing:
        renderer = self._renderers.get(kind)
        if renderer is None:
            raise UnknownKind(kind)
        return renderer(params, translator)

    def __contains__(self, name: object) -> bool:
        return name in self._renderers

    def __iter__(self) -> Iterator[str]:
        return iter(sorted(self._renderers))


# The registry production kinds register into; the sender uses it unless given another one.
registry = KindRegistry()


def message_kind(name: str, *, into: KindRegistry | None = None) -> Callable[[Renderer], Renderer]:
    """Register ``render(params, t) -> Outgoing`` under ``name`` (in the default registry)."""

    def decorate(renderer: Renderer) -> Renderer:
        (registry if into is None else into).register(name, renderer)
        return renderer

    return decorate


@dataclass(frozen=True)
class PassthroughTranslator:
    """Returns messages unchanged: tests, benches, and a fallback before i18n is wired."""

    locale: str

    def gettext(self, message: str) -> str:
        return message
