"""Weekly family programmes and the family-functioning questionnaire, as editable YAML data.

Every ``*.yaml`` in ``content/programmes`` is one programme: a service adds its own programme by
adding a file. Files are validated at start; a broken file raises ``ContentError`` naming the file
and the problem. The texts are plain text (the bot HTML-escapes them when it sends them).
"""

from __future__ import annotations

from itertools import pairwise
from pathlib import Path

from pydantic import Field, StrictInt, field_validator, model_validator

from bot import markup
from bot.content.base import (
    CODE_PATTERN,
    CONTENT_DIR,
    ContentError,
    Localized,
    StrictModel,
    load_model,
    not_blank,
)

PROGRAMMES_DIR = CONTENT_DIR / "programmes"
QUESTIONNAIRE_PATH = CONTENT_DIR / "questionnaire.yaml"

LOCALES: tuple[str, ...] = ("ru", "en")
MAX_WEEK_CHARS = 3500  # a week rendered whole, HTML-escaped; Telegram's limit is 4096
MIN_QUESTIONS = 2
MAX_QUESTIONS = 3
MIN_STATEMENTS = 6
MAX_STATEMENTS = 8
SCALE_VALUES = [1, 2, 3, 4, 5]
DEFAULT_FOLLOW_UP_MONTHS = (6, 12)  # the questionnaire again after a completed programme
MAX_FOLLOW_UP_MONTHS = 24
DEFAULT_LASTING_TOLERANCE = 2  # points below the exit total that still count as kept


class LocalizedList(StrictModel):
    """A short list of texts (the week's questions) in every locale."""

    ru: list[str]
    en: list[str]

    @field_validator("ru", "en")
    @classmethod
    def _filled(cls, value: list[str]) -> list[str]:
        if not MIN_QUESTIONS <= len(value) <= MAX_QUESTIONS:
            raise ValueError(
                f"{MIN_QUESTIONS} to {MAX_QUESTIONS} questions per locale, found {len(value)}"
            )
        return [not_blank(item) for item in value]

    def get(self, locale: str) -> list[str]:
        return list(self.en if locale == "en" else self.ru)


class Week(StrictModel):
    number: int = Field(ge=1)
    topic: Localized
    greeting: Localized
    questions: LocalizedList
    homework: Localized
    practice: Localized

    def parts(self, locale: str) -> list[str]:
        """Plain-text pieces in the order of a meeting: topic, greeting, questions, homework,
        practice. The questions come as one piece, one bullet line per question."""
        questions = "\n".join(f"• {q}" for q in self.questions.get(locale))
        return [
            self.topic.get(locale),
            self.greeting.get(locale),
            questions,
            self.homework.get(locale),
            self.practice.get(locale),
        ]

    def render(self, locale: str, *, escape: bool = True) -> str:
        """The whole week as one message: the parts joined by blank lines, HTML-escaped."""
        parts = self.parts(locale)
        if escape:
            parts = [markup.escape(part) for part in parts]
        return "\n\n".join(parts)

    @model_validator(mode="after")
    def _fits(self) -> Week:
        for locale in LOCALES:
            size = len(self.render(locale))
            if size > MAX_WEEK_CHARS:
                raise ValueError(
                    f"week {self.number} ({locale}) is {size} characters when rendered whole; "
                    f"keep it under {MAX_WEEK_CHARS}"
                )
        return self


class Programme(StrictModel):
    code: str = Field(pattern=CODE_PATTERN)
    title: Localized
    audience: Localized
    weeks: list[Week]
    # Months after completion when the family questionnaire is asked again ([] for never).
    follow_up_months: list[StrictInt] = Field(
        default_factory=lambda: list(DEFAULT_FOLLOW_UP_MONTHS)
    )
    lasting_tolerance: StrictInt = Field(default=DEFAULT_LASTING_TOLERANCE, ge=0)

    @field_validator("follow_up_months")
    @classmethod
    def _months(cls, value: list[int]) -> list[int]:
        if any(m < 1 or m > MAX_FOLLOW_UP_MONTHS for m in value):
            raise ValueError(f"follow_up_months: whole months from 1 to {MAX_FOLLOW_UP_MONTHS}")
        if any(a >= b for a, b in pairwise(value)):
            raise ValueError(f"follow_up_months: ascending without repeats, found {value}")
        return value

    @model_validator(mode="after")
    def _numbered(self) -> Programme:
        numbers = [week.number for week in self.weeks]
        expected = list(range(1, len(numbers) + 1))
        if not numbers:
            raise ValueError("weeks: at least one week")
        if numbers != expected:
            raise ValueError(
                f"weeks must be numbered 1..{len(numbers)} in order without gaps, found {numbers}"
            )
        return self

    @property
    def length(self) -> int:
        return len(self.weeks)

    def week(self, number: int) -> Week | None:
        if 1 <= number <= len(self.weeks):
            return self.weeks[number - 1]
        return None


class Statement(Localized):
    code: str = Field(pattern=CODE_PATTERN)


class ScaleStep(Localized):
    value: int


class Questionnaire(StrictModel):
    code: str = Field(pattern=CODE_PATTERN)
    title: Localized
    intro: Localized
    statements: list[Statement]
    scale: list[ScaleStep]

    @model_validator(mode="after")
    def _valid(self) -> Questionnaire:
        count = len(self.statements)
        if not MIN_STATEMENTS <= count <= MAX_STATEMENTS:
            raise ValueError(
                f"statements: {MIN_STATEMENTS} to {MAX_STATEMENTS} statements, found {count}"
            )
        codes = [s.code for s in self.statements]
        duplicates = sorted({c for c in codes if codes.count(c) > 1})
        if duplicates:
            raise ValueError(f"statements: duplicate codes {duplicates}")
        values = [step.value for step in self.scale]
        if values != SCALE_VALUES:
            raise ValueError(f"scale: exactly the values 1 to 5 in order, found {values}")
        return self

    @property
    def min_total(self) -> int:
        return SCALE_VALUES[0] * len(self.statements)

    @property
    def max_total(self) -> int:
        return SCALE_VALUES[-1] * len(self.statements)

    def scale_label(self, value: int, locale: str) -> str:
        found = next((s for s in self.scale if s.value == value), None)
        return found.get(locale) if found else str(value)


def load_programme(path: Path) -> Programme:
    return load_model(path, Programme)


def load_programmes(directory: Path = PROGRAMMES_DIR) -> dict[str, Programme]:
    """Every ``*.yaml`` in ``directory``, keyed by programme code, in file-name order."""
    if not directory.is_dir():
        raise ContentError(f"{directory}: programmes directory is missing")
    paths = sorted(directory.glob("*.yaml"))
    if not paths:
        raise ContentError(f"{directory}: no programme files (*.yaml)")
    programmes: dict[str, Programme] = {}
    sources: dict[str, Path] = {}
    for path in paths:
        programme = load_programme(path)
        if programme.code in programmes:
            raise ContentError(
                f"{path}: duplicate programme code {programme.code!r}, "
                f"already used in {sources[programme.code]}"
            )
        programmes[programme.code] = programme
        sources[programme.code] = path
    return programmes


def load_questionnaire(path: Path = QUESTIONNAIRE_PATH) -> Questionnaire:
    return load_model(path, Questionnaire)
