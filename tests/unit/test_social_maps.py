"""The child's social map: snapshots copied with their keys, the comparison of two snapshots on
known data, the pictures (size, readable at 30 people), filling a meeting's list, and the /stats
figure (the mean change in supportive ties)."""

from __future__ import annotations

import struct
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Family, Meeting, MeetingParticipant, Role, SocialMap, TieNature
from bot.services import social_maps, stats
from bot.services.access import Actor
from bot.services.errors import AccessDenied, DomainError
from bot.services.social_maps import Tie, compare
from bot.services.stats import Period, Scope
from tests.factories import make_person

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
MSK = "Europe/Moscow"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
S, N, C = TieNature.SUPPORTIVE.value, TieNature.NEUTRAL.value, TieNature.CONFLICTUAL.value


def png_size(data: bytes) -> tuple[int, int]:
    assert data.startswith(PNG_SIGNATURE)
    width, height = struct.unpack(">II", data[16:24])
    return width, height


# --- comparing two snapshots (plain data) ---------------------------------------------------

BEFORE = [
    Tie("mum", "Мама", "mother", 2, C),
    Tie("dad", "Папа", "father", 3, N),
    Tie("gran", "Бабушка Валя", "relative", 1, S),
    Tie("dima", "Дима", "friend", 2, S),
    Tie("coach", "Тренер", "teacher", 3, C),
    Tie("nina", "Соседка Нина", "neighbour", 3, N),
]
AFTER = [
    Tie("mum", "Мама", "mother", 1, S),  # closer, conflictual → supportive
    Tie("dad", "Папа", "father", 3, N),  # unchanged
    Tie("gran", "Бабушка Валя", "relative", 1, S),  # unchanged
    Tie("dima", "Дима", "friend", 3, N),  # further, supportive → neutral
    Tie("coach", "Тренер", "teacher", 2, N),  # closer, conflictual → neutral
    Tie("olga", "Ольга Петровна", "specialist", 2, S),  # appeared, supportive
    Tie("sveta", "Света", "friend", 3, C),  # appeared, conflictual
    # nina left
]


def test_comparison_figures_on_known_data() -> None:
    got = compare(BEFORE, AFTER)
    assert sorted(t.key for t in got.appeared) == ["olga", "sveta"]
    assert [t.key for t in got.left] == ["nina"]
    assert sorted(b.key for _a, b in got.closer) == ["coach", "mum"]
    assert [b.key for _a, b in got.further] == ["dima"]
    assert sorted(t.key for t in got.supportive_gained) == ["mum", "olga"]
    assert [t.key for t in got.supportive_lost] == ["dima"]
    assert sorted(t.key for t in got.conflictual_lost) == ["coach", "mum"]
    assert [t.key for t in got.conflictual_gained] == ["sveta"]
    assert (got.supportive_before, got.supportive_after) == (2, 3)
    assert (got.conflictual_before, got.conflictual_after) == (2, 1)


def test_people_are_matched_by_key_not_by_name() -> None:
    renamed = [Tie("mum", "мама Оля", "mother", 2, C)]
    same_name_other_person = [Tie("x", "Мама", "mother", 2, C)]
    assert compare(BEFORE[:1], renamed).appeared == []
    got = compare(BEFORE[:1], same_name_other_person)
    assert [t.key for t in got.appeared] == ["x"] and [t.key for t in got.left] == ["mum"]


# --- pictures -------------------------------------------------------------------------------


def _labels(numbers: list[str]):  # type: ignore[no-untyped-def]
    from bot.services.social_map_pictures import Labels

    return Labels(
        title="Карта связей: Маша, 23.11.2026",
        child="Маша",
        relation=lambda code: {"mother": "мать", "teacher": "учитель или воспитатель"}.get(
            code, code
        ),
        natures={S: "поддерживающая", N: "нейтральная", C: "конфликтная"},
        rings="Круги: 1 — самые близкие … 3 — дальние",
        numbers=numbers,
    )


