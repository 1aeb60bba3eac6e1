"""The weekly release to parents: week 1 one minute after enrolment, the entry questionnaire
invitation, two parents, the cursor after a late run, the end of the programme."""

from __future__ import annotations

from datetime import timedelta

from bot.db.models import EnrollmentStatus
from tests.conftest import ADMIN_ID
from tests.harness import BotHarness
from tests.homework_support import (
    enrol_now,
    enrollment,
    family_with_people,
    outbox_rows,
    release,
    send_now,
    weeks,
)


async def test_week_one_comes_a_minute_after_enrolment(app: BotHarness) -> None:
    await app.admin(ADMIN_ID)
    fam = await family_with_people(app, parent_ids=(3001, 3002))
    enrollment_id = await enrol_now(app, fam.id)
    await send_now(app)
    for parent in fam.parents:
        assert "Добро пожаловать в программу «Точка опоры»" in parent.last_text()
        assert "📝 Заполнить анкету" in parent.last().button_texts()
    assert await release(app) == 0  # not yet
    app.clock.advance(60)
    assert await release(app) == 2  # week 1 to both parents
    assert await release(app) == 0  # a second run adds nothing
    await send_now(app)
    for parent in fam.parents:
        text = parent.last_text()
        assert text.startswith("📚 Точка опоры · неделя 1 из 10")
        assert "Знакомство с семьёй" in text
        assert "✍️ Ответить" in parent.last().button_texts()
    [week] = await weeks(app)
    assert week.week_number == 1
    # Due three days after the slot (the run came a few seconds after it).
    assert (
        timedelta(days=3) - timedelta(minutes=1)
        < week.due_at - week.released_at
        <= timedelta(days=3)
    )
    e = await enrollment(app, enrollment_id)
    assert e.next_release_at is not None
    assert e.next_release_at - week.released_at <= timedelta(days=7)
    app.fake.assert_no_violations()


async def test_a_late_run_releases_one_week_and_the_last_slot_finishes(app: BotHarness) -> None:
    await app.admin(ADMIN_ID)
    fam = await family_with_people(app, mentor_id=None)
    enrollment_id = await enrol_now(app, fam.id, "semeyny_pomoshnik")
    app.clock.advance(60)
    await release(app)
    # The bot was down for three weeks: one week now, the next at the next slot.
    app.clock.advance(days=21, hours=1)
    await release(app)
    assert [w.week_number for w in await weeks(app)] == [1, 2]
    e = await enrollment(app, enrollment_id)
    assert e.next_release_at is not None and e.next_release_at > app.clock.now()
    for _ in range(8):
        app.clock.set(e.next_release_at)
        await release(app)
        e = await enrollment(app, enrollment_id)
        if e.next_release_at is None:
            break
    assert [w.week_number for w in await weeks(app)] == list(range(1, 9))
    assert e.status == EnrollmentStatus.COMPLETED
    invites = await outbox_rows(app, "questionnaire_invite")
    assert [r.params["phase"] for r in invites] == ["entry", "exit"]
