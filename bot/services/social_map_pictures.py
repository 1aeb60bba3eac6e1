"""The child's social map as a PNG eco-map, and two snapshots compared, sized for a phone held
upright. Plain data in, PNG bytes out (safe in a thread); each picture is its own matplotlib
Figure. Imported lazily, like bot/services/charts.py: matplotlib is heavy.

Layout: the child in the centre, three rings of closeness (1 closest); everyone sits in their
ring, spread evenly around it in the order of their relation (family first), so a ring of many
people uses its whole circumference. Ties: supportive a thick green line, neutral a thin grey
dashed one, conflictual a red zigzag; the node's colour repeats the nature, so it reads in grey too.
"""

from __future__ import annotations

import io
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import pairwise

import matplotlib

matplotlib.use("Agg")

from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Circle, FancyArrowPatch

from bot.db.models import Relation, TieNature
from bot.services.charts import FONT, printable
from bot.services.social_maps import Comparison, Tie

WIDTH_IN, DPI = 12, 100  # 1200 px wide
MAP_IN = 12.0  # the map's width, the picture's full width
MAP_H_IN = 9.8  # its height: the rings need less room above and below than beside
TITLE_IN = 1.1
LEGEND_IN = 1.5
NUMBERS_IN = 2.4  # the comparison's figures under the map
SNAPSHOT_SIZE = (WIDTH_IN * DPI, round((TITLE_IN + MAP_H_IN + LEGEND_IN) * DPI))
COMPARISON_SIZE = (WIDTH_IN * DPI, round((TITLE_IN + MAP_H_IN + LEGEND_IN + NUMBERS_IN) * DPI))

LIMIT = 1.8  # axes run from -LIMIT to LIMIT: room for the outer ring's labels
BANDS = (0.22, 0.57, 0.91, 1.24)  # the child, then the borders of rings 1..3
RADII = (0.40, 0.74, 1.075)  # where the people of rings 1..3 sit
NODE = 0.055
NAME_MAX = 14
TITLE_PT, NAME_PT, LEGEND_PT, NUMBERS_PT, CHILD_PT = 26, 15, 16, 17, 20
SMALLEST_PT = 11
ROOMY = (6, 11, 15)  # people a ring labels at NAME_PT; more, and its labels get smaller

COLOURS = {
    TieNature.SUPPORTIVE.value: ("#2e7d32", "#c8e6c9"),  # line, node
    TieNature.NEUTRAL.value: ("#757575", "#eeeeee"),
    TieNature.CONFLICTUAL.value: ("#c62828", "#ffcdd2"),
}
RING_FILL = ("#fff8e1", "#fffdf3", "#ffffff")
NEW_EDGE = "#f9a825"
SECTOR_ORDER = [r.value for r in Relation]  # family first, then friends, school, services


@dataclass(frozen=True)
class Labels:
    """The words on the picture, already translated."""

    title: str
    child: str
    relation: Callable[[str], str]
    natures: dict[str, str]  # nature code -> word
    rings: str  # "rings: 1 closest … 3"
    numbers: list[str]  # the comparison's lines; empty for one snapshot


def _figure(size: tuple[int, int]) -> tuple[Figure, Axes]:
    width, height = size[0] / DPI, size[1] / DPI
    figure = Figure(figsize=(width, height), dpi=DPI)
    figure.set_facecolor("white")
    bottom = 1 - (TITLE_IN + MAP_H_IN) / height
    axes = figure.add_axes((0.0, bottom, 1.0, MAP_H_IN / height))
    axes.set_xlim(-LIMIT, LIMIT)
    axes.set_ylim(-LIMIT * MAP_H_IN / MAP_IN, LIMIT * MAP_H_IN / MAP_IN)
    axes.set_aspect("equal")
    axes.axis("off")
    return figure, axes


def _png(figure: Figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI)
    return buffer.getvalue()


