"""gettext for aiogram: catalogs compiled from .po in memory at start, no manual step."""

from __future__ import annotations

import gettext
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from aiogram.types import TelegramObject
from aiogram.utils.i18n import I18n, I18nMiddleware

from bot.config import SUPPORTED_LOCALES
from bot.i18n import DOMAIN, LOCALES_DIR, compile_catalog, locale_for

__all__ = ["I18n", "LocaleMiddleware", "PoI18n", "create_i18n"]


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


class LocaleMiddleware(I18nMiddleware):
    async def get_locale(self, event: TelegramObject, data: dict[str, Any]) -> str:
        return locale_for(
            data.get("person_locale"), data.get("event_from_user"), self.i18n.default_locale
        )
