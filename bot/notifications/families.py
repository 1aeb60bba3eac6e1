"""Notices about families: a mentor or a curator has been attached to a family."""

from __future__ import annotations

from typing import Any

from bot.delivery.render import Outgoing, Translator, message_kind
from bot.markup import escape
from bot.services.assignments import FAMILY_ASSIGNED_CURATOR, FAMILY_ASSIGNED_MENTOR


def _family(params: dict[str, Any]) -> str:
    return escape(params["family"])


@message_kind(FAMILY_ASSIGNED_MENTOR)
def family_assigned_mentor(params: dict[str, Any], t: Translator) -> Outgoing:
    text = t.gettext(
        "👪 The family «{family}» is now in your care as their mentor.\n"
        "After each visit or call, log it with /visit — it takes about a minute."
    ).format(family=_family(params))
    return Outgoing(text=text)


@message_kind(FAMILY_ASSIGNED_CURATOR)
def family_assigned_curator(params: dict[str, Any], t: Translator) -> Outgoing:
    text = t.gettext(
        "🧭 You are now the curator of the family «{family}». Safety concerns from its visits "
        "will come to you; /families opens its card."
    ).format(family=_family(params))
    return Outgoing(text=text)
