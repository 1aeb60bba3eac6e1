"""Every text the code can show has a translation in both locales, with the same placeholders."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from bot.config import SUPPORTED_LOCALES
from bot.i18n import LOCALES_DIR, create_i18n

ROOT = Path(__file__).resolve().parents[2]
KEYWORDS = {"_": None, "N_": None, "T": None, "gettext": None}
PLACEHOLDER = re.compile(r"\{[^{}]*\}")
TAG = re.compile(r"</?[a-z-]+")


def code_messages() -> set[str]:
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(ROOT / "bot"), keywords=KEYWORDS, comment_tags=()
    ):
        if isinstance(message, str) and message:
            found.add(message)
    return found


def catalog(locale: str):  # type: ignore[no-untyped-def]
    path = LOCALES_DIR / locale / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as handle:
        return read_po(handle, locale=locale)


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_every_message_of_the_code_is_translated(locale: str) -> None:
    messages = {m.id: m for m in catalog(locale) if m.id}
    missing = sorted(code_messages() - set(messages))
    assert not missing, f"run scripts/i18n.sh and translate: {missing}"
    untranslated = sorted(m.id for m in messages.values() if not m.string or m.fuzzy)
    assert not untranslated, f"{locale}: no translation for {untranslated}"


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_translations_keep_placeholders_and_tags(locale: str) -> None:
    for message in catalog(locale):
        if not message.id:
            continue
        assert sorted(PLACEHOLDER.findall(message.id)) == sorted(
            PLACEHOLDER.findall(message.string)
        ), (locale, message.id)
        assert TAG.findall(message.id) == TAG.findall(message.string), (locale, message.id)


def test_catalogs_compile_at_start_and_translate() -> None:
    i18n = create_i18n("ru")
    assert set(i18n.available_locales) == set(SUPPORTED_LOCALES)
    assert i18n.gettext("Main menu", locale="ru") == "Главное меню"
    assert i18n.gettext("Main menu", locale="en") == "Main menu"
