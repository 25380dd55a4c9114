"""The roster arithmetic, free of the database: slots of a shift pattern, rotations,
holidays, leave and overrides → the pieces of shift that should exist.

Wall-clock rules are turned into UTC instants day by day through the org's zone, so a
duty day across a DST change is 23 or 25 hours long, with neither gap nor overlap.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from rosters import holidays
from rosters.models import DayFilter, RotationKind, ShiftSource


@dataclass(frozen=True)
class Slot:
    index: int  # which shift of the pattern
    day: date  # the local duty day it starts on
    start_at: datetime
    end_at: datetime


@dataclass(frozen=True)
class Rule:
    id: int
    post_id: int
    kind: RotationKind
    people: tuple[int, ...]
    start_date: date
    end_date: date | None = None
    period_days: int = 1
    days: DayFilter = DayFilter.all
    weekdays: frozenset[int] = frozenset()
    slots: frozenset[int] = frozenset()

    def counts_matching_days(self) -> bool:
        """Daily turns with a day filter advance on the days the rotation runs, not on
        every calendar day (a workday rotation does not skip people over a weekend)."""
        filtered = self.kind == RotationKind.holiday or self.days != DayFilter.all
        return self.period_days == 1 and (filtered or bool(self.weekdays))

    def runs_on(self, info: holidays.Day) -> bool:
        d = info.day
        if d < self.start_date or (self.end_date is not None and d > self.end_date):
            return False
        if self.weekdays and d.isoweekday() not in self.weekdays:
            return False
        if self.kind == RotationKind.holiday and not info.statutory:
            return False
        if self.days == DayFilter.workdays:
            return info.workday
        if self.days == DayFilter.restdays:
            return not info.workday
        return True

    def needs_calendar(self) -> bool:
        return self.kind == RotationKind.holiday or self.days != DayFilter.all


@dataclass(frozen=True)
class Cover:
    """An override: ``person_id`` on ``post_id`` over [start_at, end_at)."""

    id: int
    post_id: int
    person_id: int
    start_at: datetime
    end_at: datetime
    replaces: int | None = None
    source: ShiftSource = ShiftSource.override
    note: str | None = None


@dataclass(frozen=True)
class Piece:
    post_id: int
    person_id: int
    start_at: datetime
    end_at: datetime
    source: ShiftSource
    rotation_id: int | None = None
    override_id: int | None = None
    note: str | None = None
    provisional: bool = False


@dataclass
class Plan:
    pieces: list[Piece] = field(default_factory=list)
    unpublished_years: list[int] = field(default_factory=list)


def local(d: date, t: time, zone: ZoneInfo) -> datetime:
    return datetime.combine(d, t, tzinfo=zone).astimezone(UTC)


def parse_time(value: str) -> time:
    hours, minutes = value.split(":")
    return time(int(hours), int(minutes))


def slots(changeovers: list[time], zone: ZoneInfo, first: date, last: date) -> Iterator[Slot]:
    """Every shift of the pattern whose duty day lies in [first, last]."""
    times = sorted(changeovers)
    for d in holidays.days(first, last):
        for i, t in enumerate(times):
            end = local(d, times[i + 1], zone) if i + 1 < len(times) else None
            if end is None:
                end = local(d + timedelta(days=1), times[0], zone)
            yield Slot(i, d, local(d, t, zone), end)


def duty_day(at: datetime, changeovers: list[time], zone: ZoneInfo) -> date:
    """The duty day an instant belongs to (before the first changeover: the day before)."""
    wall = at.astimezone(zone)
    first = min(changeovers)
    return wall.date() if wall.time() >= first else wall.date() - timedelta(days=1)


class _Turns:
    """Whose turn it is on a rotation's running days, counting from its start date."""

    def __init__(self, rule: Rule, first: date) -> None:
        self.rule = rule
        self.counted_until = rule.start_date
        self.count = 0
        if rule.counts_matching_days() and first > rule.start_date:
            self._advance_to(first)

    def _advance_to(self, d: date) -> None:
        cursor = self.counted_until
        while cursor < d:
            if self.rule.runs_on(holidays.day(cursor)):
                self.count += 1
            cursor += timedelta(days=1)
        self.counted_until = d

    def index(self, d: date) -> int:
        if self.rule.counts_matching_days():
            self._advance_to(d)
            return self.count
        return (d - self.rule.start_date).days // self.rule.period_days


def _on_leave(leave: list[tuple[datetime, datetime]], slot: Slot) -> bool:
    return any(s < slot.end_at and e > slot.start_at for s, e in leave)


