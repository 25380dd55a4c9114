"""Tables in files: .xlsx (by its zip signature) or UTF-8 .csv in, either out.

A sheet is a header row and data rows; each column is known by any of its names (Chinese
or English). Reading yields ``(line, {key: value})`` with the file's line numbers.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any

from openpyxl import Workbook, load_workbook

from service.errors import Invalid

MAX_ROWS = 5000
MAX_BYTES = 5_000_000


def _rows(data: bytes) -> Iterator[tuple[Any, ...]]:
    if data[:4] == b"PK\x03\x04":
        try:
            book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
            sheet = book.worksheets[0]
            rows = list(sheet.iter_rows(values_only=True, max_row=MAX_ROWS + 2))
        except Exception:  # zip and XML errors of a damaged file vary widely
            raise Invalid.field("file", "file_unreadable") from None
        yield from rows
        return
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise Invalid.field("file", "file_unreadable") from None
    if "\x00" in text:
        raise Invalid.field("file", "file_unreadable")
    try:
        rows = list(csv.reader(io.StringIO(text)))
    except csv.Error:
        raise Invalid.field("file", "file_unreadable") from None
    yield from (tuple(r) for r in rows[: MAX_ROWS + 2])


def read(data: bytes, columns: dict[str, tuple[str, ...]], required: set[str]) -> Any:
    """``[(line, {key: value})]`` for every non-empty data row; 422 naming a missing column."""
    if len(data) > MAX_BYTES:
        raise Invalid.field("file", "file_too_large")
    rows = _rows(data)
    header = [str(h).strip().lower() if h is not None else "" for h in next(rows, ())]
    where: dict[str, int] = {}
    for key, names in columns.items():
        for i, title in enumerate(header):
            if title in {n.lower() for n in names}:
                where[key] = i
                break
    for key in sorted(required - set(where)):
        raise Invalid.field("file", "column_missing", column="/".join(columns[key]))
    found = []
    for line, values in enumerate(rows, start=2):
        if not values or all(v in (None, "") for v in values):
            continue
        cells = {}
        for key, i in where.items():
            value = values[i] if i < len(values) else None
            if isinstance(value, str):
                value = value.strip() or None
            cells[key] = value
        found.append((line, cells))
    return found


def write(fmt: str, header: list[str], rows: list[list[Any]]) -> bytes:
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(header)
        writer.writerows(rows)
        return ("\ufeff" + out.getvalue()).encode("utf-8")
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