NAMES = [
    "Мама",
    "Папа",
    "Бабушка",
    "Дедушка",
    "Тётя",
    "Дядя",
    "Саша",
    "Дима",
    "Лена",
    "Катя",
    "Анна",
    "Ирина",
    "Мария",
    "Пётр",
    "Нина",
    "Серёжа",
    "Оля",
    "Максим",
    "Олег",
    "Вика",
    "Игорь",
    "Настя",
    "Артём",
    "Женя",
    "Полина",
    "Кирилл",
    "Алёна",
    "Костя",
    "Юля",
    "Рома",
]
THIRTY = [
    Tie(
        f"k{i}",
        name,
        ["mother", "father", "relative", "friend", "teacher", "specialist", "neighbour"][i % 7],
        (1, 2, 2, 3, 3)[i % 5],
        (S, N, C)[i % 3],
        i + 1,
    )
    for i, name in enumerate(NAMES)
]


def test_snapshot_picture_has_the_phone_size() -> None:
    from bot.services import social_map_pictures as pictures

    png = pictures.render_snapshot(AFTER, _labels([]))
    assert len(png) > 20_000  # rings, lines and names drawn, not a blank image
    assert png_size(png) == pictures.SNAPSHOT_SIZE == (1200, 1240)


def test_thirty_people_render_each_in_a_ring_with_a_label() -> None:
    from bot.services import social_map_pictures as pictures

    assert len(THIRTY) == social_maps.MAX_PEOPLE
    png = pictures.render_snapshot(THIRTY, _labels([]))
    assert png_size(png) == pictures.SNAPSHOT_SIZE
    positions = pictures.layout(THIRTY)
    assert len(positions) == 30
    # Everyone sits in their own ring, and no two people overlap.
    for tie in THIRTY:
        x, y = positions[tie.key]
        assert abs((x * x + y * y) ** 0.5 - pictures.RADII[tie.circle - 1]) < 1e-9
    points = list(positions.values())
    for i, (x1, y1) in enumerate(points):
        for x2, y2 in points[i + 1 :]:
            assert ((x1 - x2) ** 2 + (y1 - y2) ** 2) ** 0.5 > 2 * pictures.NODE


def test_comparison_picture_is_taller_for_its_figures() -> None:
    from bot.services import social_map_pictures as pictures

    got = compare(THIRTY[:28], [*THIRTY[2:], Tie("new", "Учитель Оля", "teacher", 2, S)])
    png = pictures.render_comparison(got, _labels(["Ближе: 0", "Появились: 1"]))
    assert png_size(png) == pictures.COMPARISON_SIZE == (1200, 1480)


# --- snapshots in the database --------------------------------------------------------------


async def _family(session: AsyncSession, name: str = "Ивановы", category: str = "tzhs") -> int:
    family = Family(
        name=name,
        search_name=name.casefold(),
        category=category,
        support_level="basic",
        timezone=MSK,
        created_at=NOW - timedelta(days=300),
    )
    session.add(family)
    await session.flush()
    return family.id


async def _add(session: AsyncSession, boss: Actor, map_id: int, *ties: tuple[str, str, int, str]):  # type: ignore[no-untyped-def]
    return [
        await social_maps.add_person(
            session, boss, map_id, name=n, relation=r, circle=c, nature=t, now=NOW
        )
        for n, r, c, t in ties
    ]


