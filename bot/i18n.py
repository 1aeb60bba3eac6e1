"""gettext i18n: catalogs compiled from .po in memory at start, so there is no manual step."""

from __future__ import annotations

import gettext
import io
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from aiogram.types import TelegramObject, User
from aiogram.utils.i18n import I18n, I18nMiddleware
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from bot.config import SUPPORTED_LOCALES

LOCALES_DIR = Path(__file__).resolve().parent.parent / "locales"
DOMAIN = "messages"


def compile_catalog(po_path: Path) -> gettext.GNUTranslations:
    with po_path.open("rb") as source:
        catalog = read_po(source, locale=po_path.parent.parent.name)
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


class PoI18n(I18n):
    @contextmanager
    def context(self) -> Iterator[I18n]:
        # Each subclass of aiogram's I18n gets its own context variable, but `gettext` reads
        # I18n's: register ourselves there.
        token = I18n.set_current(self)
        try:
            yield self
        finally:
            I18n.reset_current(token)

    def find_locales(self) -> dict[str, gettext.GNUTranslations]:
        found: dict[str, gettext.GNUTranslations] = {}
        for locale in SUPPORTED_LOCALES:
            po_path = self.path / locale / "LC_MESSAGES" / f"{self.domain}.po"
            if not po_path.exists():
                raise RuntimeError(f"{po_path}: translation catalog is missing")
            found[locale] = compile_catalog(po_path)
        return found


def create_i18n(default_locale: str, path: Path = LOCALES_DIR) -> PoI18n:
    return PoI18n(path=path, default_locale=default_locale, domain=DOMAIN)


def locale_for(stored: str | None, user: User | None, default: str) -> str:
    """The user's choice, then Telegram's language, then the service default."""
    if stored in SUPPORTED_LOCALES:
        return stored
    code = (user.language_code or "").split("-")[0].lower() if user else ""
    return code if code in SUPPORTED_LOCALES else default


class LocaleMiddleware(I18nMiddleware):
    async def get_locale(self, event: TelegramObject, data: dict[str, Any]) -> str:
        return locale_for(
            data.get("person_locale"), data.get("event_from_user"), self.i18n.default_locale
        )


class Translator:
    """gettext bound to one locale, for messages rendered outside an update (outbox, jobs)."""

    def __init__(self, i18n: I18n, locale: str) -> None:
        self.i18n = i18n
        self.locale = locale

    def gettext(self, message: str) -> str:
        return self.i18n.gettext(message, locale=self.locale)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self.i18n.gettext(singular, plural, n, locale=self.locale)
