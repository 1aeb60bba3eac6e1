"""The lists of a family's intake (content/intake.yaml): how families come, the kinds of
difficulty, the signs of each support level, adults' relations to the children and the kinds
of documents kept in the case."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, Field, model_validator

from bot.content.base import CODE_PATTERN, CONTENT_DIR, Labelled, load_model, unique_codes

INTAKE_PATH = CONTENT_DIR / "intake.yaml"
LEVELS = ("basic", "crisis")  # SupportLevel values


class IntakeItem(Labelled):
    code: str = Field(pattern=CODE_PATTERN, max_length=32)


class IntakeFile(BaseModel):
    sources: list[IntakeItem]
    difficulties: list[IntakeItem]
    level_signs: dict[str, list[IntakeItem]]
    relations: list[IntakeItem]
    documents: list[IntakeItem]

    @model_validator(mode="after")
    def _valid(self) -> IntakeFile:
        for what in ("sources", "difficulties", "relations", "documents"):
            unique_codes(getattr(self, what), what)
        if sorted(self.level_signs) != sorted(LEVELS):
            raise ValueError(f"level_signs: exactly the levels {list(LEVELS)}")
        unique_codes([s for level in LEVELS for s in self.level_signs[level]], "level_signs")
        return self

    def label(self, what: str, code: str, locale: str) -> str:
        """The label of a code in one of the lists; an unknown (retired) code as it is."""
        items: list[IntakeItem] = (
            [s for level in LEVELS for s in self.level_signs[level]]
            if what == "level_signs"
            else getattr(self, what)
        )
        found = next((item for item in items if item.code == code), None)
        return found.label(locale) if found else code

    def codes(self, what: str) -> set[str]:
        if what == "level_signs":
            return {s.code for level in LEVELS for s in self.level_signs[level]}
        return {item.code for item in getattr(self, what)}


def load_intake(path: Path = INTAKE_PATH) -> IntakeFile:
    return load_model(path, IntakeFile)
