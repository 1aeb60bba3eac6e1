"""/charts: PNG pictures of the review figures, sized and lettered for a phone screen.

The numbers come from SQL aggregates (chart_series and the /stats sections); drawing is CPU work
and runs in a thread. Each picture is its own matplotlib Figure (never pyplot), so jobs drawing
at the same time share no global state.
"""

from __future__ import annotations

import asyncio
import io
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from functools import cache

import matplotlib

matplotlib.use("Agg")  # headless: no display on a server

from babel.dates import format_date
from matplotlib import colormaps, font_manager
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator
from sqlalchemy.ext.asyncio import AsyncSession

from bot.content import Content
from bot.services import chart_series, evidence_stats
from bot.services.access import Actor
from bot.services.stats import CONCERN_TOTAL, Period, Scope

Gettext = Callable[[str], str]

WIDTH_IN, HEIGHT_IN, DPI = 12, 9, 100  # 1200 × 900 px: fills a phone screen held sideways
TITLE_PT, LABEL_PT, TICK_PT, NOTE_PT = 24, 18, 16, 15
MAX_MONTH_TICKS = 12  # more months than this: label every second, third... month
OTHER_COLOUR = "#9e9e9e"
THRESHOLD_COLOUR = "#c62828"
MAX_NAME = 28  # longer names are cut so the legend keeps two columns
FONT = "DejaVu Sans"  # ships with matplotlib and has Cyrillic


class Chart(StrEnum):
    VISITS = "visits"
    SRS = "srs"
    HOMEWORK = "homework"
    FAMILIES = "families"
    LASTING = "lasting"


@dataclass(frozen=True)
class Picture:
    png: bytes
    title: str
    n: int  # what the picture counts: visits, SRS responses, weeks released, families


def month_label(month: str, locale: str) -> str:
    """'2026-09' as 'Sep 2026' / 'сент. 2026'."""
    year, number = (int(part) for part in month.split("-"))
    return format_date(date(year, number, 1), "LLL yyyy", locale=locale)


@cache
def _glyphs() -> frozenset[int]:
    path = font_manager.findfont(
        font_manager.FontProperties(family=FONT), fallback_to_default=False
    )
    return frozenset(font_manager.get_font(path).get_charmap())


def printable(text: str, limit: int | None = None) -> str:
    """A person's name as the chart font can draw it: characters it lacks (emoji) become '?',
    '$' is kept literal rather than starting mathtext; over `limit` characters it is cut."""
    known = _glyphs()
    shown = "".join(c if ord(c) in known or c.isspace() else "?" for c in text)
    if limit is not None and len(shown) > limit:
        shown = shown[: limit - 1].rstrip() + "…"
    return shown.replace("$", r"\$")


