"""/report and /charts: the indicator report as XLSX and the charts as PNG, prepared beside the
updates after the coordinator picked a period in the review dialog."""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any

from aiogram.enums import ChatAction
from aiogram.types import BufferedInputFile

from bot import texts
from bot.clock import local_date
from bot.delivery.retry import with_retry_after
from bot.handlers.file_notes import edit_or_say, say, show_progress
from bot.handlers.review_files import FileRequest
from bot.i18n import N_, Translator
from bot.markup import escape
from bot.services import audit
from bot.services import report as report_service
from bot.services.access import Action, authorize
from bot.services.errors import AccessDenied
from bot.services.stats import Period

if TYPE_CHECKING:
    from bot.services import charts

log = logging.getLogger(__name__)

PREPARING = N_("Preparing the report…")
REPORT_READY = N_("The report for {period} is ready.")
REPORT_EMPTY = N_(
    "The report for {period} is ready. There was no data in this period, so the figures are zeros."
)
REPORT_FAILED = N_("Sorry, the report could not be prepared. Please try again a little later.")
CHART_CAPTION = N_("{title}\n{period} · n = {n}")
CHART_EMPTY = N_("No data for this period.")
CHART_FAILED = N_("Sorry, the chart could not be drawn. Please try again a little later.")


def period_text(period: Period) -> str:
    return f"{report_service.local_day(period.start)} – {report_service.local_day(period.end)}"


def _audit_details(request: FileRequest) -> dict[str, Any]:
    details: dict[str, Any] = {
        "start": request.period.start.isoformat(),
        "end": request.period.end.isoformat(),
    }
    if request.scope.mentor_id is not None:
        details["mentor_id"] = request.scope.mentor_id
    if request.scope.category is not None:
        details["category"] = request.scope.category
    return details


async def _allowed(request: FileRequest) -> bool:
    """Checked before any work starts; a refusal is audited and told at once."""
    async with request.sessionmaker.begin() as session:
        try:
            await authorize(session, request.actor, Action.STATS_VIEW)
        except AccessDenied:
            await audit.record(
                session,
                request.actor,
                "access.denied",
                request.clock.now(),
                attempted=Action.STATS_VIEW.value,
            )
            return False
    return True


# --- /report -------------------------------------------------------------------------------


async def start_report(request: FileRequest) -> None:
    """Say "preparing…", then build and send the one-sheet report in the background."""
    t = Translator(request.i18n, request.locale)
    if not await _allowed(request):
        await say(request, t.gettext(texts.NOT_ALLOWED))
        return
    await show_progress(request, ChatAction.UPLOAD_DOCUMENT)
    notice = await with_retry_after(
        request.clock, lambda: request.bot.send_message(request.chat_id, t.gettext(PREPARING))
    )
    request.background.spawn(
        _report_job(request, t, notice.message_id), name=f"report:{request.actor.person_id}"
    )


async def _report_job(request: FileRequest, t: Translator, notice_id: int) -> None:
    try:
        async with request.background.heavy:
            data, empty = await _build_report(request, t)
        period = request.period
        filename = f"report_{period.start.isoformat()}_{period.end.isoformat()}.xlsx"
        await with_retry_after(
            request.clock,
            lambda: request.bot.send_document(
                request.chat_id, BufferedInputFile(data, filename=filename)
            ),
        )
        done = REPORT_EMPTY if empty else REPORT_READY
        await edit_or_say(request, notice_id, t.gettext(done).format(period=period_text(period)))
    except AccessDenied:
        await edit_or_say(request, notice_id, t.gettext(texts.NOT_ALLOWED))
    except Exception as exc:
        log.error("report for person %s failed: %s", request.actor.person_id, type(exc).__name__)
        await edit_or_say(request, notice_id, t.gettext(REPORT_FAILED))


async def _build_report(request: FileRequest, t: Translator) -> tuple[bytes, bool]:
    now = request.clock.now()
    today = local_date(now, request.period.timezone)
    async with request.sessionmaker.begin() as session:
        built = await report_service.build(
            session,
            request.actor,
            request.period,
            request.scope,
            today=today,
            content=request.content,
            locale=request.locale,
            gettext=t.gettext,
        )
        await audit.record(session, request.actor, "report.export", now, **_audit_details(request))
    data = await asyncio.to_thread(report_service.workbook, built, t.gettext)
    return data, built.empty


# --- /charts -------------------------------------------------------------------------------


async def start_chart(request: FileRequest, chart: str) -> None:
    """Draw one chart (see bot.services.charts.Chart codes) and send it as a photo."""
    t = Translator(request.i18n, request.locale)
    if not await _allowed(request):
        await say(request, t.gettext(texts.NOT_ALLOWED))
        return
    # matplotlib is imported on the first chart, not at start: it costs ~50 MB and half a second.
    from bot.services import charts

    kind = charts.Chart(chart)  # codes come from our own buttons; a stranger is a bug
    await show_progress(request, ChatAction.UPLOAD_PHOTO)
    request.background.spawn(
        _chart_job(request, t, kind), name=f"chart:{kind.value}:{request.actor.person_id}"
    )


async def _chart_job(request: FileRequest, t: Translator, chart: charts.Chart) -> None:
    try:
        async with request.background.heavy:
            picture = await _draw(request, t, chart)
        if picture is None:
            await say(request, t.gettext(CHART_EMPTY))
            return
        caption = t.gettext(CHART_CAPTION).format(
            title=escape(picture.title), period=period_text(request.period), n=picture.n
        )
        photo = BufferedInputFile(picture.png, filename=f"{chart.value}.png")
        await with_retry_after(
            request.clock,
            lambda: request.bot.send_photo(request.chat_id, photo, caption=caption),
        )
    except AccessDenied:
        await say(request, t.gettext(texts.NOT_ALLOWED))
    except Exception as exc:
        log.error(
            "chart %s for person %s failed: %s",
            chart.value,
            request.actor.person_id,
            type(exc).__name__,
        )
        await say(request, t.gettext(CHART_FAILED))


async def _draw(request: FileRequest, t: Translator, chart: charts.Chart) -> charts.Picture | None:
    from bot.services import charts

    now = request.clock.now()
    async with request.sessionmaker.begin() as session:
        picture = await charts.draw(
            session,
            request.actor,
            chart,
            request.period,
            request.scope,
            content=request.content,
            locale=request.locale,
            gettext=t.gettext,
        )
        await audit.record(
            session, request.actor, "charts.view", now, chart=chart.value, **_audit_details(request)
        )
    return picture
