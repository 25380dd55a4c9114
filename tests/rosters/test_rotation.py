"""The roster arithmetic without a database: rotations over month and year ends, the
holiday rotation, leave, overrides, DST and the coverage checks."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from rosters import coverage, holidays, rotation
from rosters.models import DayFilter, RotationKind, ShiftSource

SHANGHAI = ZoneInfo("Asia/Shanghai")
BERLIN = ZoneInfo("Europe/Berlin")
LEADER = 1


def rule(people: tuple[int, ...], **kw: object) -> rotation.Rule:
    base: dict[str, object] = {
        "id": 1,
        "post_id": LEADER,
        "kind": RotationKind.regular,
        "people": people,
        "start_date": date(2025, 12, 29),
    }
    base.update(kw)
    return rotation.Rule(**base)  # type: ignore[arg-type]


def by_day(plan: rotation.Plan, zone: ZoneInfo = SHANGHAI) -> dict[date, int]:
    return {p.start_at.astimezone(zone).date(): p.person_id for p in plan.pieces}


def test_daily_rotation_runs_across_the_year_end_in_turn() -> None:
    plan = rotation.plan(
        changeovers=[time(8, 30)],
        zone=SHANGHAI,
        first=date(2025, 12, 29),
        last=date(2026, 1, 3),
        rules=[rule((10, 11, 12), days=DayFilter.all)],
    )
    assert list(by_day(plan).values()) == [10, 11, 12, 10, 11, 12]
    first = plan.pieces[0]
    assert first.start_at == datetime(2025, 12, 29, 0, 30, tzinfo=UTC)  # 08:30 +08:00
    assert first.end_at - first.start_at == timedelta(hours=24)
    # consecutive duty days touch: no gap, no overlap
    assert all(a.end_at == b.start_at for a, b in zip(plan.pieces, plan.pieces[1:], strict=False))


def test_weekly_rotation_changes_on_the_week_across_a_month_end() -> None:
    plan = rotation.plan(
        changeovers=[time(8, 30)],
        zone=SHANGHAI,
        first=date(2026, 1, 26),
        last=date(2026, 2, 8),
        rules=[rule((10, 11), start_date=date(2026, 1, 5), period_days=7)],
    )
    days = by_day(plan)
    # weeks from Monday 5 January: 10, 11, 10, then 11 from 26 January, 10 from 2 February
    assert {days[date(2026, 1, 26) + timedelta(days=n)] for n in range(7)} == {11}
    assert {days[date(2026, 2, 2) + timedelta(days=n)] for n in range(7)} == {10}


def test_starting_mid_way_continues_the_turns_where_they_stand() -> None:
    whole = rotation.plan(
        changeovers=[time(8, 30)],
        zone=SHANGHAI,
        first=date(2026, 3, 1),
        last=date(2026, 3, 20),
        rules=[rule((1, 2, 3, 4), start_date=date(2026, 3, 1), days=DayFilter.workdays)],
    )
    later = rotation.plan(
        changeovers=[time(8, 30)],
        zone=SHANGHAI,
        first=date(2026, 3, 10),
        last=date(2026, 3, 20),
        rules=[rule((1, 2, 3, 4), start_date=date(2026, 3, 1), days=DayFilter.workdays)],
    )
    assert {d: p for d, p in by_day(whole).items() if d >= date(2026, 3, 10)} == by_day(later)


def test_holiday_rotation_takes_over_on_statutory_holidays_and_gives_way_on_adjusted_days() -> None:
    regular = rule((10, 11), id=1, days=DayFilter.workdays, start_date=date(2026, 2, 1))
    weekend = rule((20,), id=2, days=DayFilter.restdays, start_date=date(2026, 2, 1))
    festival = rule((30, 31), id=3, kind=RotationKind.holiday, start_date=date(2026, 2, 1))
    plan = rotation.plan(
        changeovers=[time(8, 30)],
        zone=SHANGHAI,
        first=date(2026, 2, 12),
        last=date(2026, 3, 1),
        rules=[regular, weekend, festival],
    )
    days = by_day(plan)
    sources = {p.start_at.astimezone(SHANGHAI).date(): p.source for p in plan.pieces}
    for n in range(9):  # Spring Festival 2026: 15-23 February
        d = date(2026, 2, 15) + timedelta(days=n)
        assert holidays.day(d).statutory
        assert days[d] in (30, 31) and sources[d] == ShiftSource.holiday
    assert [days[date(2026, 2, 15) + timedelta(days=n)] for n in range(4)] == [30, 31, 30, 31]
    # Saturday 14 February and 28 February are adjusted working days: the workday rotation
    assert (
        days[date(2026, 2, 14)] in (10, 11) and sources[date(2026, 2, 14)] == ShiftSource.rotation
    )
    assert days[date(2026, 2, 28)] in (10, 11)
    assert days[date(2026, 3, 1)] == 20  # an ordinary Sunday
    assert len(days) == 18  # every day covered exactly once


def test_a_year_without_a_published_calendar_is_provisional() -> None:
    year = date.today().year + 3
    assert not holidays.day(date(year, 1, 1)).known
    plan = rotation.plan(
        changeovers=[time(8, 30)],
        zone=SHANGHAI,
        first=date(year, 1, 1),
        last=date(year, 1, 7),
        rules=[
            rule((1, 2), id=1, days=DayFilter.workdays, start_date=date(year, 1, 1)),
            rule((3,), id=2, days=DayFilter.restdays, start_date=date(year, 1, 1)),
        ],
    )
    assert plan.unpublished_years == [year]
    assert len(plan.pieces) == 7 and all(p.provisional for p in plan.pieces)
    assert all(f"{year} holidays not published" in (p.note or "") for p in plan.pieces)


def test_a_duty_day_across_the_dst_change_is_23_or_25_hours_without_gap() -> None:
    plan = rotation.plan(
        changeovers=[time(8, 30)],
        zone=BERLIN,
        first=date(2026, 3, 27),
        last=date(2026, 10, 26),
        rules=[rule((1, 2), start_date=date(2026, 3, 1))],
    )
    lengths = {p.start_at.astimezone(BERLIN).date(): p.end_at - p.start_at for p in plan.pieces}
    assert lengths[date(2026, 3, 28)] == timedelta(hours=23)  # clocks go forward on 29 March
    assert lengths[date(2026, 10, 24)] == timedelta(hours=25)  # and back on 25 October
    assert lengths[date(2026, 3, 30)] == timedelta(hours=24)
    assert all(a.end_at == b.start_at for a, b in zip(plan.pieces, plan.pieces[1:], strict=False))
    assert all(p.start_at.astimezone(BERLIN).time() == time(8, 30) for p in plan.pieces)


def test_split_day_and_night_shifts_with_their_own_rotations() -> None:
    plan = rotation.plan(
        changeovers=[time(20, 0), time(8, 0)],
        zone=SHANGHAI,
        first=date(2026, 5, 1),
        last=date(2026, 5, 2),
        rules=[rule((1, 2), id=1, slots=frozenset({0})), rule((3, 4), id=2, slots=frozenset({1}))],
    )
    assert [(p.person_id, (p.end_at - p.start_at).seconds // 3600) for p in plan.pieces] == [
        (2, 12),
        (4, 12),
        (1, 12),
        (3, 12),
    ]


def test_someone_on_leave_is_skipped_with_a_note() -> None:
    start = rotation.local(date(2026, 4, 2), time(8, 30), SHANGHAI)
    plan = rotation.plan(
        changeovers=[time(8, 30)],
        zone=SHANGHAI,
        first=date(2026, 4, 1),
        last=date(2026, 4, 3),
        rules=[rule((1, 2, 3), start_date=date(2026, 4, 1))],
        leave={2: [(start, start + timedelta(hours=30))]},
        names={2: "王二", 3: "张三"},
    )
    assert [p.person_id for p in plan.pieces] == [1, 3, 3]
    assert plan.pieces[1].note == "王二 on leave; 张三 covers"


def test_overrides_replace_a_person_or_take_the_post_over() -> None:
    day = rotation.local(date(2026, 4, 1), time(8, 30), SHANGHAI)
    plan = rotation.plan(
        changeovers=[time(8, 30)],
        zone=SHANGHAI,
        first=date(2026, 4, 1),
        last=date(2026, 4, 2),
        rules=[rule((1, 2), start_date=date(2026, 4, 1))],
        covers=[
            rotation.Cover(
                7, LEADER, 9, day + timedelta(hours=4), day + timedelta(hours=6), replaces=1
            ),
            rotation.Cover(8, LEADER, 5, day + timedelta(hours=20), day + timedelta(hours=30)),
        ],
    )
    got = [
        (
            p.person_id,
            (p.start_at - day).total_seconds() / 3600,
            (p.end_at - day).total_seconds() / 3600,
        )
        for p in plan.pieces
    ]
    assert got == [(1, 0, 4), (9, 4, 6), (1, 6, 20), (5, 20, 24), (5, 24, 30), (2, 30, 48)]
    assert coverage.crowded(plan.pieces, [coverage.PostRule(LEADER, "leader", 1, 1)]) is None
    assert coverage.overlapping(plan.pieces) is None


def test_gaps_and_clashes_are_found() -> None:
    t0 = datetime(2026, 4, 1, tzinfo=UTC)
    hour = timedelta(hours=1)
    pieces = [
        rotation.Piece(LEADER, 1, t0, t0 + 3 * hour, ShiftSource.rotation),
        rotation.Piece(LEADER, 2, t0 + 5 * hour, t0 + 8 * hour, ShiftSource.rotation),
        rotation.Piece(2, 3, t0, t0 + 8 * hour, ShiftSource.rotation),
    ]
    posts = [coverage.PostRule(LEADER, "leader", 1, 1), coverage.PostRule(2, "officer", 2, None)]
    found = coverage.gaps(pieces, posts, t0, t0 + 8 * hour)
    assert [(g.post_key, g.start_at, g.end_at, g.count) for g in found] == [
        ("officer", t0, t0 + 8 * hour, 1),
        ("leader", t0 + 3 * hour, t0 + 5 * hour, 0),
    ]
    crowd = [*pieces, rotation.Piece(LEADER, 4, t0 + 2 * hour, t0 + 4 * hour, ShiftSource.override)]
    assert coverage.crowded(crowd, posts) == (pieces[0], crowd[-1])
    twice = [*pieces, rotation.Piece(2, 1, t0 + 2 * hour, t0 + 4 * hour, ShiftSource.override)]
    assert coverage.overlapping(twice) == (pieces[0], twice[-1])


def _holiday_plan(regular: rotation.Rule) -> dict[date, int]:
    festival = rule((30,), id=9, kind=RotationKind.holiday, start_date=date(2026, 1, 1))
    return by_day(
        rotation.plan(
            changeovers=[time(8, 30)],
            zone=SHANGHAI,
            first=date(2026, 2, 1),
            last=date(2026, 3, 8),
            rules=[regular, festival],
        )
    )


def test_after_a_holiday_the_regular_rotation_goes_on_where_it_left_off() -> None:
    """Spring Festival 2026 (15-23 February, nine days) is held by the holiday rotation;
    the regular turns do not count those days."""
    # a rest-day rotation: its last day before the holiday is Sunday 8 February (the 14th
    # is an adjusted working day), its first after is Sunday 1 March (the 28th works too)
    days = _holiday_plan(rule((20, 21), days=DayFilter.restdays, start_date=date(2026, 1, 3)))
    assert days[date(2026, 2, 20)] == 30
    assert days[date(2026, 3, 1)] == {20: 21, 21: 20}[days[date(2026, 2, 8)]]
    # a plain daily rotation: 14 February, then 24 February
    days = _holiday_plan(rule((10, 11), start_date=date(2026, 1, 1)))
    assert days[date(2026, 2, 24)] == {10: 11, 11: 10}[days[date(2026, 2, 14)]]
    assert [days[date(2026, 2, 24) + timedelta(days=n)] for n in range(3)] == [
        days[date(2026, 2, 24)],
        days[date(2026, 2, 14)],
        days[date(2026, 2, 24)],
    ]


def test_a_stand_in_for_leave_is_never_someone_on_another_post_of_the_slot() -> None:
    day = date(2026, 3, 2)
    leader = rule((10, 11, 12), id=1, start_date=day)  # 10's turn on the 2nd
    officer = rule((11,), id=2, post_id=2, start_date=day)  # 11 is the officer every day
    on_leave = rotation.local(day, time(0, 0), SHANGHAI)
    plan = rotation.plan(
        changeovers=[time(8, 30)],
        zone=SHANGHAI,
        first=day,
        last=day,
        rules=[leader, officer],
        leave={10: [(on_leave, on_leave + timedelta(days=2))]},
    )
    holders = {p.post_id: p.person_id for p in plan.pieces}
    assert holders == {LEADER: 12, 2: 11}
    assert coverage.overlapping(plan.pieces) is None


def test_a_rotation_started_in_1900_costs_no_more_than_a_new_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Counted in calendar lookups, not seconds: whole years before the horizon are
    counted once (cached), so rebuilding an old rotation walks no more days than a new one."""
    lookups: list[date] = []
    real = holidays.day

    def counting(d: date) -> holidays.Day:
        lookups.append(d)
        return real(d)

    monkeypatch.setattr(rotation.holidays, "day", counting)
    rotation._year_count.cache_clear()
    today = date(2026, 12, 2)

    def rebuild(start: date, n: int) -> int:
        old = rule((1, 2, 3, 4, 5, 6, 7), days=DayFilter.workdays, start_date=start)
        festival = rule((30,), id=9, kind=RotationKind.holiday, start_date=start)
        lookups.clear()
        rotation.plan(
            changeovers=[time(8, 30)],
            zone=SHANGHAI,
            first=today + timedelta(days=n),
            last=today + timedelta(days=120 + n),
            rules=[old, festival, replace(old, id=3, days=DayFilter.all, weekdays=frozenset())],
        )
        return len(lookups)

    fresh = rebuild(date(2026, 1, 1), 0)
    first = rebuild(date(1900, 1, 1), 0)
    # the first build walks each year the calendar carries once per counting rule (about
    # 366 lookups a year), never the 127 years one day at a time
    known_years = sum(real(date(y, 6, 1)).known for y in range(1900, 2027))
    assert first <= fresh + 366 * (known_years + 1) * 3
    assert first < (today - date(1900, 1, 1)).days
    for n in (1, 2):  # later rebuilds reuse the counted years
        assert rebuild(date(1900, 1, 1), n) <= rebuild(date(2026, 1, 1), n) + 2 * 366


def test_whole_years_count_as_the_days_one_by_one() -> None:
    festival = rule((30,), id=9, kind=RotationKind.holiday, start_date=date(2003, 7, 1))
    for regular in (
        rule((1, 2, 3), days=DayFilter.workdays, start_date=date(1999, 3, 4)),
        rule((1, 2, 3), days=DayFilter.restdays, start_date=date(2001, 1, 1)),
        rule((1, 2, 3), weekdays=frozenset({1, 3, 5}), start_date=date(1998, 12, 31)),
        rule((1, 2, 3), start_date=date(2000, 2, 29)),
    ):
        turns = rotation._Turns(regular, date(2027, 6, 1), (regular, festival))
        blockers = turns.blockers
        naive, d = 0, regular.start_date
        while d < date(2027, 6, 1):
            naive += rotation._holds(regular, blockers, holidays.day(d))
            d += timedelta(days=1)
        assert turns.count == naive, regular
