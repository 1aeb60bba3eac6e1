"""Content as data: editable YAML files validated at start, with errors that name the file."""

from __future__ import annotations

from pathlib import Path
from typing import TypeVar

import yaml
from pydantic import BaseModel, ValidationError, field_validator, model_validator

from bot.clock import is_known_zone

CONTENT_DIR = Path(__file__).resolve().parent.parent / "content"


class ContentError(Exception):
    pass


class Labelled(BaseModel):
    ru: str
    en: str

    def label(self, locale: str) -> str:
        return self.en if locale == "en" else self.ru


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


class Coded(Labelled):
    code: str


class ScalePoint(Labelled):
    value: int


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


M = TypeVar("M", bound=BaseModel)


def _load(path: Path, model: type[M]) -> M:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        return model.model_validate(raw)
    except FileNotFoundError as exc:
        raise ContentError(f"{path}: file is missing") from exc
    except yaml.YAMLError as exc:
        raise ContentError(f"{path}: not valid YAML: {exc}") from exc
    except ValidationError as exc:
        raise ContentError(f"{path}: {exc}") from exc


class Content:
    def __init__(self, directory: Path = CONTENT_DIR) -> None:
        self.categories = _load(directory / "family_categories.yaml", CategoriesFile).categories
        self.timezones = _load(directory / "timezones.yaml", TimeZonesFile).timezones
        self.visits = _load(directory / "visits.yaml", VisitsFile)
        # Weekly programmes: one file each under programmes/, checked at start like the rest
        # (imported here because that module builds on this one).
        from bot.programmes_content import load_programmes, load_questionnaire

        self.programmes = load_programmes(directory / "programmes")
        self.questionnaire = load_questionnaire(directory / "questionnaire.yaml")
        from bot.srs_content import load_srs

        self.srs = load_srs(directory / "srs.yaml")

    def category(self, code: str) -> Category | None:
        return next((c for c in self.categories if c.code == code), None)

    def category_label(self, code: str, locale: str) -> str:
        found = self.category(code)
        return found.label(locale) if found else code
