"""Charts: the series behind each picture for the known rows of test_stats, and pictures that
open as PNG of the promised size, with Cyrillic labels (a missing glyph warns, and warnings are
errors here), also for 30 mentors over two years."""

from __future__ import annotations

import io
import struct
from datetime import UTC, date, datetime, timedelta

import pytest
from matplotlib.image import imread
from sqlalchemy.ext.asyncio import AsyncSession

from bot.content import Content
from bot.db.models import Meeting, MeetingParticipant, MeetingStatus, Role, SrsResponse, Visit
from bot.i18n import Translator
from bot.i18n.telegram import create_i18n
from bot.services import chart_series, charts
from bot.services.charts import Chart
from bot.services.errors import AccessDenied
from bot.services.stats import Period, Scope
from tests.factories import make_person
from tests.stats_world import ITEMS, MSK, NOVEMBER, NOW, World, at, build

CONTENT = Content()
I18N = create_i18n("ru")
QUARTER = Period(date(2026, 10, 1), date(2026, 12, 31), MSK)
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def png_size(data: bytes) -> tuple[int, int]:
    assert data.startswith(PNG_SIGNATURE)
    assert data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def assert_picture(data: bytes) -> None:
    assert png_size(data) == (charts.WIDTH_IN * charts.DPI, charts.HEIGHT_IN * charts.DPI)
    pixels = imread(io.BytesIO(data), format="png")
    assert pixels.shape[:2] == (900, 1200)


# --- series --------------------------------------------------------------------------------


async def test_visits_by_month_and_mentor(session: AsyncSession) -> None:
    w = await build(session)
    got = await chart_series.visits_by_month(session, w.boss, QUARTER, Scope())
    assert got.months == ["2026-10", "2026-11", "2026-12"]
    assert [(b.mentor_id, b.name, b.per_month) for b in got.bands] == [
        (w.mentor1.person_id, f"P{w.mentor1.telegram_id}", [1, 4, 0]),
        (w.mentor2.person_id, f"P{w.mentor2.telegram_id}", [0, 1, 0]),
    ]
    assert got.total == 6  # deleted visits never count
    mine = await chart_series.visits_by_month(
        session, w.boss, NOVEMBER, Scope(mentor_id=w.mentor2.person_id)
    )
    assert [(b.mentor_id, b.per_month) for b in mine.bands] == [(w.mentor2.person_id, [1])]


async def test_srs_by_month_in_local_time(session: AsyncSession) -> None:
    w = await build(session)
    # Held at 01:00 on 1 December in Moscow, which is still 30 November in UTC.
    await _held_meeting(session, w, datetime(2026, 11, 30, 22, 0, tzinfo=UTC), total=20)
    got = await chart_series.srs_by_month(session, w.boss, QUARTER, Scope())
    assert [(m.month, m.responses) for m in got.months] == [
        ("2026-10", 1),
        ("2026-11", 3),
        ("2026-12", 1),
    ]
    assert [m.mean_total for m in got.months] == pytest.approx([4.0, 36.0, 20.0])
    assert got.total == 5


