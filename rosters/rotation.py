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
from functools import lru_cache
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

    def counts_matching_days(self, blocked: bool = False) -> bool:
        """Daily turns with a day filter advance on the days the rotation holds the post,
        not on every calendar day (a workday rotation does not skip people over a weekend).
        So do daily turns on a post with a holiday rotation (``blocked``): after the
        holiday the regular rotation goes on where it left off."""
        filtered = self.kind == RotationKind.holiday or self.days != DayFilter.all
        return self.period_days == 1 and (filtered or bool(self.weekdays) or blocked)

    def gives_way_to(self, other: Rule) -> bool:
        """Whether ``other`` (a holiday rotation of the post) takes all of this one's slots
        on the days it runs."""
        return (
            other.kind == RotationKind.holiday
            and self.kind == RotationKind.regular
            and other.post_id == self.post_id
            and (not other.slots or (bool(self.slots) and self.slots <= other.slots))
        )

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
    """Whose turn it is on a rotation's running days, counting from its start date.

    A counting rotation advances on the days it holds the post: the days it runs, less
    those a holiday rotation of the post takes over (``blockers``). Whole years are
    counted at once (``_year_count``, cached; years the calendar does not carry by plain
    weekday arithmetic), so a rotation started in 1900 costs no more than one from today.
    """

    def __init__(self, rule: Rule, first: date, blockers: tuple[Rule, ...] = ()) -> None:
        self.rule = rule
        self.blockers = tuple(b for b in blockers if rule.gives_way_to(b))
        self.counting = rule.counts_matching_days(bool(self.blockers))
        self.counted_until = rule.start_date
        self.count = 0
        if self.counting and first > rule.start_date:
            self._advance_to(first)

    def _advance_to(self, d: date) -> None:
        cursor = self.counted_until
        end = self.rule.end_date
        while cursor < d:
            year_end = date(cursor.year + 1, 1, 1)
            if (
                cursor.month == 1
                and cursor.day == 1
                and year_end <= d
                and (end is None or end >= year_end)
                and all(_whole_year(b, cursor.year) for b in self.blockers)
            ):
                self.count += _year_count(_counting_key(self.rule), self.blockers, cursor.year)
                cursor = year_end
                continue
            if _holds(self.rule, self.blockers, holidays.day(cursor)):
                self.count += 1
            cursor += timedelta(days=1)
        self.counted_until = d

    def index(self, d: date) -> int:
        if self.counting:
            self._advance_to(d)
            return self.count
        return (d - self.rule.start_date).days // self.rule.period_days


def _holds(rule: Rule, blockers: tuple[Rule, ...], info: holidays.Day) -> bool:
    return rule.runs_on(info) and not any(b.runs_on(info) for b in blockers)


def _whole_year(rule: Rule, year: int) -> bool:
    """The rule's dates take in the whole year, or none of it."""
    first, last = date(year, 1, 1), date(year, 12, 31)
    inside = rule.start_date <= first and (rule.end_date is None or rule.end_date >= last)
    outside = rule.start_date > last or (rule.end_date is not None and rule.end_date < first)
    return inside or outside


def _counting_key(rule: Rule) -> Rule:
    """The rule with only what decides its running days (for the cache)."""
    return replace(rule, id=0, people=(), start_date=date(1900, 1, 1), end_date=None, period_days=1)


@lru_cache(maxsize=4096)
def _year_count(rule: Rule, blockers: tuple[Rule, ...], year: int) -> int:
    """Days of ``year`` the rule holds its post (its dates take in the whole year)."""
    first = date(year, 1, 1)
    size = (date(year + 1, 1, 1) - first).days
    if holidays.day(date(year, 6, 1)).known:
        return sum(
            _holds(rule, blockers, holidays.day(first + timedelta(days=n))) for n in range(size)
        )
    # a year the calendar does not carry: plain weekends, no statutory holidays, so the
    # holiday rotation never runs and only weekdays count
    if rule.kind == RotationKind.holiday:
        return 0
    allowed = set(rule.weekdays or range(1, 8))
    if rule.days == DayFilter.workdays:
        allowed &= {1, 2, 3, 4, 5}
    elif rule.days == DayFilter.restdays:
        allowed &= {6, 7}
    start = first.isoweekday()
    extra = {(start - 1 + n) % 7 + 1 for n in range(size - 364)}  # 1 or 2 days past 52 weeks
    return sum(52 + (w in extra) for w in allowed)


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
    turns = {
        rule.id: _Turns(rule, first, tuple(rules_))
        for rules_ in by_post.values()
        for rule in rules_
    }
    calendar_posts = {p for p, rs in by_post.items() if any(r.needs_calendar() for r in rs)}
    result = Plan(unpublished_years=holidays.unpublished_years(first, last))
    windows: list[Slot] = []
    for slot in slots(changeovers, zone, first, last):
        windows.append(slot)
        info = holidays.day(slot.day)
        # first whose turn it is on every post, then stand-ins for those on leave, who
        # must not be on another post of the same slot already
        due: list[tuple[Rule, int]] = []
        taken: set[int] = set()
        for post_rules in by_post.values():
            running = [r for r in post_rules if (not r.slots or slot.index in r.slots)]
            running = [r for r in running if r.runs_on(info)]
            holiday = [r for r in running if r.kind == RotationKind.holiday]
            for rule in holiday or running:
                index = turns[rule.id].index(slot.day)
                person = rule.people[index % len(rule.people)]
                if not _on_leave(leave.get(person, []), slot):
                    taken.add(person)
                due.append((rule, index))
        chosen_on: dict[int, set[int]] = defaultdict(set)
        for rule, index in due:
            post_id = rule.post_id
            chosen = chosen_on[post_id]
            piece = _turn(rule, index, slot, leave, chosen, taken, names)
            if piece is not None:
                if not info.known and post_id in calendar_posts:
                    piece = replace(
                        piece,
                        provisional=True,
                        note=_join(piece.note, f"{slot.day.year} holidays not published yet"),
                    )
                chosen.add(piece.person_id)
                taken.add(piece.person_id)
                result.pieces.append(piece)
    result.pieces = apply_covers(result.pieces, list(covers), windows)
    return result


def _turn(
    rule: Rule,
    index: int,
    slot: Slot,
    leave: dict[int, list[tuple[datetime, datetime]]],
    chosen: set[int],
    taken: set[int],
    names: dict[int, str],
) -> Piece | None:
    """The person whose turn it is, or the next one in line: not on leave, not on the
    post already, and (a stand-in) not on another post of the slot."""
    people = rule.people
    due = people[index % len(people)]
    for step in range(len(people)):
        person = people[(index + step) % len(people)]
        if person in chosen or _on_leave(leave.get(person, []), slot):
            continue
        if person != due and person in taken:
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
