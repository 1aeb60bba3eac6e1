"""Fault injection: a programmable plan of failures the fake answers with instead of the real thing.

Every fault is explicit and counted ("the next 5 sendMessage calls answer 502"); nothing here
loosens a check. Faults a correct bot must survive are not violations.

    fake.faults.next("sendMessage", too_many_requests(7), times=20)
    fake.faults.next("sendMessage", server_error(502), times=3)
    fake.faults.next("sendMessage", HANG)          # no answer until the client gives up
    fake.faults.next("sendMessage", DISCONNECT)    # executed, then the connection drops

``HANG`` does not execute the call (the request never got to Telegram's worker). ``DISCONNECT``
executes it (the message is stored and counts for flood control) and then drops the connection
before the answer: the worst case for a sender, which cannot know whether the message went out.
Over HTTP these are real (a held request, a closed socket); in-process ``FakeSession`` raises
what aiogram's aiohttp session raises for them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

from .errors import TelegramError


@dataclass(frozen=True)
class Fault:
    kind: Literal["status", "hang", "disconnect"]
    status: int = 0
    description: str = ""
    retry_after: int | None = None

    def error(self) -> TelegramError:
        return TelegramError(self.status, self.description, retry_after=self.retry_after)


HANG = Fault("hang")
DISCONNECT = Fault("disconnect")

_STATUS_TEXT = {500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable"}


def too_many_requests(retry_after: int) -> Fault:
    return Fault("status", 429, f"Too Many Requests: retry after {retry_after}", retry_after)


def server_error(status: int = 500) -> Fault:
    return Fault("status", status, _STATUS_TEXT.get(status, "Server Error"))


class Hang(Exception):
    """The transport must hold the request without an answer until the client gives up."""


class Disconnected(Exception):
    """The call was executed; the transport must drop the connection instead of answering."""

    def __init__(self, status: int, body: dict[str, Any]) -> None:
        super().__init__("connection dropped by fault injection")
        self.status = status
        self.body = body


@dataclass
class Injected:
    method: str
    fault: Fault
    chat_id: Any = None


@dataclass
class _Planned:
    fault: Fault
    chats: frozenset[int] | None


@dataclass
class FaultPlan:
    """Queued faults per method, taken one per matching call in order."""

    _queues: dict[str, list[_Planned]] = field(default_factory=dict)
    injected: list[Injected] = field(default_factory=list)

    def next(
        self, method: str, fault: Fault, *, times: int = 1, chats: Iterable[int] | None = None
    ) -> None:
        """The next `times` calls of `method` (to one of `chats`, if given) meet `fault`."""
        only = frozenset(chats) if chats is not None else None
        self._queues.setdefault(method, []).extend(_Planned(fault, only) for _ in range(times))

    def clear(self) -> None:
        self._queues.clear()

    def pending(self, method: str | None = None) -> int:
        if method is not None:
            return len(self._queues.get(method, ()))
        return sum(len(queue) for queue in self._queues.values())

    def take(self, method: str, chat_id: Any = None) -> Fault | None:
        queue = self._queues.get(method)
        for index, planned in enumerate(queue or ()):
            if planned.chats is None or chat_id in planned.chats:
                del queue[index]  # type: ignore[union-attr]
                self.injected.append(Injected(method, planned.fault, chat_id))
                return planned.fault
        return None

    def count(self, kind: str, status: int | None = None) -> int:
        return sum(
            1
            for item in self.injected
            if item.fault.kind == kind and (status is None or item.fault.status == status)
        )
