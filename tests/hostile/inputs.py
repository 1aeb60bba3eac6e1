"""What a person, or someone poking at the bot, may send where a dialog expects text."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hypothesis import HealthCheck, example, settings
from hypothesis import strategies as st

from tests.faketg import FakeUser
from tests.faketg.core import StoredMessage

# Shared by every property test: few examples, deterministic in CI, one harness per test.
HOSTILE_SETTINGS = settings(
    max_examples=15,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

HTML_BITS = [
    "<b>",
    "</b>",
    "&",
    "&amp;",
    "</a>",
    '<a href="tg://user?id=1">x</a>',
    "<script>alert(1)</script>",
    "< >",
    "a < b & c > d",
    "<tg-spoiler>",
    "<i><b>",
    "&#0;",
    "&lt;b&gt;",
]
ODD_BITS = [
    "\u200b",  # zero-width space
    "\u200f\u202e",  # right-to-left marks
    "שלום עליכם",
    "مرحبا",
    "👨‍👩‍👧‍👦🏳️‍🌈",
    "Ё\u0308",
    "\ufeff",
    "\x00",
    "\t\n",
]
COMMANDS = ["start", "cancel", "stats", "unknown", "help", "families", "visit"]
MEDIA = ["sticker", "photo", "voice", "location", "contact", "document"]

# Printable-or-not Unicode without surrogates (Telegram carries UTF-8/UTF-16, never lone halves).
ANY_CHAR = st.characters(exclude_categories=("Cs",))


def _telegram_text(text: str) -> bool:
    # Clients refuse to send blank messages and split anything over 4096 characters.
    return bool(text.strip()) and len(text) <= 4096


TEXTS = st.one_of(
    st.text(ANY_CHAR, min_size=1, max_size=300),
    st.text(ANY_CHAR, min_size=4000, max_size=5000).map(lambda t: t[:4096]),
    st.lists(st.sampled_from(HTML_BITS + ODD_BITS), min_size=1, max_size=12).map("".join),
    st.builds(
        lambda a, b: a + b, st.sampled_from(HTML_BITS + ODD_BITS), st.text(ANY_CHAR, max_size=40)
    ),
    st.sampled_from(["05.12.2026", "17:30", "+7 900 000-00-00", "0", "-1", "99999999999999999999"]),
).filter(_telegram_text)


@dataclass(frozen=True)
class Hostile:
    kind: str  # "text", "command" or a media kind
    value: str = ""

    def __repr__(self) -> str:  # short reprs keep hypothesis' failure reports readable
        return f"Hostile({self.kind}, {self.value[:60]!r}{'…' if len(self.value) > 60 else ''})"


HOSTILE = st.one_of(
    TEXTS.map(lambda t: Hostile("text", t)),
    st.sampled_from(COMMANDS).map(lambda c: Hostile("command", c)),
    st.sampled_from(MEDIA).map(Hostile),
)


# Always tried, whatever hypothesis draws: every kind of message and the worst texts.
CATALOGUE = [
    *(Hostile(kind) for kind in MEDIA),
    *(Hostile("command", c) for c in ("start", "cancel", "stats", "unknown")),
    Hostile("text", ("<b>&</a>" * 600)[:4096]),
    Hostile("text", "👨‍👩‍👧‍👦" * 585),  # 4095 code points, twice as many UTF-16 units
    Hostile("text", "\u200b"),
    Hostile("text", "Ивановы\x00<b>"),  # PostgreSQL text cannot hold NUL
]


def with_catalogue(test: Any) -> Any:
    for item in reversed(CATALOGUE):
        test = example(item=item)(test)
    return test


async def send(user: FakeUser, item: Hostile) -> StoredMessage:
    if item.kind == "text":
        return await user.send_text(item.value)
    if item.kind == "command":
        return await user.send_command(item.value)
    if item.kind == "sticker":
        return await user.send_sticker()
    if item.kind == "photo":
        return await user.send_photo(caption="<b>&</b>")
    if item.kind == "voice":
        return await user.send_voice()
    if item.kind == "location":
        return await user.send_location(55.75, 37.61)
    if item.kind == "contact":
        return await user.send_contact("+79000000000", "<b>Мария</b>", own=False)
    if item.kind == "document":
        return await user.send_document(caption="</a>&")
    raise AssertionError(item)
