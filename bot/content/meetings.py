"""Network meetings' lists (content/meetings.yaml): why a meeting is called, the phases of its
process and the 0–3 scale the facilitators judge each phase on."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, Field, model_validator

from bot.content.base import CODE_PATTERN, CONTENT_DIR, Labelled, load_model, unique_codes

MEETINGS_PATH = CONTENT_DIR / "meetings.yaml"
SCALE_VALUES = (0, 1, 2, 3)
PHASES_MIN, PHASES_MAX = 3, 8  # one window per phase: a short walk


class MeetingItem(Labelled):
    code: str = Field(pattern=CODE_PATTERN, max_length=32)


class ScaleItem(Labelled):
    value: int


class MeetingsFile(BaseModel):
    reasons: list[MeetingItem]
    phases: list[MeetingItem]
    scale: list[ScaleItem]

    @model_validator(mode="after")
    def _valid(self) -> MeetingsFile:
        unique_codes(self.reasons, "reasons")
        unique_codes(self.phases, "phases")
        if not PHASES_MIN <= len(self.phases) <= PHASES_MAX:
            raise ValueError(f"phases: from {PHASES_MIN} to {PHASES_MAX} items")
        if tuple(point.value for point in self.scale) != SCALE_VALUES:
            raise ValueError(f"scale: exactly the values {list(SCALE_VALUES)}, in that order")
        return self

    def reason_codes(self) -> list[str]:
        return [item.code for item in self.reasons]

    def phase_codes(self) -> list[str]:
        return [item.code for item in self.phases]

    def reason_label(self, code: str, locale: str) -> str:
        """A reason's label; an unknown (retired) code as it is."""
        found = next((item for item in self.reasons if item.code == code), None)
        return found.label(locale) if found else code

    def phase_label(self, code: str, locale: str) -> str:
        found = next((item for item in self.phases if item.code == code), None)
        return found.label(locale) if found else code

    def scale_label(self, value: int, locale: str) -> str:
        found = next((point for point in self.scale if point.value == value), None)
        return found.label(locale) if found else str(value)


def load_meetings(path: Path = MEETINGS_PATH) -> MeetingsFile:
    return load_model(path, MeetingsFile)
