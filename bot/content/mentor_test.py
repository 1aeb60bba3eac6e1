"""The candidates' test (content/mentor_test.yaml) as data, validated at start like the rest:
questions with their options and the one correct option each, and the pass mark (how many
questions answered right pass). A broken file stops the bot with its name and the problem."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, model_validator

from bot.content.base import CODE_PATTERN, CONTENT_DIR, Localized, StrictModel, load_model

MENTOR_TEST_PATH = CONTENT_DIR / "mentor_test.yaml"
# The codes ride in a button's callback data (64 bytes with the dialog's own ids).
QUESTION_CODE_MAX = 24
OPTION_CODE_MAX = 8


class QuizOption(Localized):
    code: str = Field(pattern=CODE_PATTERN, max_length=OPTION_CODE_MAX)


class QuizQuestion(Localized):
    code: str = Field(pattern=CODE_PATTERN, max_length=QUESTION_CODE_MAX)
    options: list[QuizOption] = Field(min_length=2, max_length=6)
    correct: str  # the code of the one correct option

    @model_validator(mode="after")
    def _one_correct(self) -> QuizQuestion:
        codes = [option.code for option in self.options]
        if len(set(codes)) != len(codes):
            raise ValueError(f"question {self.code}: option codes repeat: {codes}")
        if self.correct not in codes:
            raise ValueError(
                f"question {self.code}: correct option {self.correct!r} is not one of {codes}"
            )
        return self

    def option(self, code: str) -> QuizOption | None:
        return next((o for o in self.options if o.code == code), None)


class MentorTest(StrictModel):
    pass_mark: int = Field(ge=1)
    questions: list[QuizQuestion] = Field(min_length=1)

    @model_validator(mode="after")
    def _consistent(self) -> MentorTest:
        codes = [question.code for question in self.questions]
        if len(set(codes)) != len(codes):
            raise ValueError(f"questions: codes repeat: {codes}")
        if self.pass_mark > len(self.questions):
            raise ValueError(
                f"pass_mark: {self.pass_mark} is more than the {len(self.questions)} questions"
            )
        return self

    def question(self, code: str) -> QuizQuestion | None:
        return next((q for q in self.questions if q.code == code), None)

    def score(self, answers: dict[str, str]) -> int:
        """How many of the file's questions the answers got right."""
        return sum(answers.get(q.code) == q.correct for q in self.questions)


def load_mentor_test(path: Path = MENTOR_TEST_PATH) -> MentorTest:
    return load_model(path, MentorTest)
