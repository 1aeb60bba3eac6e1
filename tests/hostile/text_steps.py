"""Every text step of every dialog, as the hostile-input and form-text tests reach it: the small
world each step needs (arranged once per harness), the path a person takes there, and the rows
the step must not store before its own save.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any
from weakref import WeakKeyDictionary

from aiogram.fsm.storage.base import StorageKey
from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import InstrumentedAttribute

from bot.db.models import (
    Enrollment,
    Family,
    Meeting,
    MeetingDecision,
    MeetingParticipant,
    PlanTask,
    Relation,
    Role,
    SafetyConcern,
    SocialMap,
    SocialMapPerson,
    Visit,
)
from tests.conftest import ADMIN_ID
from tests.e2e.steps import invite, join_by_link, make_meeting, plan_council
from tests.faketg import FakeUser
from tests.harness import BotHarness
from tests.homework_support import enrol_now, link, release, send_now

MENTOR_ID = 2001
PARENT_ID = 3001
PARTICIPANT_ID = 4001
FAMILY = "Ивановы"
MEETING_DAY = "24.11.2026"


# A path is what the user does to reach the step: "/cmd" sends a command, ">text" sends text,
# "^prefix" taps the button whose label starts with prefix, "~part" the one that contains part,
# anything else taps that label.
RU_CARD = ("/families", f"^{FAMILY}")
EN_NEW_MEETING = ("/meetings", "➕ New meeting")
EN_WIZARD = (
    *EN_NEW_MEETING,
    FAMILY,
    ">Маша",
    ">Я хочу жить с мамой",
    "Crisis and conflicts in the family",
    "meeting-dialogue",
)
EN_BOARD = ("/meetings", f"^{MEETING_DAY}")  # lands on the list, then the meeting's board
VISIT_TO_SITUATION = (
    "/visit",
    "📅 Сегодня",
    "Визит домой",
    "60 мин",
    "▫️ Наблюдение",
    "➡️ Далее",
    "➡️ Далее",
    "3 — без изменений",
)


def is_day(text: str) -> bool:
    """A date as the date steps take it: DD.MM.YYYY."""
    try:
        datetime.strptime(text.strip(), "%d.%m.%Y")
    except ValueError:
        return False
    return True


@dataclass(frozen=True)
class Step:
    who: str  # "admin" or "mentor"
    path: tuple[str, ...]
    unsaved: tuple[InstrumentedAttribute[Any], ...] = ()  # rows the step must not create
    lang: str = "ru"
    # Steps whose valid text is itself the save: undo it before the next example.
    reset: Callable[[BotHarness], Awaitable[None]] | None = None
    # Text the step takes as a valid answer (its own save), e.g. a date on a date step.
    accepts: Callable[[str], bool] | None = None
    # More of the world, once, for steps of parents and participants.
    arrange: Callable[[BotHarness, dict[str, FakeUser]], Awaitable[None]] | None = None


async def homework_week(app: BotHarness, users: dict[str, FakeUser]) -> None:
    family_id = await app.add_family(ADMIN_ID, "Петровы")
    users["parent"] = await app.joined(
        PARENT_ID, await app.invitation(ADMIN_ID, Role.PARENT, family_id)
    )
    await enrol_now(app, family_id)
    await send_now(app)  # the entry questionnaire's invitation comes first
    app.clock.advance(120)
    await release(app)
    await send_now(app)


async def invited_participant(app: BotHarness, users: dict[str, FakeUser]) -> None:
    family_id = await app.add_family(ADMIN_ID, "Соколовы")
    _meeting_id, (row,) = await make_meeting(app, family_id, [("Ольга", Relation.MOTHER)])
    users["participant"] = await join_by_link(
        app, PARTICIPANT_ID, await invite(app, row) or "", "ru"
    )


async def reopen_families(app: BotHarness) -> None:
    async with app.sessionmaker.begin() as session:
        await session.execute(
            update(Family).values(
                closed_at=None, closed_reason=None, closed_note=None, closed_by_id=None
            )
        )


async def no_tasks(app: BotHarness) -> None:
    """A task saved by a valid deadline: gone again, so the plan never fills up."""
    async with app.sessionmaker.begin() as session:
        await session.execute(delete(PlanTask))


async def one_task(app: BotHarness) -> None:
    """Exactly one open task in the family's plan, to mark as not done."""
    async with app.sessionmaker.begin() as session:
        await session.execute(delete(PlanTask))
        family_id = await session.scalar(select(Family.id).where(Family.name == FAMILY))
        assert family_id is not None
        session.add(
            PlanTask(
                family_id=family_id,
                title="Записать в кружок",
                due_date=date(2026, 12, 20),
                status="planned",
                created_at=datetime(2026, 11, 20, 9, 0, tzinfo=UTC),
            )
        )