async def _held_meeting(session: AsyncSession, w: World, starts: datetime, total: int) -> None:
    meeting = Meeting(
        family_id=w.families["F1"],
        child_name="Маша",
        topic="t",
        format="dialogue",
        starts_at=starts,
        timezone=MSK,
        place="p",
        duration_minutes=90,
        facilitators="f",
        contact="c",
        note="n",
        status=MeetingStatus.HELD.value,
        created_at=starts - timedelta(days=10),
        draft_key="late",
    )
    session.add(meeting)
    await session.flush()
    person = MeetingParticipant(
        meeting_id=meeting.id,
        name="x",
        relation="friend",
        approved_by_child=True,
        invited_at=starts - timedelta(days=7),
        rsvp="yes",
        attended=True,
        created_at=starts - timedelta(days=8),
    )
    session.add(person)
    await session.flush()
    scores = [total // 4] * 4
    session.add(
        SrsResponse(
            meeting_id=meeting.id,
            participant_id=person.id,
            scores=dict(zip(ITEMS, scores, strict=True)),
            total=total,
            created_at=starts + timedelta(days=1),
        )
    )
    await session.flush()


async def test_hand_in_and_categories(session: AsyncSession) -> None:
    w = await build(session)
    weeks = await chart_series.hand_in_by_week(session, w.boss, NOVEMBER, Scope())
    assert [(h.week, h.released, h.handed_in) for h in weeks] == [(1, 2, 2), (2, 1, 1), (3, 1, 0)]
    by_category = await chart_series.families_by_category(session, w.boss, NOVEMBER, Scope())
    assert by_category == {"tzhs": 3, "sop": 1, "large": 1}


def test_months_of_a_period() -> None:
    assert chart_series.months_of(Period(date(2025, 11, 15), date(2026, 2, 1), MSK)) == [
        "2025-11",
        "2025-12",
        "2026-01",
        "2026-02",
    ]
    assert charts.month_label("2026-09", "en") == "Sep 2026"
    assert charts.month_label("2026-09", "ru").startswith("сент")


# --- pictures ------------------------------------------------------------------------------


@pytest.mark.parametrize("locale", ["ru", "en"])
# The lasting-change chart needs follow-ups: tests/unit/test_stats_evidence.py draws it.
@pytest.mark.parametrize("chart", [c for c in Chart if c is not Chart.LASTING])
async def test_each_chart_is_a_png(session: AsyncSession, chart: Chart, locale: str) -> None:
    w = await build(session)
    t = Translator(I18N, locale)
    picture = await charts.draw(
        session,
        w.boss,
        chart,
        QUARTER,
        Scope(),
        content=CONTENT,
        locale=locale,
        gettext=t.gettext,
    )
    assert picture is not None
    assert_picture(picture.png)
    expected_n = {Chart.VISITS: 6, Chart.SRS: 4, Chart.HOMEWORK: 4, Chart.FAMILIES: 5}
    assert picture.n == expected_n[chart]
    if locale == "ru":
        assert picture.title[0] in "ВSСА"  # translated: Визиты, SRS, Сдача, Активные


async def test_srs_threshold_is_named_as_in_stats(
    session: AsyncSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    w = await build(session)
    labels: list[str] = []

    def render_srs(*args: object) -> bytes:
        labels.append(str(args[-1]))
        return b""

    monkeypatch.setattr(charts, "render_srs", render_srs)
    for locale in ("ru", "en"):
        t = Translator(I18N, locale)
        await charts.draw(
            session,
            w.boss,
            Chart.SRS,
            QUARTER,
            Scope(),
            content=CONTENT,
            locale=locale,
            gettext=t.gettext,
        )
    assert labels == ["Ниже 36 — сигнал", "Under 36: a signal"]


async def test_no_data_is_no_picture(session: AsyncSession) -> None:
    w = await build(session)
    empty = Period(date(2024, 1, 1), date(2024, 12, 31), MSK)
    for chart in Chart:
        assert (
            await charts.draw(
                session,
                w.boss,
                chart,
                empty,
                Scope(),
                content=CONTENT,
                locale="ru",
                gettext=lambda s: s,
            )
            is None
        )


async def test_thirty_mentors_over_two_years(session: AsyncSession) -> None:
    w = await build(session)
    mentors = [await make_person(session, 300 + i, Role.MENTOR, now=NOW) for i in range(30)]
    first = date(2025, 1, 1)
    for index, mentor in enumerate(mentors):
        for month in range(0, 24, 1 + index % 3):
            day = date(first.year + month // 12, month % 12 + 1, 1 + index % 28)
            session.add(
                Visit(
                    family_id=w.families["F1"],
                    mentor_id=mentor.person_id,
                    visit_date=day,
                    recorded_at=at(day),
                    format="home",
                    duration_minutes=60,
                    methods=[],
                    help_given=[],
                    situation=3,
                    draft_key=f"many{index}-{month}",
                )
            )
    await session.flush()
    two_years = Period(date(2025, 1, 1), date(2026, 12, 31), MSK)
    series = await chart_series.visits_by_month(session, w.boss, two_years, Scope())
    assert len(series.months) == 24
    assert len(series.bands) == chart_series.TOP_MENTORS + 1
    assert series.bands[-1].mentor_id is None  # "Other mentors"
    assert sum(sum(b.per_month) for b in series.bands) == series.total
    t = Translator(I18N, "ru")
    picture = await charts.draw(
        session,
        w.boss,
        Chart.VISITS,
        two_years,
        Scope(),
        content=CONTENT,
        locale="ru",
        gettext=t.gettext,
    )
    assert picture is not None and picture.n == series.total
    assert_picture(picture.png)


def test_names_the_font_cannot_draw() -> None:
    assert charts.printable("Ольга 🌸 $5") == r"Ольга ? \$5"
    png = charts.render_categories("Семьи", [charts.printable("Мама 👩‍👧")], [3], "Семьи")
    assert_picture(png)


async def test_mentor_cannot_draw(session: AsyncSession) -> None:
    w = await build(session)
    with pytest.raises(AccessDenied):
        await charts.draw(
            session,
            w.mentor1,
            Chart.VISITS,
            NOVEMBER,
            Scope(),
            content=CONTENT,
            locale="ru",
            gettext=lambda s: s,
        )
