from __future__ import annotations

import io

import segno


def qr_png(text: str) -> bytes:
    """A QR code big enough to scan from a phone screen held by someone else."""
    buffer = io.BytesIO()
    segno.make(text, error="m").save(buffer, kind="png", scale=10, border=4)
    return buffer.getvalue()