def layout(ties: Sequence[Tie]) -> dict[str, tuple[float, float]]:
    """key -> (x, y): each ring's people evenly around it, in the order of their relation; the
    rings start a third of a turn apart, so a small map spreads round the child and the people
    of neighbouring rings do not line up."""
    positions: dict[str, tuple[float, float]] = {}
    for ring in (1, 2, 3):
        members = sorted(
            (t for t in ties if t.circle == ring),
            key=lambda t: (_sector(t.relation), t.id, t.key),
        )
        count = len(members)
        start = math.pi / 2 - (ring - 1) * 2 * math.pi / 3 + (ring - 1) * 0.35
        for index, tie in enumerate(members):
            angle = start - 2 * math.pi * index / max(count, 1)
            radius = RADII[ring - 1]
            positions[tie.key] = (radius * math.cos(angle), radius * math.sin(angle))
    return positions


def _sector(relation: str) -> int:
    return SECTOR_ORDER.index(relation) if relation in SECTOR_ORDER else len(SECTOR_ORDER)


def _rings(axes: Axes, labels: Labels) -> None:
    for outer, fill in zip(reversed(BANDS[1:]), reversed(RING_FILL), strict=True):
        axes.add_patch(Circle((0, 0), outer, facecolor=fill, edgecolor="#bdbdbd", linewidth=1.5))
    for ring, (inner, outer) in enumerate(pairwise(BANDS), start=1):
        axes.text(
            0,
            -(inner + outer) / 2 - 0.02,
            str(ring),
            fontsize=LEGEND_PT,
            color="#9e9e9e",
            ha="center",
            va="center",
            family=FONT,
        )
    axes.add_patch(Circle((0, 0), BANDS[0], facecolor="#1565c0", edgecolor="white", zorder=5))
    axes.text(
        0,
        0,
        printable(labels.child, 12),
        fontsize=CHILD_PT,
        color="white",
        weight="bold",
        ha="center",
        va="center",
        zorder=6,
        family=FONT,
    )


def _zigzag(x: float, y: float, start: float) -> tuple[list[float], list[float]]:
    length = math.hypot(x, y)
    ux, uy = x / length, y / length
    px, py = -uy, ux
    steps = max(int((length - start - NODE) / 0.05), 2)
    xs, ys = [], []
    for i in range(steps + 1):
        along = start + (length - start - NODE) * i / steps
        side = 0.0 if i in (0, steps) else (0.025 if i % 2 else -0.025)
        xs.append(ux * along + px * side)
        ys.append(uy * along + py * side)
    return xs, ys


def _tie_line(axes: Axes, x: float, y: float, nature: str, faded: bool = False) -> None:
    line, _node = COLOURS.get(nature, COLOURS[TieNature.NEUTRAL.value])
    alpha = 0.35 if faded else 0.9
    if nature == TieNature.CONFLICTUAL.value:
        xs, ys = _zigzag(x, y, BANDS[0])
        axes.plot(xs, ys, color=line, linewidth=2.2, alpha=alpha, zorder=2)
        return
    length = math.hypot(x, y)
    sx, sy = x / length * BANDS[0], y / length * BANDS[0]
    if nature == TieNature.SUPPORTIVE.value:
        axes.plot([sx, x], [sy, y], color=line, linewidth=4.5, alpha=alpha, zorder=2)
    else:
        axes.plot([sx, x], [sy, y], color=line, linewidth=1.6, alpha=alpha, zorder=2, ls="--")


Box = tuple[float, float, float, float]  # x0, y0, x1, y1 in data units

UNITS_PER_PX = 2 * LIMIT / (MAP_IN * DPI)
CHAR_W = DPI / 72 * 0.68 * UNITS_PER_PX  # per point of size: DejaVu Sans' Cyrillic, roughly
LINE_H = DPI / 72 * 1.25 * UNITS_PER_PX


def _label_text(tie: Tie, labels: Labels, new: bool) -> str:
    name = ("+ " if new else "") + printable(tie.name, NAME_MAX)
    return f"{name}\n{printable(labels.relation(tie.relation), 16)}"


