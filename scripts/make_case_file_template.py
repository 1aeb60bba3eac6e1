"""Make the default case-file template, content/case_file.docx (дело семьи as a DOCX).

    .venv/bin/python scripts/make_case_file_template.py [path]

The document is built with python-docx and holds docxtpl's Jinja tags: ``{{ request.date }}`` for
a value, ``{%p if … %}`` / ``{%p for … %}`` paragraphs around a part, ``{%tr for … %}`` rows that
repeat a table row. The words (headings, column names) are variables too (``{{ t.request }}``),
so the document comes in the reader's language.

A service may replace content/case_file.docx with its own letterhead: open it in Word, change
the header, fonts and order, keep the tags (each typed in one go, so Word keeps it in one run).
Or adapt this script and run it again. The bot checks the file at start: an unknown variable or
a broken tag stops it with the file's name. The variables are described in
bot/services/case_file.py (the context it builds) and listed in bot/content/case_file.py.
"""

from __future__ import annotations

import io
import sys
import zipfile
from pathlib import Path

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Cm, Pt
from docx.table import Table

TARGET = Path(__file__).resolve().parent.parent / "content" / "case_file.docx"
FONT = "Times New Roman"


class Builder:
    def __init__(self) -> None:
        self.doc = Document()
        properties = self.doc.core_properties
        properties.title = "{{ t.title }}"  # docxtpl fills the properties too
        properties.author = properties.comments = properties.last_modified_by = ""
        normal = self.doc.styles["Normal"]
        normal.font.name = FONT
        normal.font.size = Pt(12)
        normal.paragraph_format.space_after = Pt(3)
        for name in ("Title", "Heading 1", "Heading 2"):
            style = self.doc.styles[name]
            style.font.name = FONT
        for section in self.doc.sections:
            section.left_margin = Cm(2.5)
            section.right_margin = Cm(1.5)
            section.top_margin = Cm(2)
            section.bottom_margin = Cm(2)
            header = section.header.paragraphs[0]
            header.text = "{{ t.confidential }}"
            header.alignment = WD_ALIGN_PARAGRAPH.RIGHT
            header.runs[0].font.size = Pt(9)
            header.runs[0].italic = True

    def title(self, text: str) -> None:
        self.doc.add_heading(text, level=0).alignment = WD_ALIGN_PARAGRAPH.CENTER

    def heading(self, text: str, level: int = 1) -> None:
        self.doc.add_heading(text, level=level)

    def para(self, text: str, *, bold_label: str | None = None) -> None:
        """A paragraph; `bold_label` (a tag such as "{{ t.received }}") goes first, in bold."""
        paragraph = self.doc.add_paragraph()
        if bold_label is not None:
            paragraph.add_run(bold_label + ": ").bold = True
        paragraph.add_run(text)

    def tag(self, tag: str) -> None:
        """A paragraph holding one {%p … %} tag: docxtpl removes it and keeps the logic."""
        self.doc.add_paragraph(tag)

    def fields(self, rows: list[tuple[str, str]]) -> None:
        """A two-column table: a label, a value."""
        table = self._table(2)
        for label, value in rows:
            cells = table.add_row().cells
            cells[0].paragraphs[0].add_run(label).bold = True
            cells[1].paragraphs[0].add_run(value)
        self._widths(table, [Cm(6), Cm(11)])

    def rows(self, headers: list[str], loop: str, cells: list[str]) -> None:
        """A table: a header row, then one row per item of `loop` ("v in visits.rows")."""
        table = self._table(len(headers))
        for cell, header in zip(table.add_row().cells, headers, strict=True):
            cell.paragraphs[0].add_run(header).bold = True
        table.add_row().cells[0].text = "{%tr for " + loop + " %}"
        for cell, value in zip(table.add_row().cells, cells, strict=True):
            cell.text = value
        table.add_row().cells[0].text = "{%tr endfor %}"

    def _table(self, columns: int) -> Table:
        table = self.doc.add_table(rows=0, cols=columns)
        table.style = self.doc.styles["Table Grid"]
        return table

    @staticmethod
    def _widths(table: Table, widths: list[Cm]) -> None:
        for row in table.rows:
            for cell, width in zip(row.cells, widths, strict=True):
                cell.width = width

    def gap(self) -> None:
        self.doc.add_paragraph()


