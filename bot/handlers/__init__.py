from aiogram import Router

from bot.handlers import (
    commands,
    concerns,
    errors,
    homework,
    homework_review,
    learning,
    meeting_decisions,
    meetings,
    membership,
    reminders,
    srs,
    start,
    strangers,
)


def get_routers() -> list[Router]:
    """Commands first, so /cancel, /start and /help work in the middle of any form.

    Routers are built per dispatcher: tests and restarts create several.
    """
    return [
        errors.create_router(),
        membership.create_router(),
        # Buttons of messages the bot sent on its own (own callback prefixes): before start's
        # catch-all for callback data that no dialog made.
        concerns.create_router(),
        learning.create_router(),
        reminders.create_router(),
        meetings.create_router(),
        meeting_decisions.create_router(),
        srs.create_router(),
        homework.create_router(),
        homework_review.create_router(),
        start.create_router(),
        commands.create_router(),
    ]


def get_fallback_routers() -> list[Router]:
    """Included after the dialogs: only what no dialog took."""
    return [homework.create_fallback_router(), strangers.create_router()]
