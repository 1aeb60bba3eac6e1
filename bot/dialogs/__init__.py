"""Multi-step flows (aiogram-dialog), one package per flow."""

from __future__ import annotations

import secrets

from aiogram_dialog.api.entities import stack as _stack


def _unique_intent_int_id() -> int:
    return secrets.randbits(40)


def make_intent_ids_unique() -> None:
    """aiogram-dialog 2.6 derives dialog ids from the current second plus 0-99 at random, so two
    dialogs a user opens within one second collide one time in a hundred, and the newer one
    overwrites the older one's state. 40 random bits (7 characters of callback data) do not.
    """
    _stack.new_int_id = _unique_intent_int_id
