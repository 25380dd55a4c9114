"""Month rosters in Excel (值班表): import with a dry run that lists every bad row, and a
printable wall layout for export.

The sheet has a header row with 日期/date, 岗位/post and 人员/person columns (any order);
a person is named by name (unique in the org's subtree) or phone. Imported rows become
post-wide overrides for whole duty days (so later rule changes keep them); importing the
same month again replaces the earlier import.
"""

from __future__ import annotations

import io
from collections import defaultdict
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from datetime import date, datetime, timedelta
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Border, Font, Side

from rosters import holidays
from service.i18n import t
from service.schemas import normalize_phone

MAX_ROWS = 5000
HEADERS = {
    "day": ("日期", "date"),
    "post": ("岗位", "post"),
    "person": ("人员", "person", "姓名", "name"),
}
WEEKDAYS = "一二三四五六日"


@dataclass(frozen=True)
class Row:
    line: int
    day: date
    post_key: str
    person_id: int


@dataclass(frozen=True)
class Problem:
    line: int
    field: str
    code: str
    params: dict[str, Any] = dataclass_field(default_factory=dict)

    def render(self) -> dict[str, Any]:
        return {
            "line": self.line,
            "field": self.field,
            "code": self.code,
            "message": t(self.code, **self.params),
        }


@dataclass(frozen=True)
class Directory:
    """Whom and what a sheet may name: posts (key → name, and which hold one person) and
    the people of the org's subtree (id, name, E.164 phones)."""

    posts: dict[str, str]
    single: set[str]
    people: list[tuple[int, str, list[str]]]


def _day(value: Any) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip().replace("/", "-"))
        except ValueError:
            return None
    return None


def _post(value: Any, posts: dict[str, str]) -> str | None:
    text = str(value or "").strip()
    for key, name in posts.items():
        if text in (key, name):
            return key
    return None


def _person(value: Any, people: list[tuple[int, str, list[str]]]) -> tuple[int | None, str | None]:
    """(person id, None) or (None, problem code)."""
    text = str(value or "").strip()
    if not text:
        return None, "person_unknown"
    digits = text.replace(" ", "").replace("-", "")
    if digits.lstrip("+").isdigit():
        try:
            phone = normalize_phone(digits)
        except Exception:  # any unparseable number is just unknown
            return None, "person_unknown"
        found = [p for p in people if phone in p[2]]
    else:
        found = [p for p in people if p[1] == text]
    if len(found) > 1:
        return None, "person_ambiguous"
    return (found[0][0], None) if found else (None, "person_unknown")


def _columns(header: tuple[Any, ...]) -> dict[str, int] | None:
    names = [str(h or "").strip().lower() for h in header]
    found = {}
    for key, aliases in HEADERS.items():
        for i, name in enumerate(names):
            if name in aliases:
                found[key] = i
                break
    return found if len(found) == len(HEADERS) else None


def parse(data: bytes, month: date, directory: Directory) -> tuple[list[Row], list[Problem]]:
    """Every good row, and a problem for every bad one (nothing is decided here)."""
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # zip and XML errors of a damaged file vary widely
        return [], [Problem(0, "file", "sheet_not_xlsx")]
    sheet = book.worksheets[0]
    lines = sheet.iter_rows(values_only=True)
    try:
        return _rows(lines, month, directory)
    except Exception:  # a damaged cell read lazily by openpyxl
        return [], [Problem(0, "file", "sheet_not_xlsx")]


