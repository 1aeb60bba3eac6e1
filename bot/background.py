"""Long jobs a person asked for (exports, reports, charts) run beside the updates, so that
person's next tap and everyone else's are answered meanwhile. Heavy jobs take a slot: one at a
time per process keeps memory bounded however many coordinators ask at once."""

from __future__ import annotations

import asyncio
import contextvars
import logging
from collections.abc import Coroutine
from typing import Any

log = logging.getLogger(__name__)


class BackgroundWork:
    def __init__(self, heavy_slots: int = 1) -> None:
        self._tasks: set[asyncio.Task[Any]] = set()
        self.heavy = asyncio.Semaphore(heavy_slots)

    def spawn(self, job: Coroutine[Any, Any, Any], name: str) -> asyncio.Task[Any]:
        # A fresh context: the update's database session (a context variable) is not the job's.
        task = asyncio.create_task(self._run(job, name), name=name, context=contextvars.Context())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def _run(self, job: Coroutine[Any, Any, Any], name: str) -> None:
        try:
            await job
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # the job tells its person; here only what and which type
            log.error("background job %s failed: %s", name, type(exc).__name__, exc_info=True)

    @property
    def busy(self) -> bool:
        return bool(self._tasks)

    async def wait(self, grace: float | None = None) -> None:
        """Until every job started so far (and any they start) has finished, or `grace`
        seconds have passed without one finishing."""
        while self._tasks:
            done, _pending = await asyncio.wait(set(self._tasks), timeout=grace)
            if not done:
                return
