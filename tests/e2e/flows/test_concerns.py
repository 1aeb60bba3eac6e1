"""Safety-concern escalation: alerts to every coordinator and the curator, re-alerts every hour
up to three times, «Взято в работу» stops them, «Повысить до кризисного» raises the level.

Visits and concerns are written straight into the database (the visit form is tested on its
own); the scheduler's job is called directly after moving the manual clock.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

import bot.notifications  # noqa: F401  (registers the message kinds)
from bot.content import Content
from bot.db.models import (
    AuditEntry,
    Family,
    OutboxMessage,
    Role,
    SafetyConcern,
)
from bot.delivery.render import registry
from bot.i18n import Translator
from bot.i18n.telegram import create_i18n
from bot.scheduler.jobs import Job, run_concern_alerts
from tests.conftest import ADMIN_ID
from tests.e2e.steps import add_visit, link, person_id
from tests.faketg import FakeUser
from tests.harness import BotHarness

COORDINATOR_2 = 1002
MENTOR = 2001
CURATOR = 2002
PARENT = 3001
OTHER_MENTOR = 2003

ALERT_FIRST_LINE = "🔔 Запись о визите требует вашего внимания."
ACK = "✅ Взято в работу"
CRISIS = "🔺 Повысить до кризисного"
REFUSED = (
    "Извините, для вашей роли это недоступно. Что вы можете здесь сделать — подскажет /help, "
    "а с остальным поможет координатор."
)


# --- arranging ----------------------------------------------------------------------------------


async def run_jobs(app: BotHarness, job: Job = run_concern_alerts) -> int:
    """What the scheduler does every few seconds (one job, or all with run_due_jobs), then the
    sender's round."""
    queued = await job(app.sessionmaker, app.clock, app.settings)
    await app.deliver()
    return queued


async def staff(app: BotHarness) -> dict[str, FakeUser]:
    admin = await app.admin(ADMIN_ID)
    coordinator = await app.joined(
        COORDINATOR_2, await app.invitation(ADMIN_ID, Role.COORDINATOR), language_code="en"
    )
    mentor = await app.joined(MENTOR, await app.invitation(ADMIN_ID, Role.MENTOR))
    curator = await app.joined(CURATOR, await app.invitation(ADMIN_ID, Role.MENTOR))
    other = await app.joined(OTHER_MENTOR, await app.invitation(ADMIN_ID, Role.MENTOR))
    return {
        "admin": admin,
        "coordinator": coordinator,
        "mentor": mentor,
        "curator": curator,
        "other": other,
    }


async def concern_setup(app: BotHarness) -> tuple[dict[str, FakeUser], int, int]:
    people = await staff(app)
    family_id = await app.add_family(ADMIN_ID, "Орловы <&>")
    await link(app, family_id, MENTOR, "mentor")
    await link(app, family_id, OTHER_MENTOR, "mentor")
    await link(app, family_id, CURATOR, "curator")
    people["parent"] = await app.joined(
        PARENT, await app.invitation(ADMIN_ID, Role.PARENT, family_id)
    )
    await add_visit(app, family_id, MENTOR, app.clock.now().date(), concern="Синяк <b>на руке</b>")
    async with app.sessionmaker() as session:
        concern_id = await session.scalar(select(SafetyConcern.id))
    assert concern_id is not None
    await app.deliver()  # notices about people who joined, out of the way
    return people, family_id, concern_id


# --- tests --------------------------------------------------------------------------------------


async def test_alert_reaches_every_coordinator_and_the_curator_at_once(app: BotHarness) -> None:
    people, _family_id, _concern_id = await concern_setup(app)
    before = {name: len(user.messages()) for name, user in people.items()}
    await run_jobs(app)
    admin, curator, coordinator = people["admin"], people["curator"], people["coordinator"]
    text = admin.last_text()
    assert text.splitlines()[0] == ALERT_FIRST_LINE  # the lock screen names nobody
    assert "Семья: Орловы <&>" in text
    assert "Наставник: " in text and "Синяк <b>на руке</b>" in text  # shown as typed
    assert f"Дата визита: {app.clock.now():%d.%m.%Y}" in text
    assert admin.last().button_texts() == [ACK, CRISIS]
    assert curator.last_text() == text
    assert curator.last().button_texts() == [ACK]  # the level is a coordinator's decision
    english = coordinator.last_text()
    assert english.splitlines()[0] == "🔔 A note from a visit needs your attention."
    assert "Family: Орловы <&>" in english and "What was written: Синяк <b>на руке</b>" in english
    assert coordinator.last().button_texts() == ["✅ I'm on it", "🔺 Raise to crisis"]
    # Mentors and parents hear nothing.
    for name in ("mentor", "other", "parent"):
        assert len(people[name].messages()) == before[name]