def label_size(ring_count: int, ring: int) -> float:
    roomy = ROOMY[ring - 1]
    return max(SMALLEST_PT, NAME_PT * min(1.0, roomy / max(ring_count, 1)))


def _box(x: float, y: float, ha: str, va: str, text: str, size: float = NAME_PT) -> Box:
    width = max(len(line) for line in text.split("\n")) * CHAR_W * size
    height = len(text.split("\n")) * LINE_H * size
    x0 = x if ha == "left" else x - width if ha == "right" else x - width / 2
    y0 = y if va == "bottom" else y - height if va == "top" else y - height / 2
    return (x0, y0, x0 + width, y0 + height)


def _overlap(a: Box, b: Box) -> float:
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    return w * h if w > 0 and h > 0 else 0.0


def _place(
    x: float, y: float, text: str, taken: list[Box], size: float
) -> tuple[float, float, str, str]:
    """Where a label goes: outwards from the centre if that spot is free, else the side (right,
    left, above, below, inwards) that covers the fewest labels and people already drawn."""
    angle = math.atan2(y, x)
    cos, sin = math.cos(angle), math.sin(angle)
    gap = NODE + 0.025
    outward = (
        x + cos * gap,
        y + sin * gap,
        "left" if cos > 0.35 else "right" if cos < -0.35 else "center",
        "bottom" if sin > 0.35 else "top" if sin < -0.35 else "center",
    )
    far = gap + 2.2 * NODE  # past a neighbour's circle, still clearly this person's
    diagonal = gap * 0.75
    candidates = [
        outward,
        (x + gap, y, "left", "center"),
        (x - gap, y, "right", "center"),
        (x, y + gap, "center", "bottom"),
        (x, y - gap, "center", "top"),
        (x + diagonal, y + diagonal, "left", "bottom"),
        (x - diagonal, y + diagonal, "right", "bottom"),
        (x + diagonal, y - diagonal, "left", "top"),
        (x - diagonal, y - diagonal, "right", "top"),
        (x + cos * far, y + sin * far, outward[2], outward[3]),
        (x + far, y, "left", "center"),
        (x - far, y, "right", "center"),
    ]
    best, best_cost = outward, math.inf
    for candidate in candidates:
        box = _box(candidate[0], candidate[1], candidate[2], candidate[3], text, size)
        cost = sum(_overlap(box, other) for other in taken)
        cost += _overlap(box, (-BANDS[0], -BANDS[0], BANDS[0], BANDS[0]))  # the child
        outside = max(0.0, -LIMIT - box[0]) + max(0.0, box[2] - LIMIT)
        cost += outside * 10
        if cost < best_cost - 1e-9:
            best, best_cost = candidate, cost
    return best


def _nodes(
    axes: Axes,
    ties: Sequence[Tie],
    positions: dict[str, tuple[float, float]],
    labels: Labels,
    new: set[str],
) -> None:
    # People count four times: a label over a person hides who is there.
    people = [(x - NODE, y - NODE, x + NODE, y + NODE) for x, y in positions.values()]
    taken: list[Box] = people * 4
    for tie in sorted(ties, key=lambda t: (t.circle, _sector(t.relation), t.id)):
        x, y = positions[tie.key]
        is_new = tie.key in new
        _line, fill = COLOURS.get(tie.nature, COLOURS[TieNature.NEUTRAL.value])
        edge, width = (NEW_EDGE, 4.0) if is_new else ("#424242", 1.5)
        axes.add_patch(
            Circle((x, y), NODE, facecolor=fill, edgecolor=edge, linewidth=width, zorder=4)
        )
        text = _label_text(tie, labels, is_new)
        size = label_size(sum(1 for t in ties if t.circle == tie.circle), tie.circle)
        lx, ly, ha, va = _place(x, y, text, taken, size)
        taken.append(_box(lx, ly, ha, va, text, size))
        axes.text(
            lx,
            ly,
            text,
            fontsize=size,
            ha=ha,
            va=va,
            multialignment=ha,
            zorder=7,
            family=FONT,
            linespacing=1.1,
            bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.8},
        )


