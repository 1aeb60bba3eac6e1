"""Translation without Telegram: the extraction mark, the catalogs and a gettext bound to a locale.

Services and notifications use this package; `bot.i18n.telegram` binds it to aiogram (the
middleware that picks each update's locale, and the `I18n` object the dispatcher carries).
"""

from __future__ import annotations

import gettext
import io
from pathlib import Path
from typing import TYPE_CHECKING

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from bot.config import SUPPORTED_LOCALES

if TYPE_CHECKING:
    from aiogram.types import User
    from aiogram.utils.i18n import I18n

LOCALES_DIR = Path(__file__).resolve().parent.parent.parent / "locales"
DOMAIN = "messages"


def N_(message: str) -> str:
    """Marks a string for extraction; it is translated where it is shown."""
    return message


def compile_catalog(po_path: Path) -> gettext.GNUTranslations:
    with po_path.open("rb") as source:
        catalog = read_po(source, locale=po_path.parent.parent.name)
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


def locale_for(stored: str | None, user: User | None, default: str) -> str:
    """The user's choice, then Telegram's language, then the service default."""
    if stored in SUPPORTED_LOCALES:
        return stored
    code = (user.language_code or "").split("-")[0].lower() if user else ""
    return code if code in SUPPORTED_LOCALES else default


class Translator:
    """gettext bound to one locale, for messages rendered outside an update (outbox, jobs)."""

    def __init__(self, i18n: I18n, locale: str) -> None:
        self.i18n = i18n
        self.locale = locale

    def gettext(self, message: str) -> str:
        return self.i18n.gettext(message, locale=self.locale)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self.i18n.gettext(singular, plural, n, locale=self.locale)
