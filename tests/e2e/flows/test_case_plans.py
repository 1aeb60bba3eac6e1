"""The family's support plan (ИПСС) through /plan and the card: tasks from a visit's notes, a
network meeting's decision and the form; reminders before and after deadlines at the recipient's
local time (once); done and not done recorded; overdue tasks in the coordinators' digest; the
case's stage on the card; access for the family's mentor, curator and coordinators only."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import func, select

from bot.db.models import AuditEntry, PlanTask, PlanTaskStatus, Role, Visit
from bot.scheduler.jobs import run_plan_reminders, run_weekly_digest
from bot.services import case_plans, meeting_decisions
from tests.conftest import ADMIN_ID
from tests.e2e.steps import plan_council, set_zone
from tests.faketg import FakeUser
from tests.harness import BotHarness
from tests.homework_support import link

MENTOR_ID, PARENT_ID, OTHER_MENTOR_ID = 2001, 3001, 2002
FAMILY = "Ивановы"
NOTES = "Маше нужна справка для кружка; мама боится идти в МФЦ одна"


def utc(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


async def run_job(app: BotHarness) -> int:
    return await run_plan_reminders(app.sessionmaker, app.clock, app.settings)


async def tasks(app: BotHarness) -> list[PlanTask]:
    async with app.sessionmaker() as session:
        return list(await session.scalars(select(PlanTask).order_by(PlanTask.id)))


async def refusals(app: BotHarness, telegram_id: int) -> int:
    async with app.sessionmaker() as session:
        found = await session.scalar(
            select(func.count(AuditEntry.id)).where(
                AuditEntry.action == "access.denied", AuditEntry.actor_telegram_id == telegram_id
            )
        )
        return int(found or 0)


async def add_visit(app: BotHarness, family_id: int, next_visit: date | None) -> int:
    mentor = await app.actor(MENTOR_ID)
    async with app.sessionmaker.begin() as session:
        visit = Visit(
            family_id=family_id,
            mentor_id=mentor.person_id,
            visit_date=date(2026, 11, 20),
            recorded_at=app.clock.now(),
            format="home",
            duration_minutes=60,
            methods=["observation"],
            help_given=[],
            situation=3,
            notes_text=NOTES,
            next_visit_date=next_visit,
            draft_key=f"plan-visit-{family_id}",
        )
        session.add(visit)
        await session.flush()
        return visit.id


async def world(app: BotHarness) -> tuple[FakeUser, FakeUser, int]:
    """A coordinator (Moscow), the curator of a family in Kuzbass whose mentor lives in
    Novokuznetsk (UTC+7); a visit with notes and a network meeting with a decision."""
    admin = await app.admin(ADMIN_ID, first_name="Ольга")
    family_id = await app.add_family(ADMIN_ID, FAMILY, "Asia/Novokuznetsk")
    mentor = await app.joined(
        MENTOR_ID, await app.invitation(ADMIN_ID, Role.MENTOR), first_name="Пётр"
    )
    await set_zone(app, MENTOR_ID, "Asia/Novokuznetsk")
    await link(app, MENTOR_ID, family_id, "mentor")
    await link(app, ADMIN_ID, family_id, "curator")
    await add_visit(app, family_id, date(2026, 11, 30))
    meeting_id = await plan_council(app, family_id, "plan", datetime(2026, 11, 24, 17, 0))
    boss = await app.actor(ADMIN_ID)
    async with app.sessionmaker.begin() as session:
        await meeting_decisions.add(
            session,
            boss,
            meeting_id,
            "Найти репетитора по математике",
            "мама",
            date(2026, 11, 26),
            app.clock.now(),
        )
    await app.deliver()
    return admin, mentor, family_id


async def open_plan(user: FakeUser) -> None:
    await user.send_command("plan")
    await user.press(next(t for t in user.last().button_texts() if t.startswith(FAMILY)))


async def test_a_plan_of_five_tasks_with_reminders_statuses_and_the_digest(
    app: BotHarness,
) -> None:
    admin, mentor, family_id = await world(app)

    # The mentor: a task from the visit's notes, with one tap.
    await open_plan(mentor)
    assert f"План сопровождения семьи «{FAMILY}»" in mentor.last_text()
    assert "Этап: обращение и диагностика" in mentor.last_text()
    assert "Задач пока нет." in mentor.last_text()
    await mentor.press("📝 Из визита")
    await mentor.press(next(t for t in mentor.last().button_texts() if t.startswith("➕ 20.11")))
    text = mentor.last_text()
    assert "Задача добавлена в план: проверьте" in text
    assert NOTES in text and "Ответственный: Пётр" in text and "Срок: 30.11.2026" in text
    await mentor.press("⬅️ К плану")
    await mentor.press("📝 Из визита")  # a second tap on the same visit: no second task
    await mentor.press(next(t for t in mentor.last().button_texts() if t.startswith("✓ 20.11")))
    assert "Это уже есть в плане." in mentor.last_text()

    # The coordinator: a meeting's decision as a task, then two through the form.
    await open_plan(admin)
    await admin.press("📋 Из решения встречи")
    await admin.press(next(t for t in admin.last().button_texts() if "репетитора" in t))
    text = admin.last_text()
    assert "Найти репетитора по математике" in text
    assert "Ответственный: мама" in text and "Срок: 26.11.2026" in text
    await admin.press("⬅️ К плану")
    await admin.press("➕ Задача")
    await admin.send_text("Оформить пособие на ребёнка <срочно>")
    await admin.send_text("пособие назначено")
    await admin.send_text("собирает документы")
    await admin.send_text("юрист помогает с заявлением")
    await admin.press("Пётр · наставник")
    await admin.send_text("10.12.2026")
    text = admin.last_text()
    assert "✅ Задача добавлена в план." in text
    assert "Оформить пособие на ребёнка <срочно>" in text
    assert "Критерии успеха: пособие назначено" in text
    assert "Делает семья: собирает документы" in text
    assert "Делают специалисты: юрист помогает с заявлением" in text
    assert "Ответственный: Пётр" in text and "Срок: 10.12.2026" in text
    assert "Статус: запланирована" in text
    await admin.press("⬅️ К плану")
    await admin.press("➕ Задача")
    await admin.send_text("Записать Машу в кружок")
    for _ in range(3):
        await admin.press("➡️ Пропустить")
    await admin.send_text("школа")
    await admin.press("30.11.2026")  # a week from the family's today
    assert "Ответственный: школа" in admin.last_text()
    # The fifth: the coordinator themself is responsible.
    boss = await app.actor(ADMIN_ID)
    async with app.sessionmaker.begin() as session:
        await case_plans.add_task(
            session,
            boss,
            family_id,
            case_plans.TaskDraft(
                "Консилиум по случаю", date(2026, 12, 4), responsible_id=boss.person_id
            ),
            app.clock.now(),
        )
    await admin.press("⬅️ К плану")
    listing = admin.last_text()
    assert listing.count("🗓") == 5
    first, second, *_ = await tasks(app)
    assert (first.source_type, second.source_type) == ("visit", "meeting_decision")

    # 27.11 10:00 in Novokuznetsk: the mentor is reminded of the visit's task (before its
    # deadline), of the school's task (the curator and mentors are) and of the decision's
    # (its deadline passed yesterday) — once.
    app.clock.set(utc(11, 27, 2, 59))
    assert await run_job(app) == 0
    app.clock.set(utc(11, 27, 3, 0))
    assert await run_job(app) == 3
    assert await run_job(app) == 0
    await app.deliver()
    reminders = [m for m in mentor.messages() if m.visible_text.startswith(("📌", "⏰"))]
    assert len(reminders) == 3
    soon = next(m for m in reminders if "Маше нужна справка" in m.visible_text)
    assert soon.visible_text.splitlines()[0] == "📌 Приближается срок задачи из плана."
    assert "Срок: 30.11.2026" in soon.visible_text and f"Семья: {FAMILY}" in soon.visible_text
    late = next(m for m in reminders if "репетитора" in m.visible_text)
    assert late.visible_text.splitlines()[0] == "⏰ Срок задачи из плана прошёл."
    # Done with a tap under the reminder: its overdue reminder will not come.
    query = await mentor.press("✅ Готово", soon.message_id)
    answer = app.fake.callback_answer(query)
    assert answer is not None and "Отмечено как выполненное" in answer["text"]
    assert (await tasks(app))[0].status == PlanTaskStatus.DONE
    # 10:00 in Moscow: the coordinator (the curator) gets theirs.
    app.clock.set(utc(11, 27, 7, 0))
    assert await run_job(app) == 2
    await app.deliver()
    assert any(t.startswith("⏰") and "репетитора" in t for t in admin.texts())

    # Monday 30.11 09:00 in Moscow: the digest lists the decision's task as overdue.
    app.clock.set(utc(11, 30, 6, 0))
    assert await run_weekly_digest(app.sessionmaker, app.clock, app.settings) == 1
    await app.deliver()
    digest = next(t for t in admin.texts() if t.startswith("📋 Сводка за неделю"))
    assert "Просроченные задачи планов: 1" in digest
    assert f"• {FAMILY} — Найти репетитора по математике: срок 26.11.2026" in digest

    # 01.12 10:00 in Novokuznetsk: the school's task is overdue; the visit's one is done.
    app.clock.set(utc(12, 1, 3, 0))
    assert await run_job(app) == 1
    await app.deliver()
    overdue = mentor.last()
    assert "Записать Машу в кружок" in overdue.visible_text
    await mentor.press("📋 Открыть задачу", overdue.message_id)
    assert "Записать Машу в кружок" in mentor.last_text()
    await mentor.press("❌ Не выполнено")
    assert "Почему не выполнено?" in mentor.last_text()
    await mentor.send_text("кружок закрылся на ремонт")
    text = mentor.last_text()
    assert "Статус: не выполнена" in text and "Почему: кружок закрылся на ремонт" in text
    await mentor.press("▶️ Выполняется")
    assert "Статус: выполняется" in mentor.last_text()
    fourth = (await tasks(app))[3]
    assert fourth.status == PlanTaskStatus.IN_PROGRESS and fourth.status_note is None
    assert await run_job(app) == 0  # nothing twice
    app.fake.assert_no_violations()


async def test_stage_on_the_card_and_closing_with_the_final_meeting(app: BotHarness) -> None:
    admin, mentor, _family_id = await world(app)
    await admin.send_command("families")
    await admin.press(next(t for t in admin.last().button_texts() if t.startswith(FAMILY)))
    assert "Этап: обращение и диагностика" in admin.last_text()
    await admin.press("🧭 Этап")
    await admin.press("план утверждён")
    assert "Этап случая теперь: план утверждён" in admin.last_text()
    assert "Этап: план утверждён" in admin.last_text()
    await admin.press("📋 План")
    assert f"План сопровождения семьи «{FAMILY}»" in admin.last_text()
    assert "Этап: план утверждён" in admin.last_text()
    await admin.press("⬅️ Назад")
    assert "Этап: план утверждён" in admin.last_text()
    # The mentor sees the stage and the plan, but does not move the stage.
    await mentor.send_command("plan")
    assert FAMILY in " ".join(mentor.last().button_texts())
    await admin.press("🔒 Закрыть случай")
    await admin.press("снята с учёта по улучшению")
    await admin.press("🔒 Закрыть без примечания")
    await admin.press("21.11.2026")
    await admin.send_text("Семья справляется сама, Маша ходит в кружок")
    text = admin.last_text()
    assert "Случай закрыт" in text and "Этап: закрыт" in text
    assert "Итоговая встреча: 21.11.2026" in text
    assert "Итог: Семья справляется сама, Маша ходит в кружок" in text
    assert "🧭 Этап" not in admin.last().button_texts()
    # A closed case's plan can be read, not changed; no reminders about it.
    await admin.press("📋 План")
    assert "➕ Задача" not in admin.last().button_texts()
    app.clock.set(utc(11, 27, 3, 0))
    assert await run_job(app) == 0
    app.fake.assert_no_violations()


async def test_only_the_familys_staff_and_coordinators_reach_the_plan(app: BotHarness) -> None:
    _admin, mentor, family_id = await world(app)
    boss = await app.actor(ADMIN_ID)
    async with app.sessionmaker.begin() as session:
        task = await case_plans.add_task(
            session,
            boss,
            family_id,
            case_plans.TaskDraft("Задача", date(2026, 11, 30)),
            app.clock.now(),
        )
    parent = await app.joined(
        PARENT_ID, await app.invitation(ADMIN_ID, Role.PARENT, family_id), first_name="Мария"
    )
    stranger = await app.joined(
        OTHER_MENTOR_ID, await app.invitation(ADMIN_ID, Role.MENTOR), first_name="Иван"
    )
    await app.deliver()
    # A parent has no /plan; a mentor of other families does not see this one.
    await parent.send_command("plan")
    assert "недоступно" in parent.last_text()
    await stranger.send_command("plan")
    assert "За вами пока не закреплено ни одной семьи." in stranger.last_text()
    # Forged reminder buttons: refused (and audited), nothing changes.
    for user in (parent, stranger):
        before = await refusals(app, user.id)
        message_id = user.last().message_id
        for data in (f"pt:d:{task.id}", f"pt:o:{task.id}"):
            await user.press_forged(data, message_id)
        assert await refusals(app, user.id) - before == 2
        for data in ("pt:d:abc", "pt:o:1234567890", "pt:d:999999"):
            await user.press_forged(data, message_id)
    assert (await tasks(app))[0].status == PlanTaskStatus.PLANNED
    # In the mentor's plan, a task id of another family in a button is refused too.
    other_family = await app.add_family(ADMIN_ID, "Петровы")
    async with app.sessionmaker.begin() as session:
        foreign = await case_plans.add_task(
            session,
            boss,
            other_family,
            case_plans.TaskDraft("Чужая задача", date(2026, 11, 30)),
            app.clock.now(),
        )
    await open_plan(mentor)
    plan = mentor.last()
    tap = next(b for b in plan.buttons() if b["text"].startswith("🗓"))
    forged = tap["callback_data"][: -len(str(task.id))] + str(foreign.id)
    before = await refusals(app, MENTOR_ID)
    await mentor.press_forged(forged, plan.message_id)
    assert "Чужая задача" not in mentor.last_text()
    assert await refusals(app, MENTOR_ID) - before == 1
    # The mentor's own task opens.
    await mentor.press(tap["text"])
    assert "Статус: запланирована" in mentor.last_text()
    app.fake.assert_no_violations(unanswered_callbacks_ok=True)


async def test_the_form_says_what_was_wrong_and_keeps_nothing_half_made(app: BotHarness) -> None:
    admin, _mentor, _family_id = await world(app)
    await open_plan(admin)
    await admin.press("➕ Задача")
    await admin.send_sticker()
    assert "отправьте это текстом" in admin.last_text()
    await admin.send_text("/что-то")
    assert "похоже на команду" in admin.last_text()
    await admin.send_text("я" * 301)
    assert "уложитесь в 300 символов" in admin.last_text()
    await admin.send_text("Задача <b>жирная</b> & длинная")
    await admin.press("➡️ Пропустить")
    await admin.press("➡️ Пропустить")
    await admin.press("➡️ Пропустить")
    await admin.press("➡️ Никто конкретно")
    await admin.send_text("22.11.2026")
    assert "Этот день уже прошёл" in admin.last_text()
    await admin.send_text("завтра")
    assert "ДД.ММ.ГГГГ" in admin.last_text()
    await admin.press("✖️ Отмена")
    assert "Задач пока нет." in admin.last_text()
    assert await tasks(app) == []
    await admin.press("➕ Задача")
    await admin.send_text("Задача <b>жирная</b> & длинная")
    for _ in range(3):
        await admin.press("➡️ Пропустить")
    await admin.press("➡️ Никто конкретно")
    await admin.press("07.12.2026")
    text = admin.last_text()
    assert "Задача <b>жирная</b> & длинная" in text
    assert "Ответственный: не назначен (напоминания — куратору и наставникам)" in text
    # Changing a part of it: the criteria, then the deadline.
    await admin.press("✏️ Критерии")
    await admin.send_text("готово к 7-му")
    assert "✅ Сохранено." in admin.last_text()
    assert "Критерии успеха: готово к 7-му" in admin.last_text()
    await admin.press("📅 Срок")
    await admin.press("23.12.2026")  # 30 days from the family's today
    assert "Срок: 23.12.2026" in admin.last_text()
    (task,) = await tasks(app)
    assert (task.criteria, task.due_date) == ("готово к 7-му", date(2026, 12, 23))
    app.fake.assert_no_violations()


async def test_an_empty_plan_list_says_what_to_do(app: BotHarness) -> None:
    """A coordinator with no families yet is pointed to /families; a mentor without families is
    told none are attached to them."""
    admin = await app.admin(ADMIN_ID)
    await admin.send_command("plan")
    assert "Открытых семей пока нет: добавьте семью через /families." in admin.last_text()
    mentor = await app.joined(2001, await app.invitation(ADMIN_ID, Role.MENTOR))
    await mentor.send_command("plan")
    assert "За вами пока не закреплено ни одной семьи." in mentor.last_text()