async def no_maps(app: BotHarness) -> None:
    """No map of the child yet, so «🆕 Начать карту» is there to tap."""
    async with app.sessionmaker.begin() as session:
        await session.execute(delete(SocialMapPerson))
        await session.execute(delete(SocialMap))


RU_NEW_TASK = ("/plan", f"^{FAMILY}", "➕ Задача")
RU_TASK_RESPONSIBLE = (*RU_NEW_TASK, ">Оформить пособие", *(["➡️ Пропустить"] * 3))
RU_CLOSE_FINAL = (*RU_CARD, "🔒 Закрыть случай", "другая причина", ">переехали")
RU_MAP = ("/map", f"^{FAMILY}")
STEPS = {
    "family name": Step("admin", ("/families", "➕ Добавить семью"), (Family.id,)),
    "family search": Step("admin", ("/families",)),
    "close-case note": Step(
        "admin", (*RU_CARD, "🔒 Закрыть случай", "другая причина"), reset=reopen_families
    ),
    "programme start date": Step(
        "admin", (*RU_CARD, "📚 Программа", "➕ Записать", "Точка опоры"), (Enrollment.id,)
    ),
    "stats custom dates": Step("admin", ("/stats", "Другие даты…")),
    "meeting family search": Step("admin", EN_NEW_MEETING, (Meeting.id,), "en"),
    "meeting child": Step("admin", (*EN_NEW_MEETING, FAMILY), (Meeting.id,), "en"),
    "meeting topic": Step("admin", (*EN_NEW_MEETING, FAMILY, ">Маша"), (Meeting.id,), "en"),
    "meeting date": Step("admin", EN_WIZARD, (Meeting.id,), "en"),
    "meeting time": Step("admin", (*EN_WIZARD, "Tomorrow, 24.11"), (Meeting.id,), "en"),
    "meeting place": Step("admin", (*EN_WIZARD, "Tomorrow, 24.11", ">17:30"), (Meeting.id,), "en"),
    "meeting facilitators": Step(
        "admin",
        (*EN_WIZARD, "Tomorrow, 24.11", ">17:30", ">Школа №5", "90 min"),
        (Meeting.id,),
        "en",
    ),
    "meeting contact": Step(
        "admin",
        (*EN_WIZARD, "Tomorrow, 24.11", ">17:30", ">Школа №5", "90 min", ">Елена"),
        (Meeting.id,),
        "en",
    ),
    "meeting note": Step(
        "admin",
        (*EN_WIZARD, "Tomorrow, 24.11", ">17:30", ">Школа №5", "90 min", ">Елена", ">+7 900"),
        (Meeting.id,),
        "en",
    ),
    "participant kind": Step(
        "admin", (*EN_BOARD, "➕ Participant"), (MeetingParticipant.id,), "en"
    ),
    "participant name": Step(
        "admin", (*EN_BOARD, "➕ Participant", "✍️ Someone new"), (MeetingParticipant.id,), "en"
    ),
    "people search": Step(
        "admin",
        (*EN_BOARD, "➕ Participant", "👤 Someone who uses the bot"),
        (MeetingParticipant.id,),
        "en",
    ),
    "participant phone": Step(
        "admin",
        (*EN_BOARD, "➕ Participant", "✍️ Someone new", ">Ольга", "mother", "✅ Yes"),
        (),  # a valid phone (or none) saves the participant: that is this step's save
        "en",
    ),
    "details topic": Step("admin", (*EN_BOARD, "✏️ Edit details", "Topic"), (), "en"),
    "details facilitators": Step("admin", (*EN_BOARD, "✏️ Edit details", "Facilitators"), (), "en"),
    "details contact": Step("admin", (*EN_BOARD, "✏️ Edit details", "Contact"), (), "en"),
    "details note": Step("admin", (*EN_BOARD, "✏️ Edit details", "Note"), (), "en"),
    "change date": Step("admin", (*EN_BOARD, "✏️ Change date / time / place"), (), "en"),
    "decision what": Step(
        "admin", (*EN_BOARD, "^📋 Decisions", "➕ Decision"), (MeetingDecision.id,), "en"
    ),
    "decision who": Step(
        "admin",
        (*EN_BOARD, "^📋 Decisions", "➕ Decision", ">Найти репетитора"),
        (MeetingDecision.id,),
        "en",
    ),
    "decision date": Step(
        "admin",
        (*EN_BOARD, "^📋 Decisions", "➕ Decision", ">Найти репетитора", ">мама"),
        (MeetingDecision.id,),
        "en",
        accepts=is_day,
    ),
    "visit concern": Step("mentor", (*VISIT_TO_SITUATION, "⚠️ Да"), (Visit.id, SafetyConcern.id)),
    "menu free text": Step("admin", ("/start",)),
    "change time": Step("admin", (*EN_BOARD, "✏️ Change date / time / place", "^➡️ Keep"), (), "en"),
    "change place": Step(
        "admin",
        (*EN_BOARD, "✏️ Change date / time / place", "^➡️ Keep", "^➡️ Keep"),
        (),
        "en",
    ),
    "homework answer": Step("parent", ("✍️ Ответить",), arrange=homework_week),
    "rsvp comment": Step(
        "participant",
        ("/start", "📩 Мои встречи", "~Маша", "💬 Комментарий"),
        arrange=invited_participant,
    ),
    "visit notes": Step("mentor", (*VISIT_TO_SITUATION, "Нет"), (Visit.id, SafetyConcern.id)),
    "task title": Step("admin", RU_NEW_TASK, (PlanTask.id,)),
    "task criteria": Step("admin", (*RU_NEW_TASK, ">Оформить пособие"), (PlanTask.id,)),
    "task family part": Step(
        "admin", (*RU_NEW_TASK, ">Оформить пособие", "➡️ Пропустить"), (PlanTask.id,)
    ),
    "task specialists part": Step(
        "admin", (*RU_NEW_TASK, ">Оформить пособие", *(["➡️ Пропустить"] * 2)), (PlanTask.id,)
    ),
    "task responsible": Step("admin", RU_TASK_RESPONSIBLE, (PlanTask.id,)),
    "task deadline": Step(
        "admin",
        (*RU_TASK_RESPONSIBLE, "➡️ Никто конкретно"),
        (PlanTask.id,),
        reset=no_tasks,
        accepts=is_day,
    ),
    "task why not done": Step(
        "admin", ("/plan", f"^{FAMILY}", "^🗓", "❌ Не выполнено"), reset=one_task
    ),
    "close-case final date": Step("admin", RU_CLOSE_FINAL, reset=reopen_families, accepts=is_day),
    "close-case summary": Step(
        "admin", (*RU_CLOSE_FINAL, "➡️ Итоговой встречи не было"), reset=reopen_families
    ),
    "map child": Step("admin", RU_MAP, (SocialMap.id,)),
    "map person name": Step(
        "admin",
        (*RU_MAP, ">Маша", "🆕 Начать карту", "➕ Человек"),
        (SocialMapPerson.id,),
        reset=no_maps,
    ),
}


