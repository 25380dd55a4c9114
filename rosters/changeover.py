"""When a change of the rules reaches the shift in progress, and rule clashes beyond the
materialised horizon. Pure functions over rows and pieces.

A change of rotations, of the shift pattern or of a post takes effect at each post's next
changeover: whoever is on duty now finishes their shift, and the new rules start when it
ends. Leave, overrides and swaps act at once (someone on leave now is replaced now). A
post that nobody holds now is filled at once.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from rosters import coverage, rotation
from rosters.models import DutyShift

AHEAD_DAYS = 366  # a year of days covers every weekday, holiday and adjusted-day pattern


def _on_leave(spans: list[tuple[datetime, datetime]], start: datetime, end: datetime) -> bool:
    return any(s < end and e > start for s, e in spans)


def _urgent(
    held: list[DutyShift],
    pieces: list[rotation.Piece],
    cut: datetime,
    leave: dict[int, list[tuple[datetime, datetime]]],
) -> bool:
    """Whether leave or an override reaches the shift in progress (before it ends): an
    override that starts, ends or is gone, or someone on it going on leave."""
    until = max(r.end_at for r in held)
    held_covers = {(r.person_id, r.override_id) for r in held if r.override_id is not None}
    covers = {
        (p.person_id, p.override_id)
        for p in pieces
        if p.override_id is not None and p.start_at < until and p.end_at > cut
    }
    if held_covers != covers:
        return True
    return any(_on_leave(leave.get(r.person_id, []), cut, r.end_at) for r in held)


def defer(
    pieces: list[rotation.Piece],
    rows: Iterable[DutyShift],
    cut: datetime,
    leave: dict[int, list[tuple[datetime, datetime]]],
) -> tuple[list[rotation.Piece], set[int]]:
    """The pieces to materialise, and the ids of rows to keep as they are.

    For every post whose shift in progress the new rules alone would change, the rows of
    that post that start before its boundary (the latest end of its shifts in progress)
    stay, and the post's pieces start at that boundary."""
    rows = list(rows)
    held: dict[int, list[DutyShift]] = defaultdict(list)
    for row in rows:
        if row.start_at <= cut < row.end_at:
            held[row.post_id].append(row)
    boundaries: dict[int, datetime] = {}
    for post_id, current in held.items():
        wanted = [p for p in pieces if p.post_id == post_id and p.start_at <= cut < p.end_at]
        if {(r.person_id, r.end_at) for r in current} == {(p.person_id, p.end_at) for p in wanted}:
            continue  # nothing changes for the shift in progress
        if _urgent(current, [p for p in pieces if p.post_id == post_id], cut, leave):
            continue
        boundaries[post_id] = max(r.end_at for r in current)
    if not boundaries:
        return pieces, set()
    out: list[rotation.Piece] = []
    for piece in pieces:
        boundary = boundaries.get(piece.post_id)
        if boundary is None or piece.start_at >= boundary:
            out.append(piece)
        elif piece.end_at > boundary:
            out.append(replace(piece, start_at=boundary))
    keep = {
        r.id
        for r in rows
        if r.id is not None and r.post_id in boundaries and r.start_at < boundaries[r.post_id]
    }
    return out, keep


def clashes_ahead(
    *,
    changeovers: list[time],
    zone: ZoneInfo,
    rules: Sequence[rotation.Rule],
    posts: Sequence[coverage.PostRule],
    after: date,
) -> tuple[str, tuple[rotation.Piece, rotation.Piece]] | None:
    """The problem code and two pieces the rules alone would clash on (a post over its
    maximum, or one person on two posts at once) in the year after ``after`` and in the
    year after each later start of a rotation: days the daily job materialises later."""
    starts = sorted({after, *(r.start_date for r in rules if r.start_date > after)})
    windows: list[tuple[date, date]] = []
    for first in starts:
        last = first + timedelta(days=AHEAD_DAYS)
        if windows and first <= windows[-1][1]:
            windows[-1] = (windows[-1][0], max(windows[-1][1], last))
        else:
            windows.append((first, last))
    for first, last in windows:
        last = min(last, date(2199, 12, 31))
        if first > last:
            continue
        plan = rotation.plan(
            changeovers=changeovers, zone=zone, first=first, last=last, rules=rules
        )
        crowded = coverage.crowded(plan.pieces, posts)
        if crowded:
            return "duty_post_crowded", crowded
        overlap = coverage.overlapping(plan.pieces)
        if overlap:
            return "duty_person_overlap", overlap
    return None