def build() -> Builder:
    b = Builder()
    b.title("{{ t.title }}")
    b.para("{{ family.name }}, № {{ family.id }}")
    b.fields(
        [
            ("{{ t.period }}", "{{ doc.period }}"),
            ("{{ t.category }}", "{{ family.category }}"),
            ("{{ t.stage }}", "{{ family.stage }}"),
            ("{{ t.level_now }}", "{{ family.level }}"),
            ("{{ t.curator }}", "{{ family.curator }}"),
            ("{{ t.mentors }}", "{{ family.mentors }}"),
            ("{{ t.made }}", "{{ doc.made_on }}, {{ doc.made_by }}"),
        ]
    )

    b.heading("1. {{ t.request }}")
    b.tag("{%p if request.recorded %}")
    b.fields(
        [
            ("{{ t.received }}", "{{ request.date }}"),
            ("{{ t.source }}", "{{ request.source }}"),
            ("{{ t.words }}", "{{ request.words }}"),
            ("{{ t.difficulties }}", "{{ request.difficulties }}"),
        ]
    )
    b.tag("{%p else %}")
    b.para("{{ t.not_recorded }}")
    b.tag("{%p endif %}")

    b.heading("2. {{ t.level }}")
    b.para("{{ level.now }}", bold_label="{{ t.level_now }}")
    b.tag("{%p if request.recorded %}")
    b.para("{{ level.at_intake }} — {{ level.signs }}", bold_label="{{ t.level_at_intake }}")
    b.tag("{%p endif %}")
    b.tag("{%p if level.changes %}")
    b.para("{{ t.level_changes }}:")
    b.rows(
        ["{{ t.date }}", "{{ t.change }}", "{{ t.why }}"],
        "c in level.changes",
        ["{{ c.date }}", "{{ c.change }}", "{{ c.why }}"],
    )
    b.tag("{%p endif %}")

    b.heading("3. {{ t.family }}")
    b.tag("{%p if members.rows %}")
    b.para("{{ members.summary }}")
    b.rows(
        ["{{ t.name }}", "{{ t.born }}", "{{ t.age }}", "{{ t.who }}"],
        "m in members.rows",
        ["{{ m.name }}", "{{ m.born }}", "{{ m.age }}", "{{ m.who }}"],
    )
    b.tag("{%p else %}")
    b.para("{{ t.not_recorded }}")
    b.tag("{%p endif %}")

    b.heading("4. {{ t.assessment }}")
    b.tag("{%p if assessment.done %}")
    b.para("{{ assessment.days }}")
    b.rows(
        ["{{ t.aspect }}", "{{ t.before }}", "{{ t.after }}", "{{ t.notes }}"],
        "a in assessment.rows",
        ["{{ a.aspect }}", "{{ a.before }}", "{{ a.after }}", "{{ a.notes }}"],
    )
    b.para("{{ assessment.average }}", bold_label="{{ t.average }}")
    b.tag("{%p else %}")
    b.para("{{ t.not_done }}")
    b.tag("{%p endif %}")

    b.heading("5. {{ t.plan }}")
    b.para("{{ plan.approved }}")
    b.tag("{%p if plan.tasks %}")
    b.para("{{ plan.summary }}")
    b.rows(
        [
            "{{ t.task }}",
            "{{ t.criteria }}",
            "{{ t.due }}",
            "{{ t.responsible }}",
            "{{ t.status }}",
        ],
        "k in plan.tasks",
        [
            "{{ k.title }}",
            "{{ k.criteria }}",
            "{{ k.due }}",
            "{{ k.responsible }}",
            "{{ k.status }}",
        ],
    )
    b.tag("{%p else %}")
    b.para("{{ t.none }}")
    b.tag("{%p endif %}")

    b.heading("6. {{ t.visits }}")
    b.tag("{%p if visits.count %}")
    b.para("{{ visits.summary }}")
    b.rows(
        ["{{ t.by_whom }}", "{{ t.count }}"],
        "p in visits.by_whom",
        ["{{ p.name }}", "{{ p.count }}"],
    )
    b.gap()
    b.rows(
        ["{{ t.methods }}", "{{ t.count }}"],
        "p in visits.methods",
        ["{{ p.label }}", "{{ p.count }}"],
    )
    b.gap()
    b.rows(
        ["{{ t.help }}", "{{ t.count }}"],
        "p in visits.help",
        ["{{ p.label }}", "{{ p.count }}"],
    )
    b.gap()
    b.rows(
        ["{{ t.date }}", "{{ t.by_whom }}", "{{ t.format }}", "{{ t.help }}"],
        "v in visits.rows",
        ["{{ v.date }}", "{{ v.mentor }}", "{{ v.format }}", "{{ v.help }}"],
    )
    b.tag("{%p else %}")
    b.para("{{ t.none }}")
    b.tag("{%p endif %}")

    b.heading("7. {{ t.meetings }}")
    b.tag("{%p for m in meetings %}")
    b.heading("{{ m.date }} · {{ m.format }} · {{ m.child }}", level=2)
    b.tag("{%p if m.reason %}")
    b.para("{{ m.reason }}", bold_label="{{ t.reason_called }}")
    b.tag("{%p endif %}")
    b.para("{{ m.topic }}", bold_label="{{ t.topic }}")
    b.para("{{ m.came }}", bold_label="{{ t.came }}")
    b.para("{{ m.srs }}", bold_label="{{ t.srs }}")
    b.tag("{%p if m.decisions %}")
    b.rows(
        ["{{ t.decision }}", "{{ t.who }}", "{{ t.due }}", "{{ t.done }}"],
        "d in m.decisions",
        ["{{ d.what }}", "{{ d.who }}", "{{ d.due }}", "{{ d.done }}"],
    )
    b.tag("{%p endif %}")
    b.tag("{%p if m.process %}")
    b.para("{{ m.process }}", bold_label="{{ t.process }}")
    b.tag("{%p endif %}")
    b.tag("{%p if m.follow_up %}")
    b.para("", bold_label="{{ t.two_weeks }}")
    b.tag("{%p for line in m.follow_up %}")
    b.para("{{ line }}")
    b.tag("{%p endfor %}")
    b.tag("{%p endif %}")
    b.tag("{%p endfor %}")
    b.tag("{%p if not meetings %}")
    b.para("{{ t.none }}")
    b.tag("{%p endif %}")
    b.heading("{{ t.maps }}", level=2)
    b.tag("{%p for s in maps %}")
    b.para("{{ s.child }}: {{ s.dates }}")
    b.tag("{%p for line in s.lines %}")
    b.para("{{ line }}")
    b.tag("{%p endfor %}")
    b.tag("{%p endfor %}")
    b.tag("{%p if not maps %}")
    b.para("{{ t.none }}")
    b.tag("{%p endif %}")

    b.heading("8. {{ t.programmes }}")
    b.tag("{%p if programmes %}")
    b.rows(
        [
            "{{ t.programme }}",
            "{{ t.started }}",
            "{{ t.status }}",
            "{{ t.weeks }}",
            "{{ t.questionnaire }}",
        ],
        "p in programmes",
        ["{{ p.title }}", "{{ p.start }}", "{{ p.status }}", "{{ p.weeks }}", "{{ p.change }}"],
    )
    b.tag("{%p for p in programmes %}")
    b.tag("{%p if p.evaluations %}")
    b.para("", bold_label="{{ p.title }}")
    b.tag("{%p for line in p.evaluations %}")
    b.para("{{ line }}")
    b.tag("{%p endfor %}")
    b.tag("{%p endif %}")
    b.tag("{%p endfor %}")
    b.tag("{%p else %}")
    b.para("{{ t.none }}")
    b.tag("{%p endif %}")

    b.heading("9. {{ t.consiliums }}")
    b.tag("{%p for c in consiliums %}")
    b.heading("{{ c.heading }}", level=2)
    b.tag("{%p if c.held %}")
    b.para("{{ c.participants }}", bold_label="{{ t.participants }}")
    b.tag("{%p endif %}")
    b.tag("{%p if c.note %}")
    b.para("{{ c.note }}", bold_label="{{ t.note }}")
    b.tag("{%p endif %}")
    b.tag("{%p if c.decisions %}")
    b.rows(
        ["{{ t.decision }}", "{{ t.who }}", "{{ t.due }}"],
        "d in c.decisions",
        ["{{ d.what }}", "{{ d.who }}", "{{ d.due }}"],
    )
    b.tag("{%p endif %}")
    b.tag("{%p if c.next_review %}")
    b.para("{{ c.next_review }}", bold_label="{{ t.next_review }}")
    b.tag("{%p endif %}")
    b.tag("{%p endfor %}")
    b.tag("{%p if not consiliums %}")
    b.para("{{ t.none }}")
    b.tag("{%p endif %}")

    b.heading("10. {{ t.closing }}")
    b.tag("{%p if closing.closed %}")
    b.fields(
        [
            ("{{ t.closed_on }}", "{{ closing.date }}"),
            ("{{ t.reason }}", "{{ closing.reason }}"),
            ("{{ t.note }}", "{{ closing.note }}"),
            ("{{ t.final_meeting }}", "{{ closing.final_meeting }}"),
            ("{{ t.summary }}", "{{ closing.summary }}"),
            ("{{ t.words_before }}", "{{ closing.words_before }}"),
            ("{{ t.words_after }}", "{{ closing.words_after }}"),
        ]
    )
    b.tag("{%p else %}")
    b.para("{{ t.case_open }}")
    b.tag("{%p if closing.planned_final %}")
    b.para("{{ closing.planned_final }}", bold_label="{{ t.final_meeting }}")
    b.tag("{%p endif %}")
    b.tag("{%p endif %}")

    b.gap()
    b.para("____________________ / {{ family.curator }} /", bold_label="{{ t.curator }}")
    return b


def stable(docx: bytes) -> bytes:
    """The same document with every zip entry dated alike: making it again changes no byte."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(docx)) as source, zipfile.ZipFile(out, "w") as target:
        for entry in source.infolist():
            info = zipfile.ZipInfo(entry.filename, date_time=(2026, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(info, source.read(entry.filename))
    return out.getvalue()


def main(argv: list[str]) -> int:
    target = Path(argv[1]) if len(argv) > 1 else TARGET
    made = io.BytesIO()
    build().doc.save(made)
    target.write_bytes(stable(made.getvalue()))
    print(f"written {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
