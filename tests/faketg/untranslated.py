"""English left in a Russian message: a catalog text that went out untranslated.

A gettext call that extraction never saw (inside an f-string, say) still runs, and returns its
English msgid to a Russian reader. The fake flags a text, caption, button or toast of a Russian
message that holds, verbatim, a multi-word English fragment of a catalog msgid whose Russian
translation differs.

*Fragments* are the pieces of a msgid between its placeholders ``{...}``, HTML tags and line
breaks, with 3 or more words that have letters; a piece the Russian catalog itself keeps verbatim
(a command list, a name) is no evidence and is left out.

*A Russian message* is one with Cyrillic that shows the bot's own Russian wording (two
neighbouring words of a Russian translation that no English msgid quotes), sent to a user whose
Telegram language is not English. Cyrillic alone is not enough: English messages carry Russian
family names, children's words and notes people typed, and those may share a pair of words with a
translation («Коротко о ситуации»); a user whose Telegram speaks English gets English unless
they picked Russian in the menu, a case this check leaves out.

Both indexes are built once per process, on first use, from locales/*/LC_MESSAGES/messages.po.
A message is looked up by its word trigrams (dictionary hits), so the check costs little next to
the fake's HTML parsing; a candidate is confirmed by a plain substring test.
"""

from __future__ import annotations

import html
import itertools
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from babel.messages.pofile import read_po

LOCALES_DIR = Path(__file__).resolve().parents[2] / "locales"

# English that may legitimately go out in a Russian message, with the reason: keep it short and
# exact (a whole fragment, not a word).
ALLOWED_ENGLISH: frozenset[str] = frozenset()

# Where a msgid is cut: placeholders, HTML tags, line breaks.
CUT = re.compile(r"\{[^{}]*\}|</?[A-Za-z][^<>]*>|\n")
LATIN_WORD = re.compile(r"[A-Za-z]+")
CYRILLIC_WORD = re.compile(r"[А-Яа-яЁё]+")
CYRILLIC = re.compile(r"[А-Яа-яЁё]")
LETTER = re.compile(r"[^\W\d_]")
# Between two words of one phrase: spaces and punctuation, no digits, letters or line breaks.
PHRASE_GAP = re.compile(r"[^\w\n]*")
MIN_ENGLISH_WORDS = 3


@dataclass(frozen=True)
class Fragment:
    text: str
    # Where the msgid glues a letter to a placeholder or a tag, the sent text may go on with
    # letters there; elsewhere the fragment's first and last letters are word boundaries.
    open_start: bool
    open_end: bool

    def occurs_in(self, text: str) -> bool:
        start = text.find(self.text)
        while start >= 0:
            end = start + len(self.text)
            if (
                self.open_start
                or not self.text[0].isalpha()
                or start == 0
                or not text[start - 1].isalpha()
            ) and (
                self.open_end
                or not self.text[-1].isalpha()
                or end == len(text)
                or not text[end].isalpha()
            ):
                return True
            start = text.find(self.text, start + 1)
        return False


@dataclass(frozen=True)
class Index:
    """Fragments by their first words: a message's word n-grams find candidates cheaply."""

    by_key: dict[tuple[str, ...], tuple[Fragment, ...]]
    key_sizes: tuple[int, ...]

    def found_in(self, text: str, words: list[str]) -> list[str]:
        hits: list[str] = []
        for size in self.key_sizes:
            for i in range(len(words) - size + 1):
                for fragment in self.by_key.get(tuple(words[i : i + size]), ()):
                    if fragment.text not in hits and fragment.occurs_in(text):
                        hits.append(fragment.text)
        return hits


def _pieces(message: str) -> list[tuple[str, bool, bool]]:
    """A msgid's pieces between cuts: (piece, glued to the cut before, glued to the cut after).

    A piece is glued where a letter touches a placeholder or a tag: its first or last word may
    then be part of a longer word in the sent text, so it does not key the index."""
    pieces = []
    start = 0
    for cut in [*CUT.finditer(message), None]:
        end = cut.start() if cut else len(message)
        piece = message[start:end]
        glued_before = start > 0 and message[start - 1] != "\n" and piece[:1].isalpha()
        glued_after = cut is not None and cut.group() != "\n" and piece[-1:].isalpha()
        pieces.append((piece, glued_before, glued_after))
        start = cut.end() if cut else end
    return pieces


def _words_with_letters(piece: str) -> int:
    return sum(1 for token in piece.split() if LETTER.search(token))


