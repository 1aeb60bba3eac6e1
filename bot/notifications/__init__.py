"""What the outbox's message kinds look like in Telegram, one module per area.

Importing this package registers every kind with the delivery registry.
"""

from bot.notifications import invitations  # noqa: F401
