"""Russian output holds no English left untranslated.

Every message kind of the outbox, rendered in Russian, asks gettext only for texts with a Russian
translation and shows no English fragment of the catalog. SAMPLES holds parameters for every
registered kind, one entry per branch of its renderer; a new kind fails here until it has some.

Dialog windows and replies are checked by the fake Telegram on every message the suite sends
(tests/faketg/untranslated.py); the last tests here show what it flags and what it lets through.
"""

from __future__ import annotations

from typing import Any

import pytest

import bot.notifications  # noqa: F401  (registers the message kinds)
from bot.clock import ManualClock
from bot.content import Content
from bot.content.srs import load_srs
from bot.db.models import MeetingFormat, Role
from bot.delivery.render import Outgoing, registry
from bot.i18n import Translator
from bot.i18n.telegram import PoI18n, create_i18n
from tests.faketg import FakeTelegram, limits
from tests.faketg.untranslated import checker, translations

CONTENT = Content()  # the shipped files, as the bot loads them
PROGRAMMES = CONTENT.programmes
CODE = sorted(PROGRAMMES)[0]
WEEKS = PROGRAMMES[CODE].length
FAMILY = "Ивановы"
WHEN = "12.12.2026 18:00"


def week(**more: Any) -> dict[str, Any]:
    return {"programme": CODE, "week": 1, "week_id": 7, **more}


def digest_section(prefix: str) -> dict[str, Any]:
    return {
        f"{prefix}_idle": 3,
        f"{prefix}_total": 5,
        prefix: [["Анна", "2026-11-01"], ["Ольга", None]],
    }


SAMPLES: dict[str, list[dict[str, Any]]] = {
    "course_finished": [{"name": "Анна <Петрова>", "person_id": 7}],
    "concern_alert": [
        {
            "number": number,
            "total": total,
            "family": FAMILY,
            "mentor": "Анна",
            "visit_date": "2026-11-20",
            "text": "Ребёнок один дома",
            "every_minutes": 30,
            "concern_id": 9,
            "can_raise": True,
        }
        for number, total in [(1, 3), (2, 3), (3, 3), (1, 1)]
    ],
    "consent_withdrawn": [
        {"family_ids": [3, 4], "family_names": [[3, FAMILY]]},
        {"person_id": 5, "roles": [str(role) for role in Role]},
    ],
    "family_assigned_curator": [{"family": FAMILY}],
    "family_assigned_mentor": [{"family": FAMILY}],
    "homework_copy": [
        {"family": FAMILY, "week": 1, "index": 1, "count": 2, "media": "photo", "file_id": "F"}
    ],
    "homework_digest": [
        {
            "items": [
                {"week": 1, "family": FAMILY, "programme": CODE, "week_id": 7},
                {"week": 2, "family": FAMILY, "programme": CODE, "week_id": 8, "late": True},
                {"week": 3, "family": FAMILY, "programme": CODE, "week_id": 9, "rating": 8},
            ],
            "more": 4,
        }
    ],
    "homework_done": [week()],
    "homework_feedback": [week(text="Спасибо за неделю!")],
    "homework_reminder": [week(), week(second=True)],
    "homework_week": [
        week(total=WEEKS, due=WHEN, week=number) for number in range(1, WEEKS + 2)
    ],  # the last one does not exist: «This week's texts are being updated»
    "invitation_accepted": [{"name": "Анна", "role": str(role)} for role in Role],
    "meeting_cancelled": [{"when": WHEN}],
    "meeting_changed": [
        {
            "participant_id": 11,
            "changes": {
                "topic": ["Школа", "Учёба"],
                "format": [str(MeetingFormat.DIALOGUE), str(MeetingFormat.FAMILY_COUNCIL)],
                "when": [WHEN, "13.12.2026 18:00"],
                "place": ["Школа №5", "Центр"],
                "duration_minutes": [45, 90],
                "facilitators": ["Анна", "Ольга"],
                "contact": ["+7 900 000-00-00", "@anna"],
                "note": ["a", "b"],
            },
        },
        {"participant_id": 11, "changes": {"duration_minutes": [60, 120]}},
    ],
    "meeting_decision_due": [
        {
            "what": "Записать в секцию",
            "who": "Мама",
            "due": "01.12.2026",
            "when": WHEN,
            "child": "Миша",
            "decision_id": 3,
        }
    ],
    "consilium_soon": [{"family": "Ивановы", "day": "30.11.2026"}],
    "final_meeting_soon": [{"family": "Ивановы", "day": "07.12.2026"}],
    "meeting_follow_up": [
        {"when": WHEN, "child": "Миша", "total": 3, "open": 1, "meeting_id": 7},
        {"when": WHEN, "child": "Миша", "total": 0},
    ],
    "meeting_invitation": [{"participant_id": 11}],
    "meeting_reminder": [
        {"when": WHEN, "participant_id": 11, "label": label} for label in ("24h", "2h")
    ],
    "no_visit_nudge": [
        {"family": FAMILY, "family_id": 2, "day": "2026-12-01", "last_visit": "2026-11-01"},
        {"family": FAMILY, "family_id": 2, "day": "2026-12-01", "assigned": "2026-11-01"},
    ],
    "plan_task_reminder": [
        {"title": "Справка", "due": "01.12.2026", "task_id": 4, **more}
        for more in (
            {},
            {"overdue": True, "family": FAMILY},
            {"family": FAMILY, "for_parent": True},
        )
    ],
    "follow_up_invite": [
        {"follow_up_id": 3, "programme": CODE, "months": months} for months in (6, 12, 9)
    ],
    "follow_up_reminder": [{"follow_up_id": 3, "programme": CODE, "months": 6}],
    "questionnaire_invite": [
        {"programme": CODE, "phase": phase, "enrollment_id": 6} for phase in ("entry", "exit")
    ],
    "questionnaire_reminder": [
        {"programme": CODE, "phase": phase, "enrollment_id": 6} for phase in ("entry", "exit")
    ],
    "srs_alert": [
        {
            "when": WHEN,
            "child": "Миша",
            "total": 20,
            "weak": [item.code for item in load_srs().items],
        },
        {"when": WHEN, "child": "Миша", "total": 30},
        {"when": WHEN, "child": "Миша", "total": 38, "weak": [], "drop": [40, 38]},
    ],
    "srs_survey": [{"participant_id": 11}, {"participant_id": 11, "reminder": True}],
    "mentor_test.result": [
        {"attempt_id": 4, "name": "Анна <Петрова>", "score": 8, "out_of": 10, "pass_mark": 7}
    ],
    "visit_planned": [{"family": FAMILY}],
    "weekly_digest": [
        {
            "days": 14,
            "today": "2026-12-01",
            **digest_section("mentors"),
            **digest_section("families"),
            "concerns_open": 3,
            "concerns": [[FAMILY, "2026-11-20"], [FAMILY, None]],
            "concerns_recent": 2,
            "plan_overdue": 3,
            "plan": [["Справка", "2026-11-20"], ["Справка", None]],
        }
    ],
}


