"""The case file's template (content/case_file.docx): a Word document with docxtpl's Jinja tags
(``{{ request.date }}``, ``{%tr for v in visits.rows %}``…) that the case file (дело семьи) is
rendered from. A service may replace it with its own letterhead, keeping the variables (the
default one is made by scripts/make_case_file_template.py, which can be adapted too).

Checked at start like the other content files: the file opens as a DOCX, its tags parse, and it
uses no variable the case file does not provide (VARIABLES; bot/services/case_file.py builds
them); otherwise the bot stops with the file's name and the problem. Only the file's bytes are
kept: each rendering opens its own copy, so nothing rendered is shared between documents.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
from pathlib import Path

from docxtpl import DocxTemplate
from jinja2 import TemplateError, TemplateSyntaxError
from jinja2.sandbox import SandboxedEnvironment

from bot.content.base import CONTENT_DIR, ContentError

CASE_FILE_PATH = CONTENT_DIR / "case_file.docx"
MAX_BYTES = 10 * 1024 * 1024  # a letterhead with a logo is a few hundred KB

# What the template may use: the case file's sections (see bot/services/case_file.py).
VARIABLES = frozenset(
    {
        "t",  # the document's words in the reader's language (headings, column names)
        "doc",  # the period, when and by whom it was made
        "family",  # the family's number, name, category, stage, curator, mentors
        "request",
        "level",
        "members",
        "assessment",
        "plan",
        "visits",
        "meetings",
        "maps",
        "programmes",
        "consiliums",
        "closing",
    }
)


def environment() -> SandboxedEnvironment:
    """The Jinja environment templates are checked and rendered with: sandboxed (a replaced
    template reaches no Python internals) and escaping every value into the document's XML."""
    return SandboxedEnvironment(autoescape=True)


@dataclass(frozen=True)
class CaseFileTemplate:
    path: Path
    data: bytes  # the file as it was checked
    variables: frozenset[str]  # the ones it uses

    def open(self) -> DocxTemplate:
        """A fresh template to render once."""
        return DocxTemplate(io.BytesIO(self.data))


# The variables of files already checked, by their digest: parsing the tags takes ~60 ms, and
# Content is built once per dispatcher (every test's bot). The same bytes check the same.
_checked: dict[str, frozenset[str]] = {}


def load_case_file(path: Path = CASE_FILE_PATH) -> CaseFileTemplate:
    """The template at `path`, checked; a ContentError naming the file otherwise."""
    try:
        data = path.read_bytes()
    except FileNotFoundError as exc:
        raise ContentError(f"{path}: file is missing") from exc
    if len(data) > MAX_BYTES:
        raise ContentError(f"{path}: larger than {MAX_BYTES // (1024 * 1024)} MB")
    digest = hashlib.sha256(data).hexdigest()
    known = _checked.get(digest)
    if known is not None:
        return CaseFileTemplate(path, data, known)
    used = _variables(path, data)
    _checked[digest] = used
    return CaseFileTemplate(path, data, used)


def _variables(path: Path, data: bytes) -> frozenset[str]:
    try:
        template = DocxTemplate(io.BytesIO(data))
        used = template.get_undeclared_template_variables(jinja_env=environment())
    except TemplateSyntaxError as exc:
        raise ContentError(f"{path}: a template tag does not parse: {exc.message}") from exc
    except TemplateError as exc:
        raise ContentError(f"{path}: a template tag does not parse: {exc}") from exc
    except Exception as exc:  # not a zip, not a Word document, broken XML
        raise ContentError(
            f"{path}: not a Word document (.docx) that can be opened ({type(exc).__name__})"
        ) from exc
    unknown = sorted(set(used) - VARIABLES)
    if unknown:
        raise ContentError(
            f"{path}: unknown variables {unknown}; the case file provides {sorted(VARIABLES)}"
        )
    return frozenset(used)
