"""The staff's notice that someone withdrew their consent: their name is gone; a parent's
family is named (the staff see it anyway) below a first line that names nobody, as a lock screen
shows it. Retention drops the family's name from a notice still held (bot.services.privacy)."""

from __future__ import annotations

from typing import Any

from bot.db.models import Role
from bot.delivery.render import Outgoing, Translator, message_kind
from bot.markup import escape
from bot.roles_text import ROLE_NAMES
from bot.services.privacy import WITHDRAWN_KIND


@message_kind(WITHDRAWN_KIND)
def consent_withdrawn(params: dict[str, Any], t: Translator) -> Outgoing:
    families = [int(x) for x in params.get("family_ids") or []]
    if families:
        # Names as they were at withdrawal; a family anonymised since shows as its number.
        known = {int(x): str(name) for x, name in params.get("family_names") or [] if name}
        shown = ", ".join(escape(known[x]) if x in known else f"#{x}" for x in families)
        text = "\n".join(
            [
                t.gettext("A parent withdrew their consent."),
                t.gettext("Family: {family}").format(family=shown),
                t.gettext("The parent's personal data was removed; the family's figures stay."),
            ]
        )
        return Outgoing(text=text)
    roles = [Role(r) for r in params.get("roles") or [] if r in set(Role)]
    names = ", ".join(t.gettext(ROLE_NAMES[r]) for r in roles) or "—"
    text = t.gettext(
        "Person #{id} ({roles}) withdrew their consent. Their personal data was removed; "
        "the figures stay."
    ).format(id=int(params.get("person_id") or 0), roles=names)
    return Outgoing(text=text)
