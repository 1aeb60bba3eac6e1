"""Logging for the process: ids and counts only, never names or texts people typed.

Our own code logs ids by convention (see bot/handlers/errors.py). Some libraries do not:
aiogram-dialog's DEBUG lines print whole Chat objects (first and last name, username), and
aiogram's scenes print FSM data. Those loggers stay at INFO even when LOG_LEVEL=DEBUG.
SQLAlchemy's engine (at INFO) and aiosqlite (at DEBUG) log statements with their parameters.
"""

from __future__ import annotations

import logging

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
# logger name → the most verbose level that carries no personal data
CEILINGS = {
    "aiogram_dialog": logging.INFO,
    "aiogram.scene": logging.INFO,
    "sqlalchemy": logging.WARNING,
    "aiosqlite": logging.INFO,  # every statement with its parameters at DEBUG
    "alembic.runtime.plugins": logging.WARNING,  # plugin chatter on every import
    # Not personal, just noise: two INFO lines a second from the delivery job; a job's
    # exception is still logged (at ERROR).
    "apscheduler.executors.default": logging.WARNING,
}


def keep_personal_data_out() -> None:
    for name, ceiling in CEILINGS.items():
        logger = logging.getLogger(name)
        logger.setLevel(max(logger.getEffectiveLevel(), ceiling))


def setup_logging(level: int) -> None:
    logging.basicConfig(level=level, format=FORMAT)
    keep_personal_data_out()