async def draw(
    session: AsyncSession,
    actor: Actor,
    chart: Chart,
    period: Period,
    scope: Scope,
    *,
    content: Content,
    locale: str,
    gettext: Gettext,
) -> Picture | None:
    """The chart as a PNG, or None when the period has nothing to show."""
    _ = gettext
    if chart is Chart.VISITS:
        visits = await chart_series.visits_by_month(session, actor, period, scope)
        if not visits.total:
            return None
        title = _("Visits per month")
        bands = [
            (printable(b.name, MAX_NAME), b.per_month, False)
            if b.mentor_id is not None
            else (_("Other mentors"), b.per_month, True)
            for b in visits.bands
        ]
        months = [month_label(m, locale) for m in visits.months]
        png = await asyncio.to_thread(render_visits, title, months, bands, _("Visits"))
        return Picture(png, title, visits.total)
    if chart is Chart.SRS:
        srs = await chart_series.srs_by_month(session, actor, period, scope)
        if not srs.total:
            return None
        title = _("SRS: mean total by month")
        # Every month of the period keeps its place; a month without answers is a gap.
        by_month = {m.month: m for m in srs.months}
        months = chart_series.months_of(period)
        png = await asyncio.to_thread(
            render_srs,
            title,
            [month_label(m, locale) for m in months],
            [by_month[m].mean_total if m in by_month else math.nan for m in months],
            [by_month[m].responses if m in by_month else 0 for m in months],
            _("Mean total (0–40)"),
            # Framed as in /stats and /report: a total under the threshold is a signal.
            _("Under {threshold}: a signal").format(threshold=CONCERN_TOTAL),
        )
        return Picture(png, title, srs.total)
    if chart is Chart.HOMEWORK:
        weeks = await chart_series.hand_in_by_week(session, actor, period, scope)
        released = sum(w.released for w in weeks)
        if not released:
            return None
        title = _("Homework handed in by programme week")
        png = await asyncio.to_thread(
            render_hand_in,
            title,
            [w.week for w in weeks],
            [(w.handed_in, w.released) for w in weeks],
            _("Programme week"),
            _("Handed in, % of weeks released"),
        )
        return Picture(png, title, released)
    if chart is Chart.LASTING:
        return await _lasting(session, actor, period, scope, content, _)
    by_category = await chart_series.families_by_category(session, actor, period, scope)
    total = sum(by_category.values())
    if not total:
        return None
    title = _("Active families by category")
    order = [c.code for c in content.categories if c.code in by_category]
    order += sorted(set(by_category) - set(order))
    png = await asyncio.to_thread(
        render_categories,
        title,
        [printable(content.category_label(code, locale)) for code in order],
        [by_category[code] for code in order],
        _("Families"),
    )
    return Picture(png, title, total)


async def _lasting(
    session: AsyncSession,
    actor: Actor,
    period: Period,
    scope: Scope,
    content: Content,
    _: Gettext,
) -> Picture | None:
    """Bars of the share who kept the change: at the latest follow-up, then per month."""
    lasting = await evidence_stats.lasting_change(session, actor, period, scope, content)
    if lasting.empty:
        return None
    title = _("Change kept at the follow-up")
    labels = [_("Latest follow-up")]
    counts = [(lasting.kept, lasting.followed)]
    for row in lasting.by_months:
        labels.append(_("After {months} months").format(months=row.months))
        counts.append((row.kept, row.followed))
    png = await asyncio.to_thread(
        render_shares, title, labels, counts, None, _("Kept the change, % of those followed up")
    )
    return Picture(png, title, lasting.followed)


# --- drawing (plain data in, PNG bytes out; safe to run in a thread) ------------------------


def _figure() -> tuple[Figure, Axes]:
    figure = Figure(figsize=(WIDTH_IN, HEIGHT_IN), dpi=DPI, layout="constrained")
    axes = figure.add_subplot()
    axes.tick_params(labelsize=TICK_PT)
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    return figure, axes


def _png(figure: Figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI)
    return buffer.getvalue()


