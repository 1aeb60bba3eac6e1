"""The evaluation of a weekly programme at its end (content/evaluation.yaml): the family's own
statements, their scale and the open question; the specialists' three items and their scale."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, model_validator

from bot.content.base import CODE_PATTERN, CONTENT_DIR, Localized, StrictModel, load_model

EVALUATION_PATH = CONTENT_DIR / "evaluation.yaml"
SCALE_VALUES = [1, 2, 3, 4, 5]
MIN_STATEMENTS, MAX_STATEMENTS = 3, 8
# The specialist's items are columns of SpecialistEvaluation: their codes are fixed.
SPECIALIST_ITEMS = ("engagement", "homework", "fit")


class EvaluationItem(Localized):
    code: str = Field(pattern=CODE_PATTERN, max_length=32)


class EvaluationStep(Localized):
    value: int


def _check_scale(scale: list[EvaluationStep], where: str) -> None:
    values = [step.value for step in scale]
    if values != SCALE_VALUES:
        raise ValueError(f"{where}.scale: exactly the values 1 to 5 in order, found {values}")


class FamilyEvaluation(StrictModel):
    title: Localized
    intro: Localized
    statements: list[EvaluationItem]
    scale: list[EvaluationStep]
    open_question: Localized

    @model_validator(mode="after")
    def _valid(self) -> FamilyEvaluation:
        count = len(self.statements)
        if not MIN_STATEMENTS <= count <= MAX_STATEMENTS:
            raise ValueError(
                f"family.statements: {MIN_STATEMENTS} to {MAX_STATEMENTS} statements, found {count}"
            )
        codes = [s.code for s in self.statements]
        duplicates = sorted({c for c in codes if codes.count(c) > 1})
        if duplicates:
            raise ValueError(f"family.statements: duplicate codes {duplicates}")
        _check_scale(self.scale, "family")
        return self

    def statement(self, code: str) -> EvaluationItem | None:
        return next((s for s in self.statements if s.code == code), None)


class SpecialistForm(StrictModel):
    items: list[EvaluationItem]
    scale: list[EvaluationStep]

    @model_validator(mode="after")
    def _valid(self) -> SpecialistForm:
        codes = tuple(item.code for item in self.items)
        if codes != SPECIALIST_ITEMS:
            raise ValueError(
                f"specialist.items: exactly the codes {list(SPECIALIST_ITEMS)} in this order, "
                f"found {list(codes)}"
            )
        _check_scale(self.scale, "specialist")
        return self

    def word(self, value: int, locale: str) -> str:
        """The scale's word for a stored score; an unknown one as the number."""
        step = next((s for s in self.scale if s.value == value), None)
        return step.get(locale) if step else str(value)


class EvaluationFile(StrictModel):
    family: FamilyEvaluation
    specialist: SpecialistForm


def load_evaluation(path: Path = EVALUATION_PATH) -> EvaluationFile:
    return load_model(path, EvaluationFile)
