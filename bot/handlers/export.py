"""/export: the raw data of a period as an XLSX workbook (placeholder until it is built)."""

from __future__ import annotations

from bot.handlers.review_files import FileRequest


async def start_export(request: FileRequest) -> None:
    """Say "preparing…", then build and send the workbook in the background."""
    raise NotImplementedError
