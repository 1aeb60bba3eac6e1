"""Texts shown by plain handlers (the dialogs keep theirs beside their windows)."""

from __future__ import annotations

from bot.db.models import Role
from bot.i18n import N_
from bot.services.invitations import TokenProblem

ABOUT_BOT = N_(
    "Hello! This is the working bot of a family-support service: families, mentors and "
    "specialists keep in touch here.\n\n"
    "To join, you need a personal invitation link. Please ask your coordinator or "
    "specialist for one and open it on this phone."
)

TOKEN_PROBLEMS = {
    TokenProblem.UNKNOWN: N_("This link does not work: it may have been copied incompletely."),
    TokenProblem.USED: N_("This invitation link has already been used."),
    TokenProblem.EXPIRED: N_("This invitation link has expired."),
    TokenProblem.REVOKED: N_("This invitation link has been cancelled."),
}

ASK_NEW_LINK = N_("Please ask your coordinator for a new link — it only takes them a minute.")

CONSENT_INTRO = N_(
    "<b>Before we start</b>\n"
    "You are invited to the family-support service's bot as a <b>{role}</b>."
)

CONSENT_STORED = {
    Role.COORDINATOR: N_(
        "<b>What the bot will keep about you:</b> your Telegram ID, the name from your Telegram "
        "profile, your language and time zone, and a record of what you do in the bot "
        "(invitations, families you add, what you view and export)."
    ),
    Role.MENTOR: N_(
        "<b>What the bot will keep about you:</b> your Telegram ID, the name from your Telegram "
        "profile, your language and time zone, the families you are attached to and the visits "
        "you record."
    ),
    Role.PARENT: N_(
        "<b>What the bot will keep about you:</b> your Telegram ID, the name from your Telegram "
        "profile, your language and time zone, which family you belong to, and your answers to "
        "the tasks and your weekly ratings."
    ),
    Role.PARTICIPANT: N_(
        "<b>What the bot will keep about you:</b> your Telegram ID, the name from your Telegram "
        "profile, your language and time zone, your answer to the invitation and your feedback "
        "after the meeting."
    ),
}

CONSENT_WHY_WHO = N_(
    "<b>Why:</b> to send you messages and reminders of the service and to keep the work with "
    "the family in one place.\n"
    "<b>Who sees it:</b> the coordinators of the service and, for a family, its mentor.\n"
    "<b>How to withdraw:</b> at any time with /mydata, and your data will be removed. "
    "/mydata also shows what the bot keeps and lets you download it.\n\n"
    "Nothing is saved until you tap «I agree»."
)

CONSENT_DECLINED = N_(
    "All right — nothing about you has been saved. If you change your mind, open the "
    "invitation link again while it is valid."
)

UNKNOWN_INPUT = N_("I did not understand that. /start opens the menu, /help shows what I can do.")

CANCELLED = N_("Stopped. Nothing else was changed.")

# Also a callback answer: it must stay within Telegram's 200 characters in every language.
NOT_ALLOWED = N_(
    "Sorry, this is not available for your role. /help shows what you can do here; for anything "
    "else, please ask your coordinator."
)

STALE_BUTTON = N_("This button is out of date. Here is the current menu.")

CHANGED_MEANWHILE = N_(
    "That did not work: something changed in the meantime. Nothing was saved; please try again "
    "from the menu (/start)."
)

APOLOGY = N_("Sorry, something went wrong on our side. /start returns to the menu.")

ALREADY_JOINED = N_("You are already in the bot. Here is your menu.")
