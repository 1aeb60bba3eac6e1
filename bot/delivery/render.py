"""Message kinds: an outbox row stores a kind and parameters; the text is made at send time.

Rendering late means the recipient's current language is used and a moved meeting shows its new
time. A renderer gets the row's ``params`` and a translator for the recipient's locale::

    @message_kind("visit.reminder")
    def visit_reminder(params: dict[str, Any], t: Translator) -> Outgoing:
        text = t.gettext("Visit tomorrow at {time}").format(time=escape(params["time"]))
        return Outgoing(text=text)

A renderer that needs the loaded content (a programme's texts, the SRS scale) says so with
``@message_kind(name, with_content=True)`` and is called as ``render(params, t, content)``.

``Outgoing.text`` is HTML (the bot's default parse mode): escape every parameter that came from
people (``bot.markup.escape``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, Protocol, overload

from aiogram.types import InlineKeyboardMarkup

if TYPE_CHECKING:
    from bot.content import Content


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
ContentRenderer = Callable[[dict[str, Any], Translator, "Content"], Outgoing]
TranslatorFactory = Callable[[str], Translator]


class UnknownKind(LookupError):
    def __init__(self, kind: str) -> None:
        super().__init__(kind)
        self.kind = kind


class KindRegistry:
    def __init__(self) -> None:
        self._renderers: dict[str, Renderer] = {}
        self._content_renderers: dict[str, ContentRenderer] = {}

    def register(self, name: str, renderer: Renderer, *, replace: bool = False) -> None:
        self._check_free(name, renderer, replace)
        self._content_renderers.pop(name, None)
        self._renderers[name] = renderer

    def register_with_content(
        self, name: str, renderer: ContentRenderer, *, replace: bool = False
    ) -> None:
        """A renderer called with the loaded content as a third argument."""
        self._check_free(name, renderer, replace)
        self._renderers.pop(name, None)
        self._content_renderers[name] = renderer

    def _check_free(self, name: str, renderer: object, replace: bool) -> None:
        existing = self.get(name)
        if existing is not None and existing is not renderer and not replace:
            raise ValueError(f"message kind {name!r} is already registered")

    def get(self, name: str) -> Renderer | ContentRenderer | None:
        return self._renderers.get(name) or self._content_renderers.get(name)

    def render(
        self, kind: str, params: dict[str, Any], translator: Translator, content: Content
    ) -> Outgoing:
        renderer = self._renderers.get(kind)
        if renderer is not None:
            return renderer(params, translator)
        with_content = self._content_renderers.get(kind)
        if with_content is not None:
            return with_content(params, translator, content)
        raise UnknownKind(kind)

    def __contains__(self, name: object) -> bool:
        return name in self._renderers or name in self._content_renderers

    def __iter__(self) -> Iterator[str]:
        return iter(sorted({*self._renderers, *self._content_renderers}))


# The registry production kinds register into; the sender uses it unless given another one.
registry = KindRegistry()


@overload
def message_kind(
    name: str, *, into: KindRegistry | None = None, with_content: Literal[False] = False
) -> Callable[[Renderer], Renderer]: ...


@overload
def message_kind(
    name: str, *, into: KindRegistry | None = None, with_content: Literal[True]
) -> Callable[[ContentRenderer], ContentRenderer]: ...


def message_kind(
    name: str, *, into: KindRegistry | None = None, with_content: bool = False
) -> Callable[[Any], Any]:
    """Register ``render(params, t) -> Outgoing`` under ``name`` (in the default registry); with
    ``with_content=True``, ``render(params, t, content) -> Outgoing``."""
    target = registry if into is None else into

    def decorate(renderer: Any) -> Any:
        if with_content:
            target.register_with_content(name, renderer)
        else:
            target.register(name, renderer)
        return renderer

    return decorate


@dataclass(frozen=True)
class PassthroughTranslator:
    """Returns messages unchanged: tests, benches, and a fallback before i18n is wired."""

    locale: str

    def gettext(self, message: str) -> str:
        return message
