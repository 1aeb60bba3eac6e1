"""The support plan and the case's stage at the service level: who may keep a plan, validation,
statuses, reminders (to whom, when, once, a parent's without buttons), stages and closing."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

import bot.notifications  # noqa: F401  (registers the message kinds)
from bot.config import Settings
from bot.content import Content
from bot.db.models import (
    CaseStage,
    CloseReason,
    FamilyLink,
    OutboxMessage,
    Person,
    PlanTaskStatus,
    Role,
    SupportLevel,
)
from bot.delivery.render import Outgoing, registry
from bot.i18n import Translator
from bot.i18n.telegram import create_i18n
from bot.services import case_plans, cases, families
from bot.services.access import Actor
from bot.services.case_plans import OVERDUE_PURPOSE, REMINDER_KIND, SOON_PURPOSE, TaskDraft
from bot.services.digest import KIND as DIGEST_KIND
from bot.services.errors import AccessDenied
from tests.factories import make_person
from tests.unit.meeting_setup import NOW, raises, setup

DUE = date(2026, 12, 1)


CONTENT = Content()


def render(kind: str, params: dict[str, object], locale: str) -> Outgoing:
    return registry.render(kind, dict(params), Translator(create_i18n("ru"), locale), CONTENT)


async def attach(session: AsyncSession, actor: Actor, family_id: int, kind: str) -> None:
    session.add(
        FamilyLink(family_id=family_id, person_id=actor.person_id, kind=kind, created_at=NOW)
    )
    await session.flush()


async def rows(session: AsyncSession) -> list[OutboxMessage]:
    found = await session.scalars(
        select(OutboxMessage).where(OutboxMessage.kind == REMINDER_KIND).order_by(OutboxMessage.id)
    )
    return list(found)


def at(day: date, hour: int) -> datetime:
    return datetime(day.year, day.month, day.day, hour, 0, tzinfo=UTC)


async def test_who_may_keep_a_plan_and_what_is_checked(session: AsyncSession) -> None:
    boss, family_id = await setup(session)
    mentor = await make_person(session, 2, Role.MENTOR, now=NOW)
    outsider = await make_person(session, 3, Role.MENTOR, now=NOW)
    await attach(session, mentor, family_id, "mentor")
    with pytest.raises(AccessDenied):
        await case_plans.add_task(session, outsider, family_id, TaskDraft("x", DUE), NOW)
    with pytest.raises(AccessDenied):
        await case_plans.tasks(session, outsider, family_id)
    add = case_plans.add_task
    await raises("task_title_empty", add(session, mentor, family_id, TaskDraft(" \n", DUE), NOW))
    await raises("task_title_long", add(session, mentor, family_id, TaskDraft("я" * 301, DUE), NOW))
    await raises(
        "task_due_past", add(session, mentor, family_id, TaskDraft("x", date(2026, 11, 22)), NOW)
    )
    await raises(
        "task_due_far",
        add(session, mentor, family_id, TaskDraft("x", DUE + timedelta(days=800)), NOW),
    )
    await raises(
        "task_responsible_unknown",
        add(
            session, mentor, family_id, TaskDraft("x", DUE, responsible_id=outsider.person_id), NOW
        ),
    )
    task = await add(
        session,
        mentor,
        family_id,
        TaskDraft("  Оформить   пособие ", DUE, criteria=" ", responsible_text=" школа "),
        NOW,
    )
    assert (task.title, task.criteria, task.responsible_text) == ("Оформить пособие", None, "школа")
    with pytest.raises(AccessDenied):
        await case_plans.set_status(session, outsider, task.id, PlanTaskStatus.DONE, NOW)
    await raises(
        "task_note_empty",
        case_plans.set_status(session, mentor, task.id, PlanTaskStatus.NOT_DONE, NOW, "  "),
    )
    assert await case_plans.set_status(session, mentor, task.id, PlanTaskStatus.DONE, NOW)
    assert not await case_plans.set_status(session, mentor, task.id, PlanTaskStatus.DONE, NOW)
    assert await case_plans.set_status(
        session, mentor, task.id, PlanTaskStatus.NOT_DONE, NOW, "не успели"
    )
    assert task.status_note == "не успели"
    await raises("task_not_found", case_plans.get_task(session, mentor, 999999))
    await families.close_family(session, boss, family_id, CloseReason.MOVED, None, NOW)
    await raises(
        "family_closed", case_plans.set_status(session, mentor, task.id, PlanTaskStatus.DONE, NOW)
    )
    await raises("family_closed", add(session, boss, family_id, TaskDraft("x", DUE), NOW))
    assert [t.id for t in await case_plans.tasks(session, mentor, family_id)] == [task.id]


async def test_reminders_go_to_the_responsible_once_at_their_local_time(
    session: AsyncSession, settings: Settings
) -> None:
    boss, family_id = await setup(session)
    mentor = await make_person(session, 2, Role.MENTOR, now=NOW)
    parent = await make_person(session, 3, Role.PARENT, now=NOW)
    await attach(session, mentor, family_id, "mentor")
    await attach(session, boss, family_id, "curator")
    await attach(session, parent, family_id, "parent")
    person = await session.get(Person, mentor.person_id)
    assert person is not None
    person.timezone = "Asia/Novokuznetsk"  # UTC+7: 10:00 there is 03:00 UTC
    by_parent = await case_plans.add_task(
        session,
        boss,
        family_id,
        TaskDraft("Сходить к врачу", DUE, responsible_id=parent.person_id),
        NOW,
    )
    by_mentor = await case_plans.add_task(
        session, boss, family_id, TaskDraft("Визит", DUE, responsible_id=mentor.person_id), NOW
    )
    unassigned = await case_plans.add_task(session, boss, family_id, TaskDraft("Школа", DUE), NOW)
    soon = DUE - timedelta(days=3)  # 28.11
    assert await case_plans.enqueue_due(session, at(soon, 2), settings) == 0
    # 03:00 UTC: 10:00 for the mentor: theirs and, as staff, the unassigned task's.
    assert await case_plans.enqueue_due(session, at(soon, 3), settings) == 2
    assert await case_plans.enqueue_due(session, at(soon, 3), settings) == 0
    # 07:00 UTC: 10:00 in Moscow: the parent's (family-facing) and the curator's.
    assert await case_plans.enqueue_due(session, at(soon, 7), settings) == 2
    queued = await rows(session)
    assert {(r.person_id, r.object_id) for r in queued} == {
        (mentor.person_id, by_mentor.id),
        (mentor.person_id, unassigned.id),
        (parent.person_id, by_parent.id),
        (boss.person_id, unassigned.id),
    }
    assert all(r.purpose == SOON_PURPOSE for r in queued)
    to_parent = next(r for r in queued if r.person_id == parent.person_id)
    assert to_parent.family_facing and to_parent.params["family"] == ""
    shown = render(REMINDER_KIND, to_parent.params, "ru")
    assert shown.reply_markup is None and "Ивановы" not in shown.text
    to_mentor = next(r for r in queued if r.object_id == by_mentor.id)
    shown = render(REMINDER_KIND, to_mentor.params, "en")
    assert shown.text.splitlines()[0] == "📌 A plan task's deadline is coming."
    assert "Family: Ивановы" in shown.text and shown.reply_markup is not None
    # Done: no overdue reminder; a moved deadline is reminded again.
    await case_plans.set_status(session, mentor, by_mentor.id, PlanTaskStatus.DONE, at(soon, 8))
    await case_plans.set_due(session, boss, by_parent.id, DUE + timedelta(days=7), at(soon, 8))
    after = DUE + timedelta(days=1)
    assert await case_plans.enqueue_due(session, at(after, 3), settings) == 1  # unassigned, mentor
    assert await case_plans.enqueue_due(session, at(after, 7), settings) == 1  # unassigned, boss
    overdue = [r for r in await rows(session) if r.purpose == OVERDUE_PURPOSE]
    assert {r.object_id for r in overdue} == {unassigned.id}
    assert render(REMINDER_KIND, overdue[0].params, "ru").text.startswith("⏰")
    moved_soon = DUE + timedelta(days=4)
    assert await case_plans.enqueue_due(session, at(moved_soon, 7), settings) == 1
    # Long after (the bot was down for a week): nothing stale is sent.
    assert await case_plans.enqueue_due(session, at(DUE + timedelta(days=20), 7), settings) == 0


async def test_stages_and_closing_with_the_final_meeting(session: AsyncSession) -> None:
    boss, family_id = await setup(session)
    mentor = await make_person(session, 2, Role.MENTOR, now=NOW)
    await attach(session, mentor, family_id, "mentor")
    family = await families.require_view(session, boss, family_id)
    assert (await cases.case_state(session, family)).stage is CaseStage.INTAKE
    with pytest.raises(AccessDenied):
        await cases.set_stage(session, mentor, family_id, CaseStage.MONITORING, NOW)
    assert await cases.set_stage(session, boss, family_id, CaseStage.MONITORING, NOW)
    assert not await cases.set_stage(session, boss, family_id, CaseStage.MONITORING, NOW)
    await raises("stage_unknown", cases.set_stage(session, boss, family_id, CaseStage.CLOSED, NOW))
    await raises(
        "close_note_required",
        cases.close_case(session, boss, family_id, CloseReason.OTHER, " ", NOW),
    )
    with pytest.raises(Exception) as caught:
        cases.check_close_note(CloseReason.OTHER, None)
    assert getattr(caught.value, "code", "") == "close_note_required"
    await raises(
        "final_date_future",
        cases.close_case(
            session,
            boss,
            family_id,
            CloseReason.IMPROVEMENT,
            None,
            NOW,
            final_date=date(2026, 11, 24),
        ),
    )
    await cases.close_case(
        session,
        boss,
        family_id,
        CloseReason.IMPROVEMENT,
        None,
        NOW,
        final_date=date(2026, 11, 20),
        summary="  Итог  ",
    )
    state = await cases.case_state(session, family)
    assert (state.stage, state.final_meeting_date, state.final_summary) == (
        CaseStage.CLOSED,
        date(2026, 11, 20),
        "Итог",
    )
    await raises("family_closed", cases.set_stage(session, boss, family_id, CaseStage.INTAKE, NOW))
    await families.reopen_family(session, boss, family_id, NOW)
    assert (await cases.case_state(session, family)).stage is CaseStage.MONITORING


def test_the_digest_renders_with_and_without_the_plan_section() -> None:
    base: dict[str, object] = {
        "today": "2026-11-30",
        "days": 14,
        "mentors_total": 0,
        "mentors_idle": 0,
        "mentors": [],
        "families_total": 0,
        "families_idle": 0,
        "families": [],
        "concerns_open": 0,
        "concerns_recent": 0,
        "concerns": [],
    }
    old = render(DIGEST_KIND, base, "en").text  # queued before plans existed
    assert "Plan tasks" not in old
    new = render(
        DIGEST_KIND,
        {**base, "plan_overdue": 12, "plan": [["Ивановы — <врач>", "2026-11-26"]] * 10},
        "en",
    ).text
    assert "Plan tasks past their deadline: 12" in new
    assert "• Ивановы — &lt;врач&gt;: deadline 26.11.2026" in new
    assert "…and 2 more" in new


async def test_the_plan_list_counts_overdue_by_each_familys_calendar(
    session: AsyncSession,
) -> None:
    boss, moscow = await setup(session)
    far_east = await families.add(
        session,
        boss,
        name="Петровы",
        category="tzhs",
        support_level=SupportLevel.BASIC,
        timezone="Asia/Vladivostok",
        known_categories={"tzhs"},
        now=NOW,
    )
    for family_id in (moscow, far_east.id):
        await case_plans.add_task(session, boss, family_id, TaskDraft("x", DUE), NOW)

    async def overdue(now: datetime) -> dict[int, int]:
        page, _ = await case_plans.families_page(session, boss, now, offset=0, limit=10)
        assert all(row.open_tasks == 1 for row in page)
        return {row.family.id: row.overdue for row in page}

    # 1 Dec, 18:00 in Moscow and already 2 Dec, 01:00 in Vladivostok.
    assert await overdue(at(DUE, 15)) == {moscow: 0, far_east.id: 1}
    # 2 Dec, 01:00 in Moscow while UTC's date is still 1 Dec.
    assert await overdue(at(DUE, 22)) == {moscow: 1, far_east.id: 1}