class RecordingTranslator(Translator):
    """The recipient's translator, remembering every text the renderer asked for."""

    def __init__(self, i18n: PoI18n, locale: str) -> None:
        super().__init__(i18n, locale)
        self.asked: list[str] = []

    def gettext(self, message: str) -> str:
        self.asked.append(message)
        return super().gettext(message)


@pytest.fixture(scope="module")
def i18n() -> PoI18n:
    return create_i18n("ru")


def shown(outgoing: Outgoing) -> list[str]:
    """What the recipient sees: the text or caption after HTML parsing, and the buttons."""
    texts = [limits.render(outgoing.text, "HTML", None, what="text").text]
    if outgoing.reply_markup is not None:
        texts += [b.text for row in outgoing.reply_markup.inline_keyboard for b in row]
    return texts


def production_kinds() -> list[str]:
    """The kinds the bot registers (other tests register their own into the same registry)."""
    return [
        kind
        for kind in registry
        if getattr(registry.get(kind), "__module__", "").startswith("bot.")
    ]


def test_every_registered_kind_has_samples() -> None:
    assert sorted(SAMPLES) == production_kinds(), "add parameters of the new kind to SAMPLES"


CASES = [(kind, n) for kind in sorted(SAMPLES) for n in range(len(SAMPLES[kind]))]


@pytest.mark.parametrize(("kind", "n"), CASES, ids=[f"{k}-{n}" for k, n in CASES])
def test_every_kind_rendered_in_russian_is_russian(i18n: PoI18n, kind: str, n: int) -> None:
    if kind not in registry:
        pytest.skip(f"{kind} is no longer a kind")
    translator = RecordingTranslator(i18n, "ru")
    outgoing = registry.render(kind, SAMPLES[kind][n], translator, CONTENT)
    russian = translations("ru")
    untranslated = [m for m in translator.asked if m not in russian]
    assert not untranslated, f"{kind}: no Russian translation for {untranslated}"
    leaks = checker().english_in(shown(outgoing))
    assert not leaks, f"{kind}: English left in the Russian message: {leaks}\n{shown(outgoing)}"


# ---- the fake's check on everything the bot sends ------------------------------------------------


async def sent(text: str, *, language: str | None = "ru", **more: Any) -> FakeTelegram:
    fake = FakeTelegram(ManualClock())
    user = fake.user(42, language_code=language)
    await user.send_start()
    status, _body = await fake.handle(
        "sendMessage", {"chat_id": 42, "text": text, "parse_mode": "HTML", **more}, {}
    )
    assert status == 200  # the bot is not refused: the test fails at assert_no_violations
    return fake


async def test_a_russian_message_with_an_english_heading_is_a_violation() -> None:
    fake = await sent("📚 Главное меню\n<b>Task of the week</b>\nНапишите три вещи")
    [violation] = fake.violations
    assert "untranslated English 'Task of the week'" in violation
    with pytest.raises(AssertionError, match="Task of the week"):
        fake.assert_no_violations()


async def test_an_english_button_under_a_russian_message_is_a_violation() -> None:
    markup = {"inline_keyboard": [[{"text": "⏰ Remind me tomorrow", "callback_data": "x"}]]}
    fake = await sent("Главное меню", reply_markup=markup)
    assert len(fake.violations) == 1 and "Remind me tomorrow" in fake.violations[0]


@pytest.mark.parametrize(
    ("text", "language"),
    [
        # English with Russian names people typed.
        ("Tap a family to open the answers and reply. «Ивановы»", "ru"),
        # The bot writes English to a user whose Telegram speaks English, with the children's
        # words and notes in Russian, even those a translation shares («о ситуации»).
        ("Tap a family to open the answers and reply. «Коротко о ситуации»", "en"),
        ("Главное меню\nTask of the week", "en"),
        # Russian with an English name or a link: no catalog text.
        ("Главное меню: John Smith, https://example.org/task/of/the/week", "ru"),
        ("Главное меню", None),
    ],
)
async def test_what_the_check_lets_through(text: str, language: str | None) -> None:
    fake = await sent(text, language=language)
    fake.assert_no_violations()


async def test_the_check_can_be_turned_off() -> None:
    fake = FakeTelegram(ManualClock(), untranslated_is_violation=False)
    await fake.user(42).send_start()
    status, _body = await fake.handle(
        "sendMessage", {"chat_id": 42, "text": "Главное меню\nTask of the week"}, {}
    )
    assert status == 200 and not fake.violations