def plan(
    *,
    changeovers: list[time],
    zone: ZoneInfo,
    first: date,
    last: date,
    rules: Iterable[Rule],
    leave: dict[int, list[tuple[datetime, datetime]]] | None = None,
    covers: Iterable[Cover] = (),
    names: dict[int, str] | None = None,
) -> Plan:
    """The pieces of shift for duty days [first, last]."""
    leave = leave or {}
    names = names or {}
    by_post: dict[int, list[Rule]] = defaultdict(list)
    for rule in sorted(rules, key=lambda r: r.id):
        if rule.people:
            by_post[rule.post_id].append(rule)
    turns = {rule.id: _Turns(rule, first) for rules_ in by_post.values() for rule in rules_}
    calendar_posts = {p for p, rs in by_post.items() if any(r.needs_calendar() for r in rs)}
    result = Plan(unpublished_years=holidays.unpublished_years(first, last))
    windows: list[Slot] = []
    for slot in slots(changeovers, zone, first, last):
        windows.append(slot)
        info = holidays.day(slot.day)
        for post_id, post_rules in by_post.items():
            running = [r for r in post_rules if (not r.slots or slot.index in r.slots)]
            running = [r for r in running if r.runs_on(info)]
            holiday = [r for r in running if r.kind == RotationKind.holiday]
            chosen: set[int] = set()
            for rule in holiday or running:
                piece = _turn(rule, turns[rule.id].index(slot.day), slot, leave, chosen, names)
                if piece is None:
                    continue
                if not info.known and post_id in calendar_posts:
                    piece = replace(
                        piece,
                        provisional=True,
                        note=_join(piece.note, f"{slot.day.year} holidays not published yet"),
                    )
                chosen.add(piece.person_id)
                result.pieces.append(piece)
    result.pieces = apply_covers(result.pieces, list(covers), windows)
    return result


def _turn(
    rule: Rule,
    index: int,
    slot: Slot,
    leave: dict[int, list[tuple[datetime, datetime]]],
    chosen: set[int],
    names: dict[int, str],
) -> Piece | None:
    people = rule.people
    due = people[index % len(people)]
    for step in range(len(people)):
        person = people[(index + step) % len(people)]
        if person in chosen or _on_leave(leave.get(person, []), slot):
            continue
        note = None
        if person != due:
            note = f"{names.get(due, f'#{due}')} on leave; {names.get(person, f'#{person}')} covers"
        source = ShiftSource.holiday if rule.kind == RotationKind.holiday else ShiftSource.rotation
        return Piece(rule.post_id, person, slot.start_at, slot.end_at, source, rule.id, None, note)
    return None


def _join(a: str | None, b: str) -> str:
    return f"{a}; {b}" if a else b


def _clip(piece: Piece, start: datetime, end: datetime) -> list[Piece]:
    """What is left of ``piece`` outside [start, end)."""
    left: list[Piece] = []
    if piece.start_at < start:
        left.append(replace(piece, end_at=min(piece.end_at, start)))
    if piece.end_at > end:
        left.append(replace(piece, start_at=max(piece.start_at, end)))
    return left


def apply_covers(pieces: list[Piece], covers: list[Cover], windows: list[Slot]) -> list[Piece]:
    """Overrides, in order: without ``replaces`` one takes the post over its interval (the
    rows of an imported sheet together), with it one replaces that person."""
    if not covers:
        return pieces
    post_wide = sorted((c for c in covers if c.replaces is None), key=lambda c: c.id)
    personal = sorted((c for c in covers if c.replaces is not None), key=lambda c: c.id)
    result = pieces
    for cover in post_wide:
        kept: list[Piece] = []
        for p in result:
            overlaps = p.start_at < cover.end_at and p.end_at > cover.start_at
            # the rows of one imported sheet hold a post together; anything else replaces
            together = p.source == cover.source == ShiftSource.imported
            taken_over = overlaps and p.post_id == cover.post_id and not together
            kept.extend(_clip(p, cover.start_at, cover.end_at) if taken_over else [p])
        result = kept + _cover_pieces(cover, windows)
    for cover in personal:
        kept = []
        for p in result:
            hit = (
                p.post_id == cover.post_id
                and p.person_id == cover.replaces
                and p.start_at < cover.end_at
                and p.end_at > cover.start_at
            )
            if not hit:
                kept.append(p)
                continue
            kept.extend(_clip(p, cover.start_at, cover.end_at))
            kept.append(
                replace(
                    p,
                    person_id=cover.person_id,
                    start_at=max(p.start_at, cover.start_at),
                    end_at=min(p.end_at, cover.end_at),
                    source=cover.source,
                    override_id=cover.id,
                    note=cover.note,
                )
            )
        result = kept
    return sorted(result, key=lambda p: (p.start_at, p.post_id, p.person_id))


def _cover_pieces(cover: Cover, windows: list[Slot]) -> list[Piece]:
    """A post-wide override cut at the pattern's changeovers (one shift per slot)."""
    out = []
    for w in windows:
        start, end = max(w.start_at, cover.start_at), min(w.end_at, cover.end_at)
        if start < end:
            out.append(
                Piece(
                    cover.post_id,
                    cover.person_id,
                    start,
                    end,
                    cover.source,
                    None,
                    cover.id,
                    cover.note,
                )
            )
    return out
