"""What every content file shares: where the files live, the error that names a broken file,
the small models they are built from, and the one loader (YAML, then pydantic validation)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

# The editable files, in the repository's top-level content/ folder.
CONTENT_DIR = Path(__file__).resolve().parents[2] / "content"
CODE_PATTERN = r"^[a-z0-9_]+$"  # codes of programmes, statements, SRS items


class ContentError(Exception):
    pass


class Labelled(BaseModel):
    ru: str
    en: str

    def label(self, locale: str) -> str:
        return self.en if locale == "en" else self.ru


class Coded(Labelled):
    code: str


class ScalePoint(Labelled):
    value: int


class StrictModel(BaseModel):
    """Unknown fields are refused and the loaded texts cannot change afterwards."""

    model_config = ConfigDict(extra="forbid", frozen=True)


def not_blank(value: str) -> str:
    value = value.strip()
    if not value:
        raise ValueError("text is empty")
    return value


class Localized(StrictModel):
    """One text in every locale (programmes, the questionnaire, the SRS)."""

    ru: str
    en: str

    @field_validator("ru", "en")
    @classmethod
    def _filled(cls, value: str) -> str:
        return not_blank(value)

    def get(self, locale: str) -> str:
        return self.en if locale == "en" else self.ru


M = TypeVar("M", bound=BaseModel)


def describe(exc: ValidationError) -> str:
    """Pydantic's errors as one line a person editing the file can follow: where, then what."""
    problems = []
    for error in exc.errors():
        where = ".".join(str(part) for part in error["loc"])
        message = str(error["msg"]).removeprefix("Value error, ")
        problems.append(f"{where}: {message}" if where else message)
    return "; ".join(problems)


def load_model(path: Path, model: type[M]) -> M:
    """The file at `path` as `model`, or a ContentError naming the file and the problem."""
    try:
        raw: Any = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ContentError(f"{path}: file is missing") from exc
    except yaml.YAMLError as exc:
        raise ContentError(f"{path}: not valid YAML: {exc}") from exc
    if not isinstance(raw, dict):
        raise ContentError(f"{path}: expected a mapping of fields at the top of the file")
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        raise ContentError(f"{path}: {describe(exc)}") from exc


def unique_codes(items: Sequence[Any], what: str) -> None:
    """A list of a content file's items: at least one, each `code` once."""
    codes = [item.code for item in items]
    if not codes:
        raise ValueError(f"{what}: at least one item")
    if len(codes) != len(set(codes)):
        raise ValueError(f"{what}: codes must be unique")
