"""Invitation notices."""

from __future__ import annotations

from typing import Any

from bot.db.models import Role
from bot.delivery.render import Outgoing, Translator, message_kind
from bot.markup import escape
from bot.roles_text import ROLE_NAMES

INVITATION_ACCEPTED = "invitation_accepted"


@message_kind(INVITATION_ACCEPTED)
def invitation_accepted(params: dict[str, Any], t: Translator) -> Outgoing:
    role = t.gettext(ROLE_NAMES[Role(params["role"])])
    text = t.gettext("{name} accepted your invitation and joined as a {role}.").format(
        name=escape(params["name"]), role=role
    )
    return Outgoing(text=text)
