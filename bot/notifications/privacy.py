"""The staff's notice that someone withdrew their consent: ids only, their name is gone."""

from __future__ import annotations

from typing import Any

from bot.db.models import Role
from bot.delivery.render import Outgoing, Translator, message_kind
from bot.roles_text import ROLE_NAMES
from bot.services.privacy import WITHDRAWN_KIND


@message_kind(WITHDRAWN_KIND)
def consent_withdrawn(params: dict[str, Any], t: Translator) -> Outgoing:
    families = [int(x) for x in params.get("family_ids") or []]
    if families:
        text = t.gettext(
            "A parent of family {families} withdrew their consent. Their personal data was "
            "removed; the family's figures stay."
        ).format(families=", ".join(f"#{x}" for x in families))
        return Outgoing(text=text)
    roles = [Role(r) for r in params.get("roles") or [] if r in set(Role)]
    names = ", ".join(t.gettext(ROLE_NAMES[r]) for r in roles) or "—"
    text = t.gettext(
        "Person #{id} ({roles}) withdrew their consent. Their personal data was removed; "
        "the figures stay."
    ).format(id=int(params.get("person_id") or 0), roles=names)
    return Outgoing(text=text)
