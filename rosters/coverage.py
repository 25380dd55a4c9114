"""Who covers a post when: gaps under a post's minimum, too many on a post, and people on
two overlapping shifts. Pure functions over (post, person, start, end) intervals."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import pairwise
from typing import Protocol, TypeVar


class Span(Protocol):
    @property
    def post_id(self) -> int: ...
    @property
    def person_id(self) -> int: ...
    @property
    def start_at(self) -> datetime: ...
    @property
    def end_at(self) -> datetime: ...


S = TypeVar("S", bound=Span)


@dataclass(frozen=True)
class PostRule:
    id: int
    key: str
    min_count: int
    max_count: int | None


@dataclass(frozen=True)
class Gap:
    post_id: int
    post_key: str
    start_at: datetime
    end_at: datetime
    count: int  # people on the post during the gap
    min_count: int


def _levels(spans: Iterable[Span], start: datetime, end: datetime) -> list[tuple[datetime, int]]:
    """(instant, people on the post from then on) over [start, end)."""
    delta: dict[datetime, int] = defaultdict(int)
    for s in spans:
        a, b = max(s.start_at, start), min(s.end_at, end)
        if a < b:
            delta[a] += 1
            delta[b] -= 1
    delta.setdefault(start, 0)
    level, out = 0, []
    for at in sorted(delta):
        level += delta[at]
        if at < end:
            out.append((at, level))
    return out


def gaps(
    spans: Sequence[Span], posts: Sequence[PostRule], start: datetime, end: datetime
) -> list[Gap]:
    """Every interval in [start, end) where a post has fewer people than its minimum."""
    by_post: dict[int, list[Span]] = defaultdict(list)
    for s in spans:
        by_post[s.post_id].append(s)
    found: list[Gap] = []
    for post in posts:
        levels = _levels(by_post.get(post.id, []), start, end)
        for i, (at, count) in enumerate(levels):
            until = levels[i + 1][0] if i + 1 < len(levels) else end
            if count >= post.min_count:
                continue
            last = found[-1] if found else None
            if last and last.post_id == post.id and last.end_at == at and last.count == count:
                found[-1] = Gap(post.id, post.key, last.start_at, until, count, post.min_count)
            else:
                found.append(Gap(post.id, post.key, at, until, count, post.min_count))
    return sorted(found, key=lambda g: (g.start_at, g.post_id))


def crowded(spans: Sequence[S], posts: Sequence[PostRule]) -> tuple[S, S] | None:
    """Two spans that put more people on a post than its maximum (first found)."""
    limits = {p.id: p.max_count for p in posts if p.max_count is not None}
    by_post: dict[int, list[S]] = defaultdict(list)
    for s in spans:
        if s.post_id in limits:
            by_post[s.post_id].append(s)
    for post_id, items in by_post.items():
        items.sort(key=lambda s: s.start_at)
        active: list[S] = []
        for s in items:
            active = [a for a in active if a.end_at > s.start_at]
            active.append(s)
            if len(active) > limits[post_id]:
                return active[0], s
    return None


def overlapping(spans: Sequence[S]) -> tuple[S, S] | None:
    """A person on two shifts at once (first found)."""
    by_person: dict[int, list[S]] = defaultdict(list)
    for s in spans:
        by_person[s.person_id].append(s)
    for items in by_person.values():
        items.sort(key=lambda s: s.start_at)
        for a, b in pairwise(items):
            if b.start_at < a.end_at:
                return a, b
    return None