async def test_realerts_every_hour_three_times_then_stop(app: BotHarness) -> None:
    people, _family_id, concern_id = await concern_setup(app)
    admin = people["admin"]
    start = len(admin.messages())
    await run_jobs(app)
    await run_jobs(app)  # a second run (another replica, a quick restart) sends nothing more
    assert len(admin.messages()) == start + 1
    app.clock.advance(minutes=55)
    await run_jobs(app)
    assert len(admin.messages()) == start + 1
    for number in (2, 3, 4):
        app.clock.advance(minutes=5 if number == 2 else 60)
        await run_jobs(app)
        await app.restart()
        await run_jobs(app)  # after a restart: still once
        assert len(admin.messages()) == start + number
        # The person counts reminders, not alerts: the second alert is reminder 1 of 3.
        assert admin.last_text().startswith(f"🔔 Напоминание {number - 1} из 3:")
    assert "Это последнее напоминание." in admin.last_text()
    app.clock.advance(hours=5)
    await run_jobs(app)
    assert len(admin.messages()) == start + 4
    async with app.sessionmaker() as session:
        concern = await session.get(SafetyConcern, concern_id)
        assert concern is not None
        assert (concern.alerts_sent, concern.next_alert_at) == (4, None)
        sent = await session.scalar(
            select(func.count(OutboxMessage.id)).where(OutboxMessage.purpose == "concern_alert")
        )
    assert sent == 4 * 3  # four alerts to two coordinators and the curator


def test_reminders_are_counted_as_the_person_sees_them() -> None:
    """The alert number counts the first alert too; the text counts reminders only."""
    t = Translator(create_i18n("ru"), "ru")
    params = {
        "concern_id": 1,
        "family": "Орловы",
        "visit_date": "2026-11-23",
        "every_minutes": 60,
    }

    def text(number: int, total: int) -> str:
        return registry.render(
            "concern_alert", {**params, "number": number, "total": total}, t, Content()
        ).text

    assert text(2, 4).startswith("🔔 Напоминание 1 из 3:")
    assert text(4, 4).startswith("🔔 Напоминание 3 из 3:")
    assert "Это последнее напоминание." in text(4, 4)
    # No reminders configured: the only alert is not called a reminder.
    only = text(1, 1)
    assert only.startswith(ALERT_FIRST_LINE) and "напоминание" not in only
    assert "Повторять это сообщение не будем." in only


async def test_acknowledgement_stops_realerts_and_is_stored(app: BotHarness) -> None:
    people, _family_id, concern_id = await concern_setup(app)
    admin, curator, coordinator = people["admin"], people["curator"], people["coordinator"]
    await run_jobs(app)
    app.clock.advance(minutes=20)
    query = await curator.press(ACK)
    answer = app.fake.callback_answer(query)
    assert answer is not None and "Спасибо" in answer["text"]
    assert "✅ Вы взяли это в работу" in curator.last_text()
    assert curator.last().button_texts() == []
    pressed_at = app.clock.now()
    async with app.sessionmaker() as session:
        concern = await session.get(SafetyConcern, concern_id)
        assert concern is not None
        assert concern.acknowledged_by_id == await person_id(app, CURATOR)
        assert abs((concern.acknowledged_at - pressed_at).total_seconds()) < 5
        assert concern.next_alert_at is None
        audited = await session.scalar(
            select(func.count(AuditEntry.id)).where(AuditEntry.action == "concern.acknowledge")
        )
        assert audited == 1
    count = len(admin.messages())
    app.clock.advance(hours=3)
    await run_jobs(app)
    assert len(admin.messages()) == count  # no re-alert after acknowledgement

    # A second press elsewhere is answered kindly: who and when.
    query = await coordinator.press("✅ I'm on it")
    answer = app.fake.callback_answer(query)
    assert answer is not None and answer.get("show_alert")
    assert "Already taken on by" in answer["text"]
    assert "Taken on by" in coordinator.last_text()
    assert coordinator.last().button_texts() == ["🔺 Raise to crisis"]
    # The same person pressing again on a forged copy: told it is theirs already.
    query = await curator.press_forged(f"cn:ack:{concern_id}", curator.last().message_id)
    answer = app.fake.callback_answer(query)
    assert answer is not None and "Вы уже взяли это в работу" in answer["text"]
    async with app.sessionmaker() as session:
        concern = await session.get(SafetyConcern, concern_id)
        assert concern is not None
        assert concern.acknowledged_by_id == await person_id(app, CURATOR)  # first press wins


