"""The /stats section texts for known figures, in Russian and English."""

from __future__ import annotations

from datetime import date

import pytest

from bot.dialogs.meetings.board import visible_length
from bot.dialogs.review import text
from bot.i18n import Translator
from bot.i18n.telegram import create_i18n
from bot.services.stats import (
    FamiliesFigures,
    MeetingsFigures,
    MentorsFigures,
    MentorVisits,
    Period,
    PlansFigures,
    ProgrammesFigures,
    WeekHandIn,
)

LABELS = {"tzhs": "ТЖС", "sop": "СОП", "basic": "базовый", "crisis": "кризисный"}
ITEMS = [("relationship", "Relationship"), ("goals", "Goals")]


I18N = create_i18n("ru")


def translator(locale: str) -> text.Gettext:
    return Translator(I18N, locale).gettext


def label(code: str) -> str:
    return LABELS.get(code, code)


MEETINGS = MeetingsFigures(
    held=2,
    families_with_meetings=2,
    active_families=5,
    families_by_category={"tzhs": 2},
    participants=7,
    invited=6,
    answered=5,
    accepted=3,
    attended=3,
    attendance_base=5,
    srs_responses=3,
    srs_item_means={"relationship": 28 / 3, "goals": 26 / 3},
    srs_total_mean=36.0,
    srs_under_concern=1,
)


def test_meetings_numbers_have_their_base() -> None:
    en = text.meetings_text(MEETINGS, translator("en"), "en", label, ITEMS)
    assert "Meetings held: 2" in en
    assert "Families with a meeting: 2 of 5 (40 %)" in en
    assert "• ТЖС: 2 of 2 (100 %)" in en
    assert "Invited: 6 of 7 (86 %)" in en
    assert "Accepted: 3 of 6 (50 %)" in en
    assert "Came to the held meetings: 3 of 5 (60 %)" in en
    assert "• Relationship: 9.3" in en and "• Goals: 8.7" in en
    assert "Mean total: 36.0 of 40" in en
    assert "Totals under 36 (a signal): 1 of 3 (33 %)" in en
    ru = text.meetings_text(MEETINGS, translator("ru"), "ru", label, ITEMS)
    assert "2 из 5 (40 %)" in ru and "9,3" in ru and "36,0 из 40" in ru
    assert "Итог ниже 36 (сигнал): 1 из 3 (33 %)" in ru


def test_families_mentors_programmes() -> None:
    en_ = translator("en")
    families = FamiliesFigures(5, {"tzhs": 3, "sop": 2}, {"basic": 4, "crisis": 1}, 1, 1, 1)
    got = text.families_text(families, en_, label, label)
    assert "Active families: 5" in got and "• ТЖС: 3 of 5 (60 %)" in got
    assert "• кризисный: 1 of 5 (20 %)" in got
    assert "Taken off the register (situation improved): 1" in got
    mentors = MentorsFigures(
        visits=5,
        mentors=3,
        mentors_visiting=2,
        top=[MentorVisits(1, "Аня", 4), MentorVisits(2, "Боря", 1)],
        bottom=[],
        no_visit_days=30,
        families_without_visit=1,
        open_families=3,
        concerns_raised=3,
        concerns_acknowledged=2,
        median_ack_minutes=90.0,
    )
    got = text.mentors_text(mentors, en_)
    assert "Mentors who visited: 2 of 3 (67 %)" in got
    assert "1. Аня: 4" in got and "2. Боря: 1" in got
    assert "Families without a visit in 30 days: 1 of 3 (33 %)" in got
    assert "Median time to acknowledge: 1 h 30 min" in got
    ru = text.mentors_text(mentors, translator("ru"))
    assert "1 ч 30 мин" in ru
    programmes = ProgrammesFigures(1, 4, 2, 2, [WeekHandIn(1, 15, 12)], 3, 8.0)
    got = text.programmes_text(programmes, en_, "en")
    assert "Week 1: 12 of 15 (80 %)" in got
    assert "Completed with positive dynamics: 2 of 2 (100 %)" in got
    assert "8.0 of 10" in got
    assert "Неделя 1: 12 из 15 (80 %)" in text.programmes_text(programmes, translator("ru"), "ru")


@pytest.mark.parametrize("locale", ["ru", "en"])
def test_empty_sections_say_no_data(locale: str) -> None:
    _ = translator(locale)
    no_data = _(text.NO_DATA)
    assert no_data != "" and (locale == "en") == (no_data == "No data for this period.")
    empty_meetings = MeetingsFigures(0, 0, 0, {}, 0, 0, 0, 0, 0, 0, 0, {}, None, 0)
    assert no_data in text.meetings_text(empty_meetings, _, locale, label, ITEMS)
    assert no_data in text.families_text(FamiliesFigures(0, {}, {}, 0, 0, 0), _, label, label)
    empty_mentors = MentorsFigures(0, 0, 0, [], [], 30, 0, 0, 0, 0, None)
    assert no_data in text.mentors_text(empty_mentors, _)
    assert no_data in text.programmes_text(ProgrammesFigures(0, 0, 0, 0), _, locale)