def _month_ticks(axes: Axes, labels: Sequence[str]) -> None:
    step = max(1, -(-len(labels) // MAX_MONTH_TICKS))
    positions = list(range(0, len(labels), step))
    axes.set_xticks(positions, [labels[i] for i in positions], rotation=45, ha="right")
    axes.set_xlim(-0.6, len(labels) - 0.4)


def _colours(count: int) -> list[tuple[float, float, float, float]]:
    palette = colormaps["tab10"]
    distinct = [i for i in range(10) if i != 7]  # tab10's grey is kept for "Other"
    return [palette(distinct[i % len(distinct)]) for i in range(count)]


def render_visits(
    title: str,
    months: Sequence[str],
    bands: Sequence[tuple[str, Sequence[int], bool]],  # name, visits per month, is "Other"
    y_label: str,
) -> bytes:
    """Stacked bars: one band per named mentor, then 'Other' in grey."""
    figure, axes = _figure()
    positions = list(range(len(months)))
    bottom = [0] * len(months)
    colours = _colours(len(bands))
    for index, (name, counts, other) in enumerate(bands):
        colour = OTHER_COLOUR if other else colours[index]
        axes.bar(positions, counts, bottom=bottom, label=name, color=colour, width=0.7)
        bottom = [b + c for b, c in zip(bottom, counts, strict=True)]
    axes.set_title(title, fontsize=TITLE_PT, pad=16)
    axes.set_ylabel(y_label, fontsize=LABEL_PT)
    _month_ticks(axes, months)
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    axes.grid(axis="y", alpha=0.3)
    axes.set_axisbelow(True)
    # Below the bars, in two columns: the bars keep the screen's whole width.
    figure.legend(fontsize=NOTE_PT, loc="outside lower center", ncols=2, frameon=False)
    return _png(figure)


def render_srs(
    title: str,
    months: Sequence[str],
    means: Sequence[float],
    responses: Sequence[int],
    y_label: str,
    threshold_label: str,
) -> bytes:
    """The mean total per month as a line (NaN: no answers, a gap), the concern threshold as a
    dashed line, n above each point."""
    figure, axes = _figure()
    positions = list(range(len(months)))
    axes.plot(positions, means, marker="o", markersize=10, linewidth=3, color=_colours(1)[0])
    axes.axhline(CONCERN_TOTAL, color=THRESHOLD_COLOUR, linestyle="--", linewidth=2)
    axes.text(
        len(months) - 0.5,
        CONCERN_TOTAL,
        threshold_label,
        color=THRESHOLD_COLOUR,
        fontsize=NOTE_PT,
        ha="right",
        va="bottom",
    )
    for x, mean, n in zip(positions, means, responses, strict=True):
        if not n:
            continue
        axes.annotate(
            f"n={n}",
            (x, mean),
            textcoords="offset points",
            xytext=(0, 12),
            ha="center",
            fontsize=NOTE_PT,
        )
    axes.set_ylim(0, 42)
    axes.set_title(title, fontsize=TITLE_PT, pad=16)
    axes.set_ylabel(y_label, fontsize=LABEL_PT)
    _month_ticks(axes, months)
    axes.grid(axis="y", alpha=0.3)
    return _png(figure)


def render_hand_in(
    title: str,
    weeks: Sequence[int],
    counts: Sequence[tuple[int, int]],
    x_label: str,
    y_label: str,
) -> bytes:
    """Bars of the share handed in per programme week, 'handed in/released' on each bar."""
    return render_shares(title, [str(w) for w in weeks], counts, x_label, y_label)


def render_shares(
    title: str,
    labels: Sequence[str],
    counts: Sequence[tuple[int, int]],  # (part, whole) per bar
    x_label: str | None,
    y_label: str,
) -> bytes:
    """Bars of a percentage each, 'part/whole' on each bar."""
    figure, axes = _figure()
    rates = [100 * part / whole if whole else 0.0 for part, whole in counts]
    bars = axes.bar(list(labels), rates, color=_colours(1)[0], width=0.7)
    axes.bar_label(
        bars,
        labels=[f"{part}/{whole}" for part, whole in counts],
        fontsize=NOTE_PT,
        padding=4,
    )
    axes.set_ylim(0, 110)
    axes.set_title(title, fontsize=TITLE_PT, pad=16)
    if x_label:
        axes.set_xlabel(x_label, fontsize=LABEL_PT)
    axes.set_ylabel(y_label, fontsize=LABEL_PT)
    axes.grid(axis="y", alpha=0.3)
    axes.set_axisbelow(True)
    return _png(figure)


def render_categories(
    title: str, labels: Sequence[str], counts: Sequence[int], x_label: str
) -> bytes:
    """Horizontal bars, the first category on top, the count beside each bar."""
    figure, axes = _figure()
    positions = list(range(len(labels)))
    bars = axes.barh(positions, counts, color=_colours(1)[0], height=0.6)
    axes.set_yticks(positions, list(labels))
    axes.invert_yaxis()
    axes.bar_label(bars, fontsize=NOTE_PT, padding=4)
    axes.set_xlim(0, max(counts) * 1.15 + 0.5)
    axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    axes.set_title(title, fontsize=TITLE_PT, pad=16)
    axes.set_xlabel(x_label, fontsize=LABEL_PT)
    axes.grid(axis="x", alpha=0.3)
    axes.set_axisbelow(True)
    return _png(figure)
