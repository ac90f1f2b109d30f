"""Tables for spreadsheets: CSV chunks and XLSX written by xlsxwriter in constant-memory mode.

Both take rows as lists of cell values (str, int, float, bool, datetime or None; lists are joined with "; ").
Text that a spreadsheet would run as a formula (starting with =, +, -, @, tab or carriage return, unless it is
a number or phone numbers) is written with a leading apostrophe in CSV; in XLSX every text is written as a string cell, never as a formula.
"""

from __future__ import annotations

import contextlib
import csv
import io
import os
import re
import tempfile
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import xlsxwriter

Cell = str | int | float | bool | datetime | None
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# Phone numbers and plain numbers start with + or - but can call nothing: they stay as they are.
NUMERIC = re.compile(r"^[+-]?[0-9][0-9 ;+.]*$")
XLSX_MAX_ROWS = 1_048_576  # per sheet, header included; more rows continue on another sheet
XLSX_MAX_TEXT = 32_767


def cell(value: Any) -> Cell:
    if isinstance(value, list | tuple):
        return "; ".join(str(item) for item in value)
    if value is None or isinstance(value, str | int | float | bool | datetime):
        return value
    return str(value)


def _csv_text(value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
    text = str(value)
    if isinstance(value, str) and text.startswith(FORMULA_START) and not NUMERIC.match(text):
        return "'" + text
    return text


class CsvChunks:
    """Encodes rows as RFC 4180 CSV (UTF-8 with a byte-order mark so Excel reads the accents, CRLF)."""

    def __init__(self) -> None:
        self._buffer = io.StringIO()
        self._writer = csv.writer(self._buffer, lineterminator="\r\n")
        self._started = False

    def encode(self, rows: Sequence[Sequence[Cell]]) -> bytes:
        self._writer.writerows([[_csv_text(value) for value in row] for row in rows])
        text = self._buffer.getvalue()
        self._buffer.seek(0)
        self._buffer.truncate()
        prefix = b"" if self._started else b"\xef\xbb\xbf"
        self._started = True
        return prefix + text.encode()


class XlsxFile:
    """A workbook written row by row to a temporary file: xlsxwriter's constant_memory mode flushes each row
    as the next begins, so memory stays flat whatever the number of rows. `close()` finishes the file and
    returns its path; `discard()` removes it (call it in every case once the file was sent)."""

    def __init__(self, header: Sequence[str], sheet: str = "Export") -> None:
        handle, self.path = tempfile.mkstemp(prefix="crm-export-", suffix=".xlsx")
        os.close(handle)
        self._tmpdir = tempfile.mkdtemp(prefix="crm-xlsx-")
        self._book = xlsxwriter.Workbook(
            self.path,
            {"constant_memory": True, "tmpdir": self._tmpdir, "strings_to_formulas": False, "strings_to_urls": False},
        )
        self._bold = self._book.add_format({"bold": True})
        self._when = self._book.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
        self._header = list(header)
        self._sheet_name = sheet
        self._sheets = 0
        self._new_sheet()

    def _new_sheet(self) -> None:
        self._sheets += 1
        name = self._sheet_name if self._sheets == 1 else f"{self._sheet_name} {self._sheets}"
        self._sheet = self._book.add_worksheet(name)
        for col, title in enumerate(self._header):
            self._sheet.write_string(0, col, title, self._bold)
        self._sheet.freeze_panes(1, 0)
        self._row = 1

    def write(self, rows: Sequence[Sequence[Cell]]) -> None:
        for row in rows:
            if self._row >= XLSX_MAX_ROWS:
                self._new_sheet()
            for col, value in enumerate(row):
                self._cell(col, value)
            self._row += 1

    def _cell(self, col: int, value: Cell) -> None:
        if value is None:
            return
        if isinstance(value, bool):
            self._sheet.write_boolean(self._row, col, value)
        elif isinstance(value, int | float):
            self._sheet.write_number(self._row, col, value)
        elif isinstance(value, datetime):
            naive = value.astimezone(UTC).replace(tzinfo=None)  # Excel has no time zones: times are UTC
            self._sheet.write_datetime(self._row, col, naive, self._when)
        else:
            self._sheet.write_string(self._row, col, value[:XLSX_MAX_TEXT])

    def close(self) -> str:
        self._book.close()
        self._remove_tmpdir()
        return self.path

    def discard(self) -> None:
        self._remove_tmpdir()
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.path)

    def _remove_tmpdir(self) -> None:
        for name in os.listdir(self._tmpdir) if os.path.isdir(self._tmpdir) else []:
            os.unlink(os.path.join(self._tmpdir, name))
        if os.path.isdir(self._tmpdir):
            os.rmdir(self._tmpdir)
