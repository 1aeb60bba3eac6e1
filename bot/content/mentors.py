"""The mentors' registry (content/mentors.yaml): the statuses' labels and the reasons of a
status's move (required for paused and left, optional for the other moves)."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, Field, model_validator

from bot.content.base import CODE_PATTERN, CONTENT_DIR, Labelled, load_model, unique_codes

MENTORS_PATH = CONTENT_DIR / "mentors.yaml"
STATUS_CODES = ("candidate", "tested", "trained", "active", "paused", "left")
REQUIRED_FOR = ("paused", "left")  # a move to these needs a reason


class MentorItem(Labelled):
    code: str = Field(pattern=CODE_PATTERN, max_length=32)


def _label(items: list[MentorItem], code: str, locale: str) -> str:
    found = next((item for item in items if item.code == code), None)
    return found.label(locale) if found else code


class MentorsFile(BaseModel):
    statuses: list[MentorItem]
    reasons: dict[str, list[MentorItem]]
    other: list[MentorItem]

    @model_validator(mode="after")
    def _valid(self) -> MentorsFile:
        if tuple(item.code for item in self.statuses) != STATUS_CODES:
            raise ValueError(f"statuses: exactly the codes {list(STATUS_CODES)}, in that order")
        for status in REQUIRED_FOR:
            if status not in self.reasons:
                raise ValueError(f"reasons: a list for '{status}' is required")
        for status, items in self.reasons.items():
            if status not in STATUS_CODES:
                raise ValueError(f"reasons: unknown status '{status}'")
            unique_codes(items, f"reasons.{status}")
        unique_codes(self.other, "other")
        return self

    def status_label(self, code: str, locale: str) -> str:
        return _label(self.statuses, code, locale)

    def reasons_for(self, status: str) -> list[MentorItem]:
        """The reasons offered for a move to `status`."""
        return self.reasons.get(status, self.other)

    def reason_required(self, status: str) -> bool:
        return status in self.reasons

    def reason_label(self, code: str, locale: str) -> str:
        """A reason's label wherever it is listed; an unknown (retired) code as it is."""
        for items in [*self.reasons.values(), self.other]:
            found = next((item for item in items if item.code == code), None)
            if found:
                return found.label(locale)
        return code


def load_mentors(path: Path = MENTORS_PATH) -> MentorsFile:
    return load_model(path, MentorsFile)
