"""/export's workbook through XlsxWriter in its constant_memory mode, behind the interface of our
writer (bot/services/xlsx.py), for `bench/stats.py --writer xlsxwriter|both` to time against it.

Each row goes to the sheet's temporary file on disk as soon as the next one starts, so memory
stays bounded however many rows. The cells are ours: strings always as strings (never formulas or
URLs; empty or whitespace-only ones as empty cells, control characters XML cannot carry dropped),
numbers as numbers, dates and datetimes with the locale's number format; each sheet has a bold
header, the column widths, a frozen header row and an autofilter. On a year's export it took
about five times the time and CPU of ours (README, Benchmarks), so the bot does not use it.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

import xlsxwriter

CELL_LIMIT = 32_767  # Excel's most characters in one cell
TITLE_LIMIT = 31  # Excel's longest sheet name
# Control characters XML 1.0 cannot carry (openpyxl's ILLEGAL_CHARACTERS_RE): dropped, as
# before, rather than XlsxWriter's _xHHHH_ escapes.
ILLEGAL_CHARACTERS_RE = re.compile(r"[\000-\010]|[\013-\014]|[\016-\037]")
TITLE_FORBIDDEN_RE = re.compile(r"[\[\]:*?/\\]")  # characters Excel refuses in a sheet name


class SheetStream:
    """One worksheet being written: the header first, then rows, then `close()`."""

    def __init__(self, book: XlsxWriter, sheet: Any, headers: Sequence[str]) -> None:
        self._book = book
        self._sheet = sheet
        self.columns = len(headers)
        self.rows = 0
        for column, header in enumerate(headers):
            sheet.write_string(0, column, header, book.header)
        sheet.freeze_panes(1, 0)

    def append(self, rows: Iterable[Sequence[Any]]) -> None:
        sheet, book = self._sheet, self._book
        write_number, write_datetime = sheet.write_number, sheet.write_datetime
        write_boolean = sheet.write_boolean
        date_format, datetime_format = book.date_format, book.datetime_format
        number = self.rows
        for values in rows:
            number += 1
            for column, value in enumerate(values):
                if value is None:
                    continue  # an empty cell
                kind = type(value)
                if kind is str:
                    _string(sheet, number, column, value)
                elif kind is int or kind is float:
                    write_number(number, column, value)
                elif kind is date:
                    write_datetime(number, column, value, date_format)
                elif kind is datetime:
                    write_datetime(number, column, value, datetime_format)
                elif kind is bool:
                    write_boolean(number, column, value)
                elif isinstance(value, datetime):
                    write_datetime(number, column, value, datetime_format)
                elif isinstance(value, date):
                    write_datetime(number, column, value, date_format)
                elif isinstance(value, int | float):
                    write_number(number, column, value)
                else:
                    _string(sheet, number, column, str(value))
        self.rows = number

    def close(self) -> None:
        self._sheet.autofilter(0, 0, self.rows, self.columns - 1)


def _string(sheet: Any, row: int, column: int, value: str) -> None:
    value = ILLEGAL_CHARACTERS_RE.sub("", value)[:CELL_LIMIT]
    if not value.strip():
        # Nothing to read: an empty cell, not an empty string (Excel's blanks, filters and
        # COUNTA then treat it as empty, as they should).
        return
    if value.startswith("<r>") and value.endswith("</r>"):
        # XlsxWriter would take such a string for its own rich-string XML and write it
        # unescaped: as plain fragments it is escaped like any text.
        sheet.write_rich_string(row, column, value[:1], value[1:2], value[2:])
        return
    sheet.write_string(row, column, value)


class XlsxWriter:
    """Sheets are written one after another; `close()` zips them into `path`."""

    def __init__(self, path: Path, date_format: str, datetime_format: str) -> None:
        self._path = path
        self._tmpdir = tempfile.mkdtemp(prefix="xlsx-")
        self._book = xlsxwriter.Workbook(
            str(path), {"constant_memory": True, "tmpdir": self._tmpdir}
        )
        self.header = self._book.add_format({"bold": True})
        self.date_format = self._book.add_format({"num_format": date_format})
        self.datetime_format = self._book.add_format({"num_format": datetime_format})
        self._titles: set[str] = set()

    def sheet(self, title: str, headers: Sequence[str], widths: Sequence[float]) -> SheetStream:
        sheet = self._book.add_worksheet(self._title(title))
        for column, width in enumerate(widths):
            sheet.set_column(column, column, width)
        return SheetStream(self, sheet, headers)

    def _title(self, title: str) -> str:
        name = TITLE_FORBIDDEN_RE.sub(" ", title)[:TITLE_LIMIT].strip("'") or "Sheet"
        number = 2
        while name.lower() in self._titles:
            suffix = f" ({number})"
            name = name[: TITLE_LIMIT - len(suffix)] + suffix
            number += 1
        self._titles.add(name.lower())
        return name

    def closed(self, stream: SheetStream) -> None:
        stream.close()

    def close(self) -> None:
        try:
            self._book.close()
        finally:
            shutil.rmtree(self._tmpdir, ignore_errors=True)

    def abandon(self) -> None:
        """After a failure: no half-written file or temporary row data is left behind."""
        for sheet in self._book.worksheets():
            handle = getattr(sheet, "row_data_fh", None)
            if handle is not None:
                handle.close()
        self._book.fileclosed = True  # nothing to store
        shutil.rmtree(self._tmpdir, ignore_errors=True)
        self._path.unlink(missing_ok=True)
