"""The official Bot API spec (api.json) and validation of calls and objects against it.

Parameters arrive "on the wire": every top-level value may be a string (multipart / urlencoded
forms carry nothing else), complex values are JSON-serialised strings, and files are uploads.
Inside a JSON-serialised object the JSON types must be right: the fake does not coerce "5" to 5
there (stricter than the real server, which is lenient in places).
"""

from __future__ import annotations

import json
import math
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

_HERE = Path(__file__).resolve().parent
# The team's reference spec lives in ../shared/botapi beside the repository (CI has it there);
# the package also carries a copy (botapi/SOURCE.md says where it comes from) so a clone outside
# that layout still runs. FAKETG_API_JSON overrides both, for trying a newer spec.
_CANDIDATES = (
    os.environ.get("FAKETG_API_JSON", ""),
    str(_HERE.parents[2] / "shared" / "botapi" / "api.json"),
    str(_HERE / "botapi" / "api.json"),
)

ATTACH = "attach://"
_INT_RE = re.compile(r"-?\d+")
# Subtypes announce their discriminator in prose: 'Scope type, must be chat', 'always “emoji”'.
_DISCRIMINATOR_RE = re.compile(r"(?:must be|always) [\"“]?([a-z0-9_]+)[\"”]?$")
_DISCRIMINATOR_FIELDS = ("type", "status", "source")


@dataclass(frozen=True)
class Upload:
    """A file posted in a multipart request."""

    filename: str
    data: bytes


class SpecViolation(Exception):
    """A value does not match the spec. `path` names the offending parameter/field."""

    def __init__(self, path: str, problem: str) -> None:
        super().__init__(f"{path}: {problem}")
        self.path = path
        self.problem = problem


