"""/report and /charts: the indicator report as XLSX and the charts as PNG (placeholder)."""

from __future__ import annotations

from bot.handlers.review_files import FileRequest


async def start_report(request: FileRequest) -> None:
    """Say "preparing…", then build and send the one-sheet report in the background."""
    raise NotImplementedError


async def start_chart(request: FileRequest, chart: str) -> None:
    """Draw one chart (see bot.services.charts.Chart codes) and send it as a photo."""
    raise NotImplementedError