def _title(figure: Figure, text: str) -> None:
    top = 1 - (TITLE_IN / 2) / (figure.get_figheight())
    figure.text(
        0.5, top, printable(text, 60), fontsize=TITLE_PT, ha="center", va="center", family=FONT
    )


def _legend(figure: Figure, labels: Labels) -> None:
    height = figure.get_figheight()
    y = (LEGEND_IN / 2 + (height - TITLE_IN - MAP_H_IN - LEGEND_IN)) / height
    axes = figure.add_axes((0.05, y - 0.5 * (0.9 / height), 0.9, 0.9 / height))
    axes.set_xlim(0, 3)
    axes.set_ylim(0, 1)
    axes.axis("off")
    for index, nature in enumerate(n.value for n in TieNature):
        left = index * 1.0
        line = COLOURS[nature][0]
        if nature == TieNature.CONFLICTUAL.value:
            xs = [left + 0.05 + 0.05 * i for i in range(7)]
            ys = [0.7 + (0.08 if i % 2 else -0.08) * (0 < i < 6) for i in range(7)]
            axes.plot(xs, ys, color=line, linewidth=2.2)
        elif nature == TieNature.SUPPORTIVE.value:
            axes.plot([left + 0.05, left + 0.35], [0.7, 0.7], color=line, linewidth=4.5)
        else:
            axes.plot([left + 0.05, left + 0.35], [0.7, 0.7], color=line, linewidth=1.6, ls="--")
        axes.text(
            left + 0.42,
            0.7,
            labels.natures.get(nature, nature),
            fontsize=LEGEND_PT,
            va="center",
            family=FONT,
        )
    axes.text(1.5, 0.1, labels.rings, fontsize=LEGEND_PT, ha="center", va="center", family=FONT)


def render_snapshot(ties: Sequence[Tie], labels: Labels) -> bytes:
    figure, axes = _figure(SNAPSHOT_SIZE)
    _rings(axes, labels)
    positions = layout(ties)
    for tie in ties:
        x, y = positions[tie.key]
        _tie_line(axes, x, y, tie.nature)
    _nodes(axes, ties, positions, labels, set())
    _title(figure, labels.title)
    _legend(figure, labels)
    return _png(figure)


def render_comparison(comparison: Comparison, labels: Labels) -> bytes:
    """The later snapshot, with who is new outlined in amber and marked «+», an arrow from the
    ring someone was in to where they are now; the figures below."""
    figure, axes = _figure(COMPARISON_SIZE)
    _rings(axes, labels)
    positions = layout(comparison.later)
    before = {t.key: t for t in comparison.earlier}
    new = {t.key for t in comparison.appeared}
    for tie in comparison.later:
        x, y = positions[tie.key]
        _tie_line(axes, x, y, tie.nature)
        old = before.get(tie.key)
        if old is not None and old.circle != tie.circle:
            radius = math.hypot(x, y)
            ox, oy = (
                x / radius * RADII[old.circle - 1],
                y / radius * RADII[old.circle - 1],
            )
            axes.add_patch(
                Circle(
                    (ox, oy),
                    NODE * 0.7,
                    facecolor="none",
                    edgecolor="#616161",
                    linewidth=1.5,
                    ls="--",
                    zorder=3,
                )
            )
            axes.add_patch(
                FancyArrowPatch(
                    (ox, oy),
                    (x, y),
                    arrowstyle="-|>",
                    mutation_scale=28,
                    color="#1565c0",
                    linewidth=2.5,
                    shrinkA=6,
                    shrinkB=10,
                    zorder=6,
                )
            )
    _nodes(axes, comparison.later, positions, labels, new)
    _title(figure, labels.title)
    _legend(figure, labels)
    height = figure.get_figheight()
    top = (NUMBERS_IN - 0.2) / height
    for index, line in enumerate(labels.numbers):
        figure.text(
            0.05,
            top - index * (0.42 / height),
            printable(line, 90),
            fontsize=NUMBERS_PT,
            ha="left",
            va="top",
            family=FONT,
        )
    return _png(figure)
