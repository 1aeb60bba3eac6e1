"""The short lists people pick from: family categories, time zones, and the visit form's options
(content/family_categories.yaml, timezones.yaml, visits.yaml)."""

from __future__ import annotations

from pydantic import BaseModel, field_validator, model_validator

from bot.clock import is_known_zone
from bot.content.base import Coded, Labelled, ScalePoint


class Category(Labelled):
    code: str


class TimeZoneChoice(Labelled):
    zone: str

    @field_validator("zone")
    @classmethod
    def _known(cls, value: str) -> str:
        if not is_known_zone(value):
            raise ValueError(f"unknown time zone {value!r}")
        return value


def _unique_codes(items: list[Coded], what: str) -> None:
    codes = [item.code for item in items]
    if not codes or len(codes) != len(set(codes)):
        raise ValueError(f"{what}: codes must be present and unique")


class VisitsFile(BaseModel):
    formats: list[Coded]
    durations: list[int]
    methods: list[Coded]
    help: list[Coded]
    situation: list[ScalePoint]

    @model_validator(mode="after")
    def _valid(self) -> VisitsFile:
        for what in ("formats", "methods", "help"):
            _unique_codes(getattr(self, what), what)
        if sorted(p.value for p in self.situation) != [1, 2, 3, 4, 5]:
            raise ValueError("situation: exactly the values 1 to 5")
        if not self.durations or any(d <= 0 or d > 24 * 60 for d in self.durations):
            raise ValueError("durations: minutes between 1 and 1440")
        return self

    def label(self, what: str, code: str, locale: str) -> str:
        found = next((c for c in getattr(self, what) if c.code == code), None)
        return found.label(locale) if found else code


class CategoriesFile(BaseModel):
    categories: list[Category]

    @model_validator(mode="after")
    def _unique(self) -> CategoriesFile:
        codes = [c.code for c in self.categories]
        if len(codes) != len(set(codes)) or not codes:
            raise ValueError("category codes must be present and unique")
        return self


class TimeZonesFile(BaseModel):
    timezones: list[TimeZoneChoice]
