"""The mentors' registry through /mentors: a candidate invited through /invite, the list's figures
for known data, filters by status, a mentor's card (families, training, the test, the history),
moving the status with a reason and a note, the confirmation when a family gets a mentor who is
not active; only coordinators see it, and forged buttons get nothing."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from bot.content import Content
from bot.db.models import (
    FamilyLink,
    LessonProgress,
    MentorProfile,
    MentorStatusChange,
    MentorTestAttempt,
    PlanTask,
    Role,
    TrainingSession,
)
from bot.services import invitations
from tests.conftest import ADMIN_ID
from tests.e2e.steps import add_visit, attach, audits, forged_in_window, person_id
from tests.faketg import FakeUser
from tests.harness import BotHarness

MENTOR_ID = 2001
CANDIDATE_ID = 2002
REFUSED = "Извините, для вашей роли это недоступно."
CHANGED = "что-то изменилось"
LESSONS = len(Content().course.lesson_codes())
CANDIDATES: dict[BotHarness, FakeUser] = {}  # the candidate of each test's world


async def candidate_token(app: BotHarness) -> str:
    actor = await app.actor(ADMIN_ID)
    async with app.sessionmaker.begin() as session:
        created = await invitations.create(
            session,
            actor,
            role=Role.MENTOR,
            now=app.clock.now(),
            ttl=timedelta(days=7),
            as_candidate=True,
        )
        return created.token


async def world(app: BotHarness, admin_language: str = "ru") -> tuple[FakeUser, FakeUser, int]:
    """Пётр (active) mentors Ивановы and Петровы; Ольга is a candidate with no family."""
    admin = await app.admin(ADMIN_ID, first_name="Мария", language_code=admin_language)
    ivanovy = await app.add_family(ADMIN_ID, "Ивановы")
    petrovy = await app.add_family(ADMIN_ID, "Петровы")
    mentor = await app.joined(
        MENTOR_ID, await app.invitation(ADMIN_ID, Role.MENTOR), first_name="Пётр"
    )
    candidate = await app.joined(CANDIDATE_ID, await candidate_token(app), first_name="Ольга")
    CANDIDATES[app] = candidate
    for family_id in (ivanovy, petrovy):
        await attach(app, MENTOR_ID, family_id)
    for day in (date(2026, 11, 20), date(2026, 11, 2), date(2026, 10, 28)):
        await add_visit(app, ivanovy, MENTOR_ID, day)
    await add_visit(app, ivanovy, MENTOR_ID, date(2026, 11, 22), deleted=True)  # not counted
    peter = await person_id(app, MENTOR_ID)
    now = app.clock.now()
    async with app.sessionmaker.begin() as session:
        for due, status in (
            (date(2026, 11, 10), "planned"),  # overdue
            (date(2026, 11, 12), "in_progress"),  # overdue
            (date(2026, 11, 1), "done"),  # done: not overdue
            (date(2026, 11, 30), "planned"),  # not due yet
        ):
            session.add(
                PlanTask(
                    family_id=petrovy, title="Задача", due_date=due, status=status, created_at=now
                )
            )
        for code in ("child_protection_basics", "second"):
            session.add(
                LessonProgress(
                    person_id=peter,
                    lesson_code=code,
                    subject_code="child_protection",
                    minutes=30,
                    done_at=now,
                )
            )
        session.add(
            TrainingSession(
                person_id=peter,
                held_on=date(2026, 11, 5),
                subject_code="child_protection",
                minutes=120,
                created_at=now,
            )
        )
        session.add(
            MentorTestAttempt(
                person_id=peter,
                answers={},
                score=8,
                out_of=10,
                passed=True,
                started_at=now,
                finished_at=now,
            )
        )
    await app.deliver()
    return admin, mentor, ivanovy


async def profile(app: BotHarness, telegram_id: int) -> MentorProfile:
    pid = await person_id(app, telegram_id)
    async with app.sessionmaker() as session:
        found = await session.get(MentorProfile, pid)
        assert found is not None
        return found


async def history(app: BotHarness, telegram_id: int) -> list[MentorStatusChange]:
    pid = await person_id(app, telegram_id)
    async with app.sessionmaker() as session:
        rows = await session.scalars(
            select(MentorStatusChange)
            .where(MentorStatusChange.person_id == pid)
            .order_by(MentorStatusChange.id)
        )
        return list(rows)


async def test_a_candidate_invited_through_invite(app: BotHarness) -> None:
    admin = await app.admin(ADMIN_ID)
    await admin.send_command("invite")
    await admin.press("Наставник")
    assert "Пригласить наставника как:" in admin.last_text()
    await admin.press("⬅️ Назад")  # the way back: the roles again
    assert "Кого пригласить?" in admin.last_text()
    await admin.press("Наставник")
    await admin.press("🎓 Кандидата (пройдёт тест и курс)")
    photo = next(m for m in reversed(admin.messages()) if m.kind == "photo")
    token = (photo.caption or "").split("?start=")[1].split()[0]
    await app.joined(CANDIDATE_ID, token, first_name="Ольга")
    assert (await profile(app, CANDIDATE_ID)).status == "candidate"
    [joined] = await history(app, CANDIDATE_ID)
    assert (joined.from_status, joined.to_status, joined.changed_by_id) == (None, "candidate", None)

    # an ordinary mentor invitation makes an active mentor
    await admin.send_command("invite")
    await admin.press("Наставник")
    await admin.press("✅ Активного наставника")
    photo = next(m for m in reversed(admin.messages()) if m.kind == "photo")
    token = (photo.caption or "").split("?start=")[1].split()[0]
    await app.joined(MENTOR_ID, token, first_name="Пётр")
    assert (await profile(app, MENTOR_ID)).status == "active"


async def test_the_registry_shows_each_mentors_figures(app: BotHarness) -> None:
    admin, _mentor, _family = await world(app)
    await admin.send_command("mentors")
    text = admin.last_text()
    assert "Наставники: 2 (стр. 1 из 1)" in text
    assert "Ольга — Кандидат\n👪 0 · последний визит — · визитов в этом месяце: 0" in text
    assert (
        "Пётр — Активен\n👪 2 · последний визит 20.11.2026 · визитов в этом месяце: 2 · "
        f"просрочено задач: 2 · уроков 2 из {LESSONS}"
    ) in text
    assert text.index("Ольга") < text.index("Пётр")  # by name
    assert "• Все (2)" in admin.last().button_texts()  # the filter now is marked
    assert await audits(app, "mentors.list")

    # the filter by status
    await admin.press("Кандидат (1)")
    assert "Показаны: Кандидат" in admin.last_text() and "Пётр" not in admin.last_text()
    await admin.press("На паузе (0)")
    assert "Здесь наставников нет." in admin.last_text()
    await admin.press("Все (2)")
    assert "Пётр" in admin.last_text()


async def test_the_registry_reads_a_fixed_number_of_queries(app: BotHarness) -> None:
    """Ten more mentors on the page do not add queries (no query per mentor)."""
    from sqlalchemy import event

    from bot.services import mentor_registry

    await world(app)
    actor = await app.actor(ADMIN_ID)

    async def count() -> int:
        statements = 0

        def on_execute(*_args: object) -> None:
            nonlocal statements
            statements += 1

        event.listen(app.engine.sync_engine, "before_cursor_execute", on_execute)
        try:
            async with app.sessionmaker.begin() as session:
                await mentor_registry.list_page(
                    session,
                    actor,
                    app.clock.now(),
                    date(2026, 11, 23),
                    status=None,
                    offset=0,
                    limit=8,
                )
        finally:
            event.remove(app.engine.sync_engine, "before_cursor_execute", on_execute)
        return statements

    before = await count()
    for n in range(6):
        await app.joined(2100 + n, await app.invitation(ADMIN_ID, Role.MENTOR))
    assert await count() == before


async def test_a_card_and_moving_the_status_with_reasons(app: BotHarness) -> None:
    admin, _mentor, _family = await world(app)
    await admin.send_command("mentors")
    await admin.press("Пётр")
    card = admin.last_text()
    assert "Семьи: Ивановы, Петровы" in card
    assert f"Обучение: уроков 2 из {LESSONS}; очно: занятий 1, 2.0 ч; всего 3.0 ч" in card
    assert "Тест: 8 из 10, сдан, 23.11.2026" in card
    assert "История статуса:\n23.11.2026: Активен" in card
    assert await audits(app, "mentor.view")

    # active → paused: a reason is required (no «Пропустить»), then an optional note
    await admin.press("🔄 Изменить статус")
    assert "Пётр: сейчас «Активен». Перевести в:" in admin.last_text()
    assert admin.last().button_texts()[:2] == ["На паузе", "Выбыл"]
    await admin.press("На паузе")
    assert "Почему «На паузе»?" in admin.last_text()
    assert "Пропустить" not in admin.last().button_texts()
    await admin.press("Отпуск")
    await admin.send_text("x" * 201)
    assert "уложите заметку в 200 символов" in admin.last_text()
    await admin.send_text("До 15 декабря <море>")
    assert "✅ Статус теперь «На паузе»." in admin.last_text()
    assert "23.11.2026: На паузе — Отпуск (До 15 декабря <море>) · Мария" in (
        admin.last().text or ""
    )
    moved = (await history(app, MENTOR_ID))[-1]
    assert (moved.from_status, moved.to_status, moved.reason, moved.note) == (
        "active",
        "paused",
        "vacation",
        "До 15 декабря <море>",
    )
    assert moved.changed_by_id == await person_id(app, ADMIN_ID)
    assert (await profile(app, MENTOR_ID)).status == "paused"
    [audit] = await audits(app, "mentor.status")
    assert audit.details == {"from_status": "active", "to_status": "paused", "reason": "vacation"}

    # paused → active: the reason is optional, the note too
    await admin.press("🔄 Изменить статус")
    await admin.press("Активен")
    await admin.press("Пропустить")
    await admin.press("Пропустить")
    assert "✅ Статус теперь «Активен»." in admin.last_text()
    # → left (a reason), then left → candidate: the way back is the path from its start
    await admin.press("🔄 Изменить статус")
    await admin.press("Выбыл")
    await admin.press("Переезд")
    await admin.press("Пропустить")
    await admin.press("🔄 Изменить статус")
    assert admin.last().button_texts()[0] == "Кандидат"
    assert "Активен" not in admin.last().button_texts()
    await admin.press("Кандидат")
    await admin.press("Вернулся к работе")
    await admin.press("Пропустить")
    assert [c.to_status for c in await history(app, MENTOR_ID)] == [
        "active",
        "paused",
        "active",
        "left",
        "candidate",
    ]
    await admin.press("⬅️ Назад")
    assert "Пётр — Кандидат" in admin.last_text()


async def test_forged_moves_and_mentor_ids_get_nothing(app: BotHarness) -> None:
    admin, _mentor, _family = await world(app)
    await admin.send_command("mentors")
    # another person's id (the coordinator is no mentor) and garbage in the mentor's button
    data, message_id = forged_in_window(admin, "mentor")
    admin_pid = await person_id(app, ADMIN_ID)
    query = await admin.press_forged(f"{data}:{admin_pid}", message_id)
    assert CHANGED in str((app.fake.callback_answer(query) or {}).get("text"))
    await admin.send_command("mentors")
    data, message_id = forged_in_window(admin, "mentor")
    await admin.press_forged(f"{data}:1;drop", message_id)
    # a move the path does not allow (active → candidate) and an unknown status
    await admin.send_command("mentors")
    await admin.press("Пётр")
    await admin.press("🔄 Изменить статус")
    data, message_id = forged_in_window(admin, "move_to")
    await admin.press_forged(f"{data}:candidate", message_id)
    await admin.press("Пропустить")  # the optional reason
    await admin.press("Пропустить")  # the note: saving is refused
    assert CHANGED in str(app.fake.calls_of("answerCallbackQuery")[-1].params.get("text"))
    assert (await profile(app, MENTOR_ID)).status == "active"
    assert len(await history(app, MENTOR_ID)) == 1


async def test_a_status_moved_meanwhile_is_not_moved_again(app: BotHarness) -> None:
    admin, _mentor, _family = await world(app)
    await admin.send_command("mentors")
    await admin.press("Пётр")
    await admin.press("🔄 Изменить статус")
    await admin.press("Выбыл")
    async with app.sessionmaker.begin() as session:  # another coordinator paused him meanwhile
        found = await session.get(MentorProfile, await person_id(app, MENTOR_ID))
        assert found is not None
        found.status = "paused"
    await admin.press("Нет времени")
    await admin.press("Пропустить")
    assert (await profile(app, MENTOR_ID)).status == "paused"


async def test_only_coordinators_see_the_registry(app: BotHarness) -> None:
    _admin, mentor, _family = await world(app)
    await mentor.send_command("mentors")
    assert REFUSED in mentor.last_text()
    candidate = CANDIDATES[app]
    await candidate.send_command("mentors")
    assert REFUSED in candidate.last_text()
    assert len(await audits(app, "access.denied")) == 2


async def test_assigning_a_mentor_who_is_not_active_asks_first(app: BotHarness) -> None:
    admin, _mentor, family_id = await world(app)
    candidate = await person_id(app, CANDIDATE_ID)
    await admin.send_command("families")
    await admin.press("Ивановы · ТЖС (трудная жизненная ситуация) · базовый")
    await admin.press("👤 Наставники")
    await admin.press("➕ Назначить наставника")
    await admin.press("Ольга · 👪 0")
    assert "Ольга — кандидат. Всё равно назначить?" in admin.last_text()
    await admin.press("⬅️ Назад")  # changed one's mind: nothing assigned
    async with app.sessionmaker() as session:
        links = await session.scalars(select(FamilyLink).where(FamilyLink.person_id == candidate))
        assert not list(links)
    await admin.press("Ольга · 👪 0")
    await admin.press("✅ Всё равно назначить")
    assert "Ольга теперь наставник семьи" in admin.last_text()
    [audit] = await audits(app, "family.mentor.assign_not_active")
    assert audit.object_id == family_id
    assert audit.details == {"person_id": candidate, "status": "candidate"}


async def test_the_registry_in_english(app: BotHarness) -> None:
    admin, _mentor, _family = await world(app, admin_language="en")
    await admin.send_command("mentors")
    text = admin.last_text()
    assert "Mentors: 2 (page 1 of 1)" in text
    assert (
        "Пётр — Active\n👪 2 · last visit 20.11.2026 · visits this month: 2 · "
        f"overdue tasks: 2 · lessons 2 of {LESSONS}"
    ) in text
    await admin.press("Пётр")
    await admin.press("🔄 Change the status")
    await admin.press("Paused")
    assert "Why «Paused»?" in admin.last_text()
    await admin.press("Family circumstances")
    await admin.press("Skip")
    assert "✅ The status is now «Paused»." in admin.last_text()
    assert "Paused — Family circumstances" in admin.last_text()