def _rows(lines: Any, month: date, directory: Directory) -> tuple[list[Row], list[Problem]]:
    columns = _columns(next(lines, ()) or ())
    if columns is None:
        return [], [Problem(1, "header", "sheet_header")]
    rows: list[Row] = []
    problems: list[Problem] = []
    seen: set[tuple[date, str, int]] = set()
    for line, values in enumerate(lines, start=2):
        if line - 1 > MAX_ROWS:
            problems.append(Problem(line, "file", "sheet_too_many_rows", {"max": MAX_ROWS}))
            break
        if not values or all(v in (None, "") for v in values):
            continue
        cell = [values[columns[k]] if columns[k] < len(values) else None for k in HEADERS]
        day = _day(cell[0])
        if day is None:
            problems.append(Problem(line, "date", "sheet_bad_date"))
            continue
        if (day.year, day.month) != (month.year, month.month):
            problems.append(Problem(line, "date", "sheet_other_month", {"day": day.isoformat()}))
            continue
        post = _post(cell[1], directory.posts)
        if post is None:
            problems.append(Problem(line, "post", "post_unknown"))
            continue
        person, code = _person(cell[2], directory.people)
        if person is None:
            problems.append(Problem(line, "person", code or "person_unknown"))
            continue
        if (day, post, person) in seen:
            problems.append(Problem(line, "person", "sheet_duplicate"))
            continue
        seen.add((day, post, person))
        rows.append(Row(line, day, post, person))
    problems.extend(_clashes(rows, directory))
    return rows, sorted(problems, key=lambda p: (p.line, p.field))


def _clashes(rows: list[Row], directory: Directory) -> list[Problem]:
    """Two people on a one-person post, a person on two posts the same day, days without
    a leader."""
    problems: list[Problem] = []
    by_post: dict[tuple[date, str], list[Row]] = defaultdict(list)
    by_person: dict[tuple[date, int], list[Row]] = defaultdict(list)
    for row in rows:
        by_post[(row.day, row.post_key)].append(row)
        by_person[(row.day, row.person_id)].append(row)
    for (_, post), same in by_post.items():
        if post in directory.single and len(same) > 1:
            for extra in same[1:]:
                problems.append(
                    Problem(extra.line, "person", "sheet_overlap", {"other": same[0].line})
                )
    for same in by_person.values():
        for extra in same[1:]:
            problems.append(Problem(extra.line, "person", "sheet_overlap", {"other": same[0].line}))
    return problems


def uncovered(
    rows: list[Row], month: date, required: set[str], names: dict[str, str] | None = None
) -> list[Problem]:
    """Days of the month without a row for each required post."""
    covered = {(r.day, r.post_key) for r in rows}
    last = (month.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    return [
        Problem(
            0,
            "day",
            "sheet_uncovered_day",
            {"day": d.isoformat(), "post": (names or {}).get(post, post)},
        )
        for d in holidays.days(month, last)
        for post in sorted(required)
        if (d, post) not in covered
    ]


def export(
    month: date,
    days: list[tuple[date, dict[str, list[str]]]],
    *,
    org_name: str,
    posts: list[tuple[str, str]],
) -> bytes:
    """A printable wall layout: title, one row per duty day, one column per post."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = f"{month:%Y-%m}"
    width = 3 + len(posts)
    sheet.append([f"{org_name} {month.year}年{month.month}月 值班表"])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    sheet["A1"].font = Font(size=16, bold=True)
    sheet["A1"].alignment = Alignment(horizontal="center")
    sheet.append(["日期", "星期", "节假日", *(name for _, name in posts)])
    for cell in sheet[2]:
        cell.font = Font(bold=True)
    for day, holders in days:
        info = holidays.day(day)
        mark = info.name_zh if info.known and info.name else ("休" if not info.workday else "")
        if info.known and info.name and info.workday:
            mark = f"{mark}（调休上班）"  # an adjusted working day
        sheet.append(
            [day, WEEKDAYS[day.weekday()], mark, *("、".join(holders.get(k, [])) for k, _ in posts)]
        )
    thin = Side(style="thin")
    for row in sheet.iter_rows(min_row=2, max_row=sheet.max_row, max_col=width):
        for cell in row:
            cell.border = Border(left=thin, right=thin, top=thin, bottom=thin)
            cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    for row in range(3, sheet.max_row + 1):
        sheet.cell(row, 1).number_format = "yyyy-mm-dd"
    for col, w in zip("ABC", (12, 6, 14), strict=True):
        sheet.column_dimensions[col].width = w
    for i in range(len(posts)):
        sheet.column_dimensions[chr(ord("D") + i)].width = 22
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_title_rows = "1:2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