async def test_a_new_snapshot_copies_the_last_with_its_keys(session: AsyncSession) -> None:
    boss = await make_person(session, 1, Role.COORDINATOR, now=NOW)
    family = await _family(session)
    first = await social_maps.start_snapshot(session, boss, family, "Маша", NOW)
    assert first.taken_on == date(2026, 11, 23) and first.copied_from_id is None
    mum, dima = await _add(
        session, boss, first.id, ("Мама", "mother", 2, C), ("Дима", "friend", 1, S)
    )
    # One snapshot a day: a second tap today changes nothing.
    with pytest.raises(DomainError, match="map_today"):
        await social_maps.start_snapshot(session, boss, family, "маша", NOW)
    later = NOW + timedelta(days=30)
    second = await social_maps.start_snapshot(session, boss, family, " маша ", later)
    assert second.copied_from_id == first.id and second.child_name == "маша"
    copied = (await social_maps.snapshot(session, boss, second.id, later)).people
    assert sorted((t.key, t.name, t.circle, t.nature) for t in copied) == sorted(
        [(mum.key, "Мама", 2, C), (dima.key, "Дима", 1, S)]
    )
    mum2 = next(t for t in copied if t.key == mum.key)
    assert await social_maps.change_person(session, boss, second.id, mum2.id, circle=1, nature=S)
    assert not await social_maps.change_person(session, boss, second.id, mum2.id, circle=1)
    # The first snapshot keeps what it was.
    kept = (await social_maps.snapshot(session, boss, first.id, later)).people
    assert next(t for t in kept if t.key == mum.key).circle == 2
    assert await social_maps.previous_of(session, boss, second.id) == first.id
    assert await social_maps.previous_of(session, boss, first.id) is None
    rows = await social_maps.snapshots(session, boss, family, "МАША")
    assert [(r.id, r.people) for r in rows] == [(second.id, 2), (first.id, 2)]
    assert await social_maps.children(session, boss, family) == ["маша"]
    # A person of another snapshot cannot be changed through this one.
    with pytest.raises(DomainError, match="map_person_not_found"):
        await social_maps.change_person(session, boss, second.id, mum.id, circle=3)
    assert not await social_maps.remove_person(session, boss, second.id, mum.id)


async def test_the_map_holds_at_most_thirty_people(session: AsyncSession) -> None:
    boss = await make_person(session, 1, Role.COORDINATOR, now=NOW)
    snap = await social_maps.start_snapshot(session, boss, await _family(session), "Маша", NOW)
    await _add(session, boss, snap.id, *[(f"Друг {i}", "friend", 3, N) for i in range(30)])
    with pytest.raises(DomainError, match="map_full"):
        await _add(session, boss, snap.id, ("Ещё один", "friend", 3, N))
    with pytest.raises(DomainError, match="map_child_surname"):
        await social_maps.start_snapshot(session, boss, await _family(session), "Маша Иванова", NOW)


async def test_only_coordinators_use_maps(session: AsyncSession) -> None:
    mentor = await make_person(session, 2, Role.MENTOR, now=NOW)
    family = await _family(session)
    with pytest.raises(AccessDenied):
        await social_maps.start_snapshot(session, mentor, family, "Маша", NOW)
    with pytest.raises(AccessDenied):
        await social_maps.children(session, mentor, family)


async def test_fill_a_meeting_from_the_map(session: AsyncSession) -> None:
    boss = await make_person(session, 1, Role.COORDINATOR, now=NOW)
    family = await _family(session)
    snap = await social_maps.start_snapshot(session, boss, family, "Маша", NOW)
    await _add(
        session,
        boss,
        snap.id,
        ("Мама", "mother", 1, S),
        ("Дима", "friend", 2, S),
        ("Тренер", "teacher", 3, C),
    )
    meeting = Meeting(
        family_id=family,
        child_name="маша",
        topic="t",
        format="dialogue",
        starts_at=NOW + timedelta(days=3),
        timezone=MSK,
        place="p",
        duration_minutes=90,
        facilitators="f",
        contact="c",
        note="n",
        status="planned",
        created_at=NOW,
        draft_key="k1",
    )
    session.add(meeting)
    await session.flush()
    session.add(
        MeetingParticipant(meeting_id=meeting.id, name="мама", relation="mother", created_at=NOW)
    )
    await session.flush()
    missing = await social_maps.missing_from_meeting(session, boss, meeting.id)
    assert [t.name for t in missing] == ["Дима", "Тренер"]
    assert await social_maps.fill_meeting(session, boss, meeting.id, NOW) == (2, 0)
    listed = await session.execute(
        select(
            MeetingParticipant.name,
            MeetingParticipant.relation,
            MeetingParticipant.approved_by_child,
        )
        .where(MeetingParticipant.meeting_id == meeting.id)
        .order_by(MeetingParticipant.id)
    )
    assert list(listed) == [
        ("мама", "mother", False),
        ("Дима", "friend", False),
        ("Тренер", "teacher", False),
    ]
    # A second tap adds nobody.
    assert await social_maps.fill_meeting(session, boss, meeting.id, NOW) == (0, 0)


