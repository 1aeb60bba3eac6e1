"""The preliminary and final assessment of a family's case (content/assessment.yaml): the aspects
of the model programme with a short hint each, the short scale they are rated on (every point
labelled; low is serious difficulties, high is doing well) and the longest note. Validated at
start like the other files: a broken file stops the bot with its name and the problem."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, model_validator

from bot.content.base import CODE_PATTERN, CONTENT_DIR, Localized, StrictModel, load_model

ASSESSMENT_PATH = CONTENT_DIR / "assessment.yaml"
CODE_MAX = 32  # case_assessments.aspect
MIN_POINTS, MAX_POINTS = 2, 10
LOWEST, HIGHEST = 0, 10
POINT_LABEL_MAX = 40  # a point is a button: «1 · serious difficulties»
NAME_MAX = 80
HINT_MAX = 400
MAX_ASPECTS = 20
NOTE_MIN, NOTE_MAX = 50, 2000


class ScalePoint(Localized):
    value: int = Field(ge=LOWEST, le=HIGHEST)

    @model_validator(mode="after")
    def _short(self) -> ScalePoint:
        if max(len(self.ru), len(self.en)) > POINT_LABEL_MAX:
            raise ValueError(f"scale point {self.value}: keep its label under {POINT_LABEL_MAX}")
        return self


class Aspect(StrictModel):
    code: str = Field(pattern=CODE_PATTERN, max_length=CODE_MAX)
    name: Localized
    hint: Localized
    # Asked "when help is first offered or continued" (the model programme's second group).
    on_offer: bool = False

    @model_validator(mode="after")
    def _short(self) -> Aspect:
        if max(len(self.name.ru), len(self.name.en)) > NAME_MAX:
            raise ValueError(f"aspect {self.code}: keep its name under {NAME_MAX} characters")
        if max(len(self.hint.ru), len(self.hint.en)) > HINT_MAX:
            raise ValueError(f"aspect {self.code}: keep its hint under {HINT_MAX} characters")
        return self


class AssessmentFile(StrictModel):
    intro: Localized
    scale: list[ScalePoint]
    note_max: int = Field(ge=NOTE_MIN, le=NOTE_MAX)
    aspects: list[Aspect]

    @model_validator(mode="after")
    def _valid(self) -> AssessmentFile:
        values = [point.value for point in self.scale]
        if not MIN_POINTS <= len(values) <= MAX_POINTS:
            raise ValueError(f"scale: {MIN_POINTS} to {MAX_POINTS} points, found {len(values)}")
        if values != list(range(values[0], values[0] + len(values))):
            raise ValueError(f"scale: values going up by one, found {values}")
        codes = [aspect.code for aspect in self.aspects]
        if not 1 <= len(codes) <= MAX_ASPECTS:
            raise ValueError(f"aspects: 1 to {MAX_ASPECTS} aspects, found {len(codes)}")
        duplicates = sorted({c for c in codes if codes.count(c) > 1})
        if duplicates:
            raise ValueError(f"aspects: duplicate codes {duplicates}")
        return self

    @property
    def low(self) -> int:
        return self.scale[0].value

    @property
    def high(self) -> int:
        return self.scale[-1].value

    def values(self) -> set[int]:
        return {point.value for point in self.scale}

    def codes(self) -> list[str]:
        return [aspect.code for aspect in self.aspects]

    def aspect(self, code: str) -> Aspect | None:
        return next((a for a in self.aspects if a.code == code), None)

    def aspect_name(self, code: str, locale: str) -> str:
        """The aspect's name; an unknown (retired) code as it is."""
        found = self.aspect(code)
        return found.name.get(locale) if found else code

    def point_label(self, value: int, locale: str) -> str:
        found = next((p for p in self.scale if p.value == value), None)
        return found.get(locale) if found else str(value)


def load_assessment(path: Path = ASSESSMENT_PATH) -> AssessmentFile:
    return load_model(path, AssessmentFile)
