"""China's statutory holidays and adjusted working days, from the chinese-calendar package.

The State Council publishes each year's holidays in the autumn before; until the package
carries a year, days of that year are ``known=False`` and fall back to plain weekends, and
rosters built on them are marked provisional with a warning (never silently wrong).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

import chinese_calendar


@dataclass(frozen=True)
class Day:
    day: date
    workday: bool  # a working day by the official calendar (adjusted working days too)
    statutory: bool  # a statutory holiday (法定节假日), not merely a weekend
    name: str | None  # "Spring Festival", "National Day" … (also on adjusted working days)
    known: bool  # False: the year is not published in the package yet

    @property
    def name_zh(self) -> str | None:
        """The holiday's Chinese name (春节, 国庆节 …)."""
        return CHINESE.get(self.name or "", self.name)


CHINESE = {h.value: h.chinese for h in chinese_calendar.Holiday}


@lru_cache(maxsize=16384)
def day(d: date) -> Day:
    try:
        on_holiday, name = chinese_calendar.get_holiday_detail(d)
    except NotImplementedError:
        return Day(d, workday=d.isoweekday() < 6, statutory=False, name=None, known=False)
    return Day(
        d, workday=not on_holiday, statutory=bool(on_holiday and name), name=name, known=True
    )


def unpublished_years(first: date, last: date) -> list[int]:
    """Years between the two dates whose holidays the package does not carry yet."""
    return [y for y in range(first.year, last.year + 1) if not day(date(y, 6, 1)).known]


def days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]