# What each test arranged once: hypothesis runs the body many times with the same `app`.
_ARRANGED: WeakKeyDictionary[BotHarness, dict[str, FakeUser]] = WeakKeyDictionary()


async def world(app: BotHarness, lang: str) -> dict[str, FakeUser]:
    """A coordinator, one family with a mentor, and a meeting planned for tomorrow."""
    if app in _ARRANGED:
        return _ARRANGED[app]
    admin = await app.admin(ADMIN_ID, language_code=lang)
    family_id = await app.add_family(ADMIN_ID, FAMILY)
    mentor = await app.joined(MENTOR_ID, await app.invitation(ADMIN_ID, Role.MENTOR))
    await link(app, MENTOR_ID, family_id, "mentor")
    await plan_council(app, family_id, "hostile", datetime(2026, 11, 24, 17, 0))
    _ARRANGED[app] = {"admin": admin, "mentor": mentor}
    return _ARRANGED[app]


async def fsm_state(app: BotHarness, user: FakeUser) -> str | None:
    """The state of the window the person sees: aiogram-dialog keeps it in the top intent's
    context of its stack, not in aiogram's FSM state (which stays None)."""

    def key(destiny: str) -> StorageKey:
        return StorageKey(bot_id=app.bot.id, chat_id=user.id, user_id=user.id, destiny=destiny)

    stack = await app.dp.storage.get_data(key("aiogd:stack:"))
    intents = stack.get("intents") or []
    if not intents:
        return None
    context = await app.dp.storage.get_data(key(f"aiogd:context:{intents[-1]}"))
    state = context.get("state")
    return str(state) if state else None


async def walk(user: FakeUser, path: tuple[str, ...]) -> None:
    for action in path:
        if action.startswith("/"):
            await user.send_command(action[1:])
        elif action.startswith(">"):
            await user.send_text(action[1:])
        elif action[0] in "^~":
            wanted = action[1:]
            label = next(
                (
                    t
                    for t in user.last().button_texts()
                    if (t.startswith(wanted) if action[0] == "^" else wanted in t)
                ),
                None,
            )
            assert label is not None, (action, user.last().button_texts())
            await user.press(label)
        else:
            await user.press(action)


async def count_rows(app: BotHarness, columns: tuple[InstrumentedAttribute[Any], ...]) -> list[int]:
    async with app.sessionmaker() as session:
        return [int(await session.scalar(select(func.count(c))) or 0) for c in columns]
