"""Where to turn in a hard moment: the children's helpline and the service's own contacts.
Shown in /learn and after a visit with a child-safety concern."""

from __future__ import annotations

from aiogram.utils.i18n import gettext as _

from bot.config import Settings
from bot.markup import escape
from bot.services.learning import HELPLINE


def contacts_text(settings: Settings) -> str:
    """HTML: the helpline, then the service's contacts when the setting has any."""
    lines = [
        _("☎️ <b>Where to turn in a hard moment</b>"),
        _("Children's helpline: {phone} (free, all of Russia, anonymous).").format(phone=HELPLINE),
    ]
    own = settings.service_crisis_contacts.strip()
    if own:
        lines.append(_("Our service: {contacts}").format(contacts=escape(own)))
    lines.append(_("If a child is in danger right now, call 112."))
    return "\n".join(lines)