# --- /stats ---------------------------------------------------------------------------------


async def _snapshot_on(
    session: AsyncSession, family: int, child: str, day: date, supportive: int, other: int
) -> None:
    snap = SocialMap(
        family_id=family,
        child_name=child,
        child_key=child.casefold(),
        taken_on=day,
        created_at=NOW,
    )
    session.add(snap)
    await session.flush()
    from bot.db.models import SocialMapPerson

    for i in range(supportive + other):
        session.add(
            SocialMapPerson(
                map_id=snap.id,
                key=f"{snap.id}-{i}",
                name=f"P{i}",
                relation="friend",
                circle=2,
                nature=S if i < supportive else C,
                created_at=NOW,
            )
        )
    await session.flush()


async def test_stats_mean_change_in_supportive_ties(session: AsyncSession) -> None:
    boss = await make_person(session, 1, Role.COORDINATOR, now=NOW)
    f1 = await _family(session, "F1", "tzhs")
    f2 = await _family(session, "F2", "sop")
    november = Period(date(2026, 11, 1), date(2026, 11, 30), MSK)
    # Маша (F1): 1 → 2 → 4 supportive in November: +3 (the middle one does not count).
    await _snapshot_on(session, f1, "Маша", date(2026, 11, 2), 1, 2)
    await _snapshot_on(session, f1, "Маша", date(2026, 11, 10), 2, 0)
    await _snapshot_on(session, f1, "Маша", date(2026, 11, 28), 4, 1)
    # Петя (F1): 3 → 2: −1; his October map is outside the period.
    await _snapshot_on(session, f1, "Петя", date(2026, 10, 20), 0, 0)
    await _snapshot_on(session, f1, "Петя", date(2026, 11, 3), 3, 0)
    await _snapshot_on(session, f1, "Петя", date(2026, 11, 20), 2, 0)
    # Оля (F2): one map in the period: not compared. Коля (F2): 0 → 0 supportive, 0.
    await _snapshot_on(session, f2, "Оля", date(2026, 11, 5), 5, 0)
    await _snapshot_on(session, f2, "Коля", date(2026, 11, 5), 0, 3)
    await _snapshot_on(session, f2, "Коля", date(2026, 11, 6), 0, 1)
    got = await stats.meetings(session, boss, november, Scope(), [])
    assert got.maps_compared == 3
    assert got.supportive_change_mean == pytest.approx((3 - 1 + 0) / 3)
    assert not got.empty
    sop = await stats.meetings(session, boss, november, Scope(category="sop"), [])
    assert (sop.maps_compared, sop.supportive_change_mean) == (1, 0.0)
    october = Period(date(2026, 10, 1), date(2026, 10, 31), MSK)
    none = await stats.meetings(session, boss, october, Scope(), [])
    assert (none.maps_compared, none.supportive_change_mean) == (0, None)


def test_stats_text_shows_the_mean_change_with_its_sign() -> None:
    from bot.dialogs.review.text import meetings_text
    from bot.services.stats import MeetingsFigures

    figures = MeetingsFigures(0, 0, 0, {}, 0, 0, 0, 0, 0, 0, 0, {}, None, 0, 3, 2 / 3)
    text = meetings_text(figures, lambda s: s, "ru", lambda code: code, [])
    assert "supportive ties changed by +0,7 per child on average" in text
    assert "children: 3" in text
    fewer = MeetingsFigures(0, 0, 0, {}, 0, 0, 0, 0, 0, 0, 0, {}, None, 0, 1, -1.0)
    assert "changed by -1.0 per child" in meetings_text(fewer, lambda s: s, "en", str, [])