class Spec:
    def __init__(self, raw: Mapping[str, Any]) -> None:
        self.version: str = raw.get("version", "?")
        self.methods: dict[str, dict[str, Any]] = dict(raw["methods"])
        self.types: dict[str, dict[str, Any]] = dict(raw["types"])

    # ---- calls -------------------------------------------------------------------------------

    def has_method(self, method: str) -> bool:
        return method in self.methods

    def returns(self, method: str) -> list[str]:
        return list(self.methods[method].get("returns", []))

    def validate_call(
        self, method: str, params: Mapping[str, Any], files: Mapping[str, Upload]
    ) -> dict[str, Any]:
        """Check a call and return its parameters decoded to Python values.

        InputFile parameters decode to `Upload`; nested `attach://` references stay strings but
        must point at an uploaded file.
        """
        fields = {f["name"]: f for f in self.methods[method].get("fields", [])}
        for name in params:
            if name not in fields:
                # Real Telegram silently ignores unknown parameters; the fake rejects them so a
                # typo or an API removed from the spec cannot go unnoticed.
                raise SpecViolation(name, f"unknown parameter for {method}")
        for name, field in fields.items():
            if field["required"] and name not in params and name not in files:
                raise SpecViolation(name, "required parameter is missing")
        decoded: dict[str, Any] = {}
        for name, value in params.items():
            decoded[name] = self._union(value, fields[name]["types"], name, True, files)
        # A multipart field carrying a file under the parameter's own name (no attach://).
        for name, upload in files.items():
            if name in fields and name not in params:
                if "InputFile" not in fields[name]["types"]:
                    raise SpecViolation(name, "a file was uploaded for a non-file parameter")
                decoded[name] = upload
        return decoded

    # ---- objects -----------------------------------------------------------------------------

    def validate_object(self, value: Any, type_expr: str, path: str = "result") -> None:
        """Check a JSON-native value (e.g. a result or update the fake produced)."""
        self._union(value, [type_expr], path, False, {})

    def validate_result(self, method: str, result: Any) -> None:
        """Check a method's result against its documented return type(s)."""
        self._union(result, self.returns(method), "result", False, {})

    def _union(
        self, value: Any, types: list[str], path: str, wire: bool, files: Mapping[str, Upload]
    ) -> Any:
        problems: list[SpecViolation] = []
        for type_expr in types:
            try:
                return self._one(value, type_expr, path, wire, files)
            except SpecViolation as exc:
                problems.append(exc)
        if len(problems) == 1 or len({p.problem for p in problems}) == 1:
            raise problems[0]
        # Prefer the most specific complaint: one raised deeper than this level.
        deep = [p for p in problems if p.path != path]
        if deep:
            raise deep[0]
        raise SpecViolation(path, f"expected {' or '.join(types)}, got {_show(value)}")

    def _one(
        self, value: Any, type_expr: str, path: str, wire: bool, files: Mapping[str, Upload]
    ) -> Any:
        if type_expr.startswith("Array of "):
            inner = type_expr.removeprefix("Array of ")
            value = self._maybe_json(value, path, wire)
            if not isinstance(value, list):
                raise SpecViolation(path, f"expected {type_expr}, got {_show(value)}")
            return [
                self._one(item, inner, f"{path}[{i}]", False, files) for i, item in enumerate(value)
            ]
        if type_expr == "Integer":
            if isinstance(value, int) and not isinstance(value, bool):
                return value
            if wire and isinstance(value, str) and _INT_RE.fullmatch(value):
                return int(value)
            raise SpecViolation(path, f"expected Integer, got {_show(value)}")
        if type_expr == "Float":
            if isinstance(value, int | float) and not isinstance(value, bool):
                return float(value)
            if wire and isinstance(value, str):
                try:
                    number = float(value)
                except ValueError:
                    pass
                else:
                    if math.isfinite(number):
                        return number
            raise SpecViolation(path, f"expected Float, got {_show(value)}")
        if type_expr == "Boolean":
            if isinstance(value, bool):
                return value
            # aiogram sends json.dumps(bool); other spellings are not accepted (stricter).
            if wire and value in ("true", "false"):
                return value == "true"
            raise SpecViolation(path, f"expected Boolean, got {_show(value)}")
        if type_expr == "String":
            if isinstance(value, str):
                if value.startswith(ATTACH):
                    raise SpecViolation(path, "attach:// is only valid for file parameters")
                return value
            raise SpecViolation(path, f"expected String, got {_show(value)}")
        if type_expr == "InputFile":
            if isinstance(value, Upload):
                return value
            if isinstance(value, str) and value.startswith(ATTACH):
                key = value.removeprefix(ATTACH)
                if key not in files:
                    raise SpecViolation(path, f"{value} does not name an uploaded file")
                return files[key] if wire else value
            raise SpecViolation(path, f"expected InputFile, got {_show(value)}")
        if type_expr not in self.types:
            raise SpecViolation(path, f"spec has no type {type_expr!r}")
        value = self._maybe_json(value, path, wire)
        return self._object(value, type_expr, path, files)

    def _object(
        self, value: Any, type_name: str, path: str, files: Mapping[str, Upload]
    ) -> dict[str, Any]:
        spec_type = self.types[type_name]
        if "subtypes" in spec_type:
            return self._subtype(value, type_name, spec_type["subtypes"], path, files)
        if not isinstance(value, dict):
            raise SpecViolation(path, f"expected {type_name} object, got {_show(value)}")
        fields = {f["name"]: f for f in spec_type.get("fields", [])}
        for name in value:
            if name not in fields:
                raise SpecViolation(f"{path}.{name}", f"unknown field of {type_name}")
        out: dict[str, Any] = {}
        for name, field in fields.items():
            if name not in value:
                if field["required"]:
                    raise SpecViolation(f"{path}.{name}", f"required field of {type_name} missing")
                continue
            out[name] = self._union(value[name], field["types"], f"{path}.{name}", False, files)
            expected = _discriminator(type_name, field)
            if expected is not None and out[name] != expected:
                raise SpecViolation(
                    f"{path}.{name}", f"must be {expected!r} for {type_name}, got {out[name]!r}"
                )
        return out

    def _subtype(
        self,
        value: Any,
        type_name: str,
        subtypes: list[str],
        path: str,
        files: Mapping[str, Upload],
    ) -> Any:
        # Pick the subtype by its discriminator when it has one, so the error names the real
        # problem instead of "matches no subtype".
        if isinstance(value, dict):
            for sub in subtypes:
                if sub in self.types and self._discriminates(sub, value):
                    return self._object(value, sub, path, files)
        problems: list[SpecViolation] = []
        for sub in subtypes:
            try:
                return self._one(value, sub, path, False, files)
            except SpecViolation as exc:
                problems.append(exc)
        raise SpecViolation(
            path, f"matches no subtype of {type_name} ({', '.join(subtypes)}): {problems[0]}"
        )

    def _discriminates(self, type_name: str, value: dict[str, Any]) -> bool:
        for field in self.types[type_name].get("fields", []):
            expected = _discriminator(type_name, field)
            if expected is not None:
                return value.get(field["name"]) == expected
        return False

    @staticmethod
    def _maybe_json(value: Any, path: str, wire: bool) -> Any:
        # aiogram (and every form-based client) sends objects and arrays as JSON text.
        if wire and isinstance(value, str):
            try:
                return json.loads(value)
            except ValueError as exc:
                raise SpecViolation(path, f"can't parse JSON: {exc}") from exc
        return value


def _discriminator(type_name: str, field: Mapping[str, Any]) -> str | None:
    if field["name"] not in _DISCRIMINATOR_FIELDS or field["types"] != ["String"]:
        return None
    match = _DISCRIMINATOR_RE.search(field["description"].rstrip("."))
    return match.group(1) if match else None


def _show(value: Any) -> str:
    text = repr(value)
    return f"{type(value).__name__} {text[:60]}{'…' if len(text) > 60 else ''}"


@cache
def load_spec() -> Spec:
    """The spec, parsed once per process."""
    for candidate in _CANDIDATES:
        if candidate and Path(candidate).is_file():
            with open(candidate, encoding="utf-8") as fh:
                return Spec(json.load(fh))
    raise FileNotFoundError(f"Bot API spec not found in any of {_CANDIDATES}")