def test_mentor_names_are_escaped_and_long_lists_fit() -> None:
    names = [MentorVisits(i, "<b>Аня & Co</b>" + "я" * 200, 10 - i) for i in range(5)]
    mentors = MentorsFigures(50, 10, 9, names, names, 30, 0, 10, 0, 0, None)
    got = text.mentors_text(mentors, translator("ru"))
    assert "<b>Аня" not in got and "&lt;b&gt;Аня &amp; Co" in got
    assert visible_length(got) < 4096
    weeks = [WeekHandIn(n, 1000, 999) for n in range(1, 400)]
    got = text.programmes_text(ProgrammesFigures(1, 1, 1, 1, weeks, 1, 1.0), translator("ru"), "ru")
    assert len(got) < text.TEXT_LIMIT + 10 and got.endswith("…")


def test_header_shows_local_dates_and_escapes_the_scope() -> None:
    period = Period(date(2026, 9, 1), date(2026, 11, 30), "Asia/Novosibirsk")
    got = text.header("📊 Figures", period, "Mentor: <i>Ann</i>")
    assert "01.09.2026 – 30.11.2026" in got and "&lt;i&gt;Ann&lt;/i&gt;" in got


PLANS = PlansFigures(
    due=7,
    done=2,
    not_done=1,
    open=4,
    overdue=1,
    families_due=3,
    added=5,
    from_visits=2,
    from_decisions=2,
    closed=2,
    closed_with_final_meeting=1,
    stages={"intake": 1, "plan_approved": 1, "monitoring": 0, "final_monitoring": 1},
)
NO_PLANS = PlansFigures(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)


def test_plans_in_english() -> None:
    got = text.plans_text(PLANS, translator("en"))
    assert got.startswith("<b>Plans</b>\n")
    for line in (
        "Plan tasks due in the period: 7",
        "Done: 2 of 7 (29 %)",
        "Not done: 1 of 7 (14 %)",
        "Still open: 4 of 7 (57 %)",
        "Of them overdue: 1 of 4 (25 %)",
        "Families with a task due: 3",
        "Tasks added in the period: 5",
        "• from a visit: 2 of 5 (40 %)",
        "• from a network meeting's decision: 2 of 5 (40 %)",
        "Cases closed: 2",
        "With a final meeting: 1 of 2 (50 %)",
        "Open cases now, by stage: 3",
        "• request and diagnosis: 1 of 3 (33 %)",
        "• plan approved: 1 of 3 (33 %)",
        "• plan carried out, with monitoring: 0 of 3 (0 %)",
        "• final monitoring: 1 of 3 (33 %)",
    ):
        assert line in got.split("\n"), line
    assert visible_length(got) <= text.TEXT_LIMIT


def test_plans_in_russian() -> None:
    got = text.plans_text(PLANS, translator("ru"))
    assert got.startswith("<b>Планы</b>\n")
    for line in (
        "Задачи планов со сроком в периоде: 7",
        "Выполнено: 2 из 7 (29 %)",
        "Не выполнено: 1 из 7 (14 %)",
        "Ещё в работе: 4 из 7 (57 %)",
        "Из них просрочено: 1 из 4 (25 %)",
        "• из визита: 2 из 5 (40 %)",
        "С итоговой встречей: 1 из 2 (50 %)",
        "• обращение и диагностика: 1 из 3 (33 %)",
        "• итоговый мониторинг: 1 из 3 (33 %)",
    ):
        assert line in got.split("\n"), line
    assert visible_length(got) <= text.TEXT_LIMIT


@pytest.mark.parametrize("locale", ["ru", "en"])
def test_plans_stages_only_with_today_and_empty_says_no_data(locale: str) -> None:
    _ = translator(locale)
    past = PlansFigures(7, 2, 1, 4, 4, 3, 5, 2, 2, 2, 1, stages=None)
    got = text.plans_text(past, _)
    assert _("Open cases now, by stage: {n}").format(n=3) not in got
    assert _("request and diagnosis") not in got
    # No open family in scope: no stages line either.
    nobody_open = PlansFigures(1, 1, 0, 0, 0, 1, 0, 0, 0, 2, 1, stages={"intake": 0})
    assert _("request and diagnosis") not in text.plans_text(nobody_open, _)
    empty = text.plans_text(NO_PLANS, _)
    assert empty == f"<b>{_('Plans')}</b>\n{_(text.NO_DATA)}"
    assert text.plans_text(PlansFigures(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, stages={}), _) == empty
