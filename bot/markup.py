"""Telegram HTML: every string a person typed is escaped before it joins a message."""

from __future__ import annotations

import html


def escape(value: object) -> str:
    """Text safe inside Telegram HTML (quotes stay as typed: they only matter in attributes)."""
    return html.escape(str(value), quote=False)