async def test_the_ack_time_is_shown_in_the_readers_zone(app: BotHarness) -> None:
    people, _family_id, _concern_id = await concern_setup(app)
    await run_jobs(app)
    await people["admin"].press(ACK)
    when = app.clock.now() + timedelta(hours=3)  # Europe/Moscow, UTC+3 all year
    assert f"✅ Вы взяли это в работу в {when:%d.%m %H:%M}." in people["admin"].last_text()
    query = await people["curator"].press(ACK)
    answer = app.fake.callback_answer(query)
    assert answer is not None
    assert answer["text"].startswith("Уже взято в работу: ")
    assert f"в {when:%d.%m %H:%M}" in answer["text"]


async def test_raise_to_crisis_from_the_alert(app: BotHarness) -> None:
    people, family_id, concern_id = await concern_setup(app)
    admin = people["admin"]
    await run_jobs(app)
    query = await admin.press(CRISIS)
    answer = app.fake.callback_answer(query)
    assert answer is not None and "кризисный" in answer["text"]
    assert "🔺 Уровень поддержки: кризисный." in admin.last_text()
    assert admin.last().button_texts() == [ACK]  # still to be taken on
    async with app.sessionmaker() as session:
        family = await session.get(Family, family_id)
        assert family is not None and family.support_level == "crisis"
        concern = await session.get(SafetyConcern, concern_id)
        assert concern is not None and concern.acknowledged_at is None
        audited = await session.scalar(
            select(func.count(AuditEntry.id)).where(AuditEntry.action == "family.level")
        )
        assert audited == 1
    # Pressed again on the other coordinator's copy: already crisis, said so.
    query = await people["coordinator"].press("🔺 Raise to crisis")
    answer = app.fake.callback_answer(query)
    assert answer is not None and "already crisis" in answer["text"]


async def test_forged_presses_are_refused_and_audited(app: BotHarness) -> None:
    people, family_id, concern_id = await concern_setup(app)
    await run_jobs(app)
    mentor, parent, curator = people["mentor"], people["parent"], people["curator"]
    for user in (mentor, parent):
        query = await user.press_forged(f"cn:ack:{concern_id}", user.last().message_id)
        answer = app.fake.callback_answer(query)
        # Whole, within a callback answer's 200 characters: it says where to turn instead.
        assert answer is not None and answer["text"] == REFUSED
    # A curator may take a concern on but not change the family's level.
    query = await curator.press_forged(f"cn:crisis:{concern_id}", curator.last().message_id)
    answer = app.fake.callback_answer(query)
    assert answer is not None and "недоступно" in answer["text"]
    # A made-up concern id tells a mentor nothing either.
    query = await mentor.press_forged("cn:ack:999", mentor.last().message_id)
    answer = app.fake.callback_answer(query)
    assert answer is not None and "недоступно" in answer["text"]
    # Nonsense after the prefix: a stale button.
    query = await mentor.press_forged("cn:ack:x1", mentor.last().message_id)
    answer = app.fake.callback_answer(query)
    assert answer is not None and "устарела" in answer["text"]
    async with app.sessionmaker() as session:
        concern = await session.get(SafetyConcern, concern_id)
        family = await session.get(Family, family_id)
        assert concern is not None and concern.acknowledged_at is None
        assert family is not None and family.support_level == "basic"
        refused = list(
            await session.scalars(
                select(AuditEntry.details).where(AuditEntry.action == "access.denied")
            )
        )
    assert [d["attempted"] for d in refused if d] == [
        "concern.ack",
        "concern.ack",
        "family.manage",
        "concern.ack",
    ]
    # Re-alerts go on: nobody with the right took it on.
    app.clock.advance(hours=1)
    await run_jobs(app)
    assert people["admin"].last_text().startswith("🔔 Напоминание 1 из 3:")


async def test_curator_of_another_family_may_not_acknowledge(app: BotHarness) -> None:
    people, _family_id, concern_id = await concern_setup(app)
    other_family = await app.add_family(ADMIN_ID, "Зайцевы")
    await link(app, other_family, OTHER_MENTOR, "curator")
    await run_jobs(app)
    other = people["other"]
    query = await other.press_forged(f"cn:ack:{concern_id}", other.last().message_id)
    answer = app.fake.callback_answer(query)
    assert answer is not None and "недоступно" in answer["text"]
