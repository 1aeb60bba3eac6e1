"""Errors shaped like the Bot API's: HTTP status + description (+ retry_after)."""

from __future__ import annotations

from typing import Any


class TelegramError(Exception):
    """An API error the fake answers with.

    `violation` marks a malformed call (the bot's bug: unknown parameter, bad HTML, text too long,
    message not modified...). Runtime conditions a correct bot must handle (blocked user, flood
    control) are errors but not violations.
    """

    def __init__(
        self,
        status: int,
        description: str,
        *,
        violation: bool = False,
        retry_after: int | None = None,
    ) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.violation = violation
        self.retry_after = retry_after

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.status,
            "description": self.description,
        }
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return body


def bad_request(description: str, *, violation: bool = True) -> TelegramError:
    """A 400; by default a violation, since most 400s mean the bot sent something malformed."""
    return TelegramError(400, f"Bad Request: {description}", violation=violation)