def _build(fragments: Iterable[tuple[Fragment, tuple[str, ...]]]) -> Index:
    by_key: dict[tuple[str, ...], list[Fragment]] = {}
    for fragment, key in fragments:
        bucket = by_key.setdefault(key, [])
        if fragment not in bucket:
            bucket.append(fragment)
    sizes = tuple(sorted({len(key) for key in by_key}, reverse=True))
    return Index({k: tuple(v) for k, v in by_key.items()}, sizes)


def translations(locale: str, locales_dir: Path = LOCALES_DIR) -> dict[str, str]:
    """msgid → translation of one catalog (the untranslated left out)."""
    path = locales_dir / locale / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=locale)
    found = {}
    for message in catalog:
        if not message.id or not message.string or message.fuzzy:
            continue  # the bot shows the msgid of these
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for msgid, msgstr in zip(ids, strings, strict=False):
            found[msgid] = msgstr
    return found


def english_fragments(ru: dict[str, str]) -> Index:
    kept_in_russian = "\n".join(ru.values())
    fragments = []
    for msgid, msgstr in ru.items():
        if msgstr == msgid:
            continue
        for raw, glued_before, glued_after in _pieces(msgid):
            fragment = html.unescape(raw).strip()
            if _words_with_letters(fragment) < MIN_ENGLISH_WORDS:
                continue
            if fragment in kept_in_russian or fragment in ALLOWED_ENGLISH:
                continue
            words = LATIN_WORD.findall(fragment)
            # Only words that are whole in any text holding the fragment key the index.
            if glued_before:
                words = words[1:]
            if glued_after:
                words = words[:-1]
            if words:
                found = Fragment(fragment, glued_before, glued_after)
                fragments.append((found, tuple(words[:MIN_ENGLISH_WORDS])))
    return _build(fragments)


def _phrases(text: str) -> list[list[str]]:
    """Runs of Cyrillic words, lower-cased, that only spaces and punctuation separate."""
    runs: list[list[str]] = []
    last_end = -1
    for match in CYRILLIC_WORD.finditer(text):
        word = match.group().lower().replace("ё", "е")
        if runs and PHRASE_GAP.fullmatch(text, last_end, match.start()):
            runs[-1].append(word)
        else:
            runs.append([word])
        last_end = match.end()
    return runs


def _pairs(message: str) -> set[tuple[str, ...]]:
    pairs: set[tuple[str, ...]] = set()
    for piece, _before, _after in _pieces(message):
        for run in _phrases(html.unescape(piece)):
            pairs.update(itertools.pairwise(run))
    return pairs


def russian_phrases(ru: dict[str, str]) -> frozenset[tuple[str, ...]]:
    """Pairs of neighbouring words of the Russian translations that no English text has (an
    English msgid may quote Russian: «for example «Анна Петровна»»)."""
    pairs: set[tuple[str, ...]] = set()
    in_english: set[tuple[str, ...]] = set()
    for msgid, msgstr in ru.items():
        if msgstr != msgid:
            pairs |= _pairs(msgstr)
        in_english |= _pairs(msgid)
    return frozenset(pairs - in_english)


@dataclass(frozen=True)
class Checker:
    english: Index
    russian: frozenset[tuple[str, ...]]

    def is_russian(self, texts: list[str]) -> bool:
        for text in texts:
            for run in _phrases(text):
                if any(pair in self.russian for pair in itertools.pairwise(run)):
                    return True
        return False

    def english_in(self, texts: Iterable[str]) -> list[str]:
        """English catalog fragments in these texts, whatever their language."""
        hits: list[str] = []
        for text in texts:
            words = LATIN_WORD.findall(text)
            hits += [h for h in self.english.found_in(text, words) if h not in hits]
        return hits

    def leaks(self, texts: Iterable[str | None]) -> list[str]:
        """English catalog fragments in the texts of one Russian message (none if it is not)."""
        shown = [text for text in texts if text]
        if not any(CYRILLIC.search(text) for text in shown):
            return []  # the common English case costs one regex search
        hits = self.english_in(shown)
        return hits if hits and self.is_russian(shown) else []


@cache
def checker(locales_dir: Path = LOCALES_DIR) -> Checker:
    ru = translations("ru", locales_dir)
    return Checker(english_fragments(ru), russian_phrases(ru))


def untranslated(texts: Iterable[str | None]) -> list[str]:
    return checker().leaks(texts)


def english_speaking(language_code: str | None) -> bool:
    """Telegram says the user reads English: the bot writes to them in English unless they
    picked Russian in the menu, so their messages are left unchecked."""
    return (language_code or "").split("-")[0].lower() == "en"
