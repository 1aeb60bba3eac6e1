"""What the outbox's message kinds look like in Telegram, one module per area.

Importing this package registers every kind with the delivery registry.
"""

from bot.notifications import (
    case_plans,  # noqa: F401
    concerns,  # noqa: F401
    consilium,  # noqa: F401
    digest,  # noqa: F401
    families,  # noqa: F401
    follow_ups,  # noqa: F401
    homework,  # noqa: F401
    invitations,  # noqa: F401
    learning,  # noqa: F401
    meeting_decisions,  # noqa: F401
    meeting_notices,  # noqa: F401
    meetings,  # noqa: F401
    mentor_test,  # noqa: F401
    privacy,  # noqa: F401
    reminders,  # noqa: F401
)
