"""Nearest points on the WGS84 ellipsoid: a KD-tree on unit-sphere (ECEF) vectors gives
candidates, geopy's geodesic decides the order.

Why it is exact: for two points, the geodesic distance ``s`` and their central angle ``θ``
on the unit sphere (geodetic latitude taken as spherical) satisfy
``R_LO · θ <= s <= R_HI · θ`` (the radii of curvature of WGS84 lie in 6335-6400 km; the
bounds below leave room). So once ``k`` matching points are known, the true ``k`` nearest
all lie within the angle ``max(s_i) / R_LO``, where ``s_i <= R_HI · θ_i``: one ball
query, then geodesics for the (few) points in the ball. Chord distance in 3D has no
antimeridian seam and no pole singularity.

``TeamIndex`` is one process's copy of team positions, kept in sync with the database
through the outbox (events are numbered in commit order): before each query it reads the
events after the last one it applied and reloads the teams they name; any instance
answers from the committed state. Changed points go to a small overlay searched by brute
force until the tree is rebuilt.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
from geopy.distance import geodesic
from scipy.spatial import cKDTree

R_LO = 6300.0  # km, below the smallest radius of curvature of WGS84 (6335.4)
R_HI = 6420.0  # km, above the largest (6399.6)
REBUILD_SHARE = 0.05  # rebuild the tree when this share of points sits in the overlay


def unit_vectors(lat: Any, lon: Any) -> np.ndarray:
    la, lo = np.radians(np.asarray(lat, dtype=float)), np.radians(np.asarray(lon, dtype=float))
    return np.stack([np.cos(la) * np.cos(lo), np.cos(la) * np.sin(lo), np.sin(la)], axis=-1)


def chord_for_angle(theta: float) -> float:
    return 2.0 if theta >= math.pi else 2.0 * math.sin(theta / 2.0)


def angle_for_chord(chord: float) -> float:
    return 2.0 * math.asin(min(1.0, chord / 2.0))


def distance_km(lat: float, lon: float, plat: float, plon: float) -> float:
    return float(geodesic((lat, lon), (plat, plon)).km)


@dataclass(frozen=True)
class Point:
    id: int
    lat: float
    lon: float
    attrs: Any = None  # what filters look at (kind, status, org path …)


class SpatialIndex:
    """Points by id; ``nearest`` is exact by geodesic distance, ties by id."""

    def __init__(self, points: Iterable[Point] = ()) -> None:
        self.points: dict[int, Point] = {}
        self._tree: cKDTree | None = None
        self._tree_ids = np.zeros(0, dtype=np.int64)
        self._stale: set[int] = set()  # ids whose tree entry is out of date
        self._overlay: dict[int, np.ndarray] = {}
        self.rebuild(points)

    def __len__(self) -> int:
        return len(self.points)

    def rebuild(self, points: Iterable[Point] | None = None) -> None:
        if points is not None:
            self.points = {p.id: p for p in points}
        ordered = list(self.points.values())
        self._tree_ids = np.array([p.id for p in ordered], dtype=np.int64)
        if ordered:
            xyz = unit_vectors([p.lat for p in ordered], [p.lon for p in ordered])
            self._tree = cKDTree(xyz)
        else:
            self._tree = None
        self._stale.clear()
        self._overlay.clear()

    def put(self, point: Point) -> None:
        self.points[point.id] = point
        self._stale.add(point.id)
        self._overlay[point.id] = unit_vectors(point.lat, point.lon)
        self._maybe_rebuild()

    def remove(self, point_id: int) -> None:
        self.points.pop(point_id, None)
        self._stale.add(point_id)
        self._overlay.pop(point_id, None)
        self._maybe_rebuild()

    def _maybe_rebuild(self) -> None:
        if len(self._stale) > max(64, REBUILD_SHARE * len(self.points)):
            self.rebuild()

    def _by_chord(self, q: np.ndarray, k: int) -> list[tuple[float, int]]:
        """The ``k`` points nearest by chord (fewer when there are fewer)."""
        found: list[tuple[float, int]] = []
        if self._tree is not None and len(self._tree_ids):
            want = min(len(self._tree_ids), k + len(self._stale))
            dist, idx = self._tree.query(q, k=want)
            for d, i in zip(np.atleast_1d(dist), np.atleast_1d(idx), strict=True):
                pid = int(self._tree_ids[i])
                if pid not in self._stale:
                    found.append((float(d), pid))
        found.extend(self._overlay_within(q, None))
        found.sort()
        return found[:k]

    def _overlay_within(self, q: np.ndarray, radius: float | None) -> list[tuple[float, int]]:
        if not self._overlay:
            return []
        ids = list(self._overlay)
        d = np.linalg.norm(np.stack([self._overlay[i] for i in ids]) - q, axis=1)
        return [
            (float(x), pid) for x, pid in zip(d, ids, strict=True) if radius is None or x <= radius
        ]

    def _within(self, q: np.ndarray, chord: float) -> list[int]:
        ids: list[int] = []
        if self._tree is not None and len(self._tree_ids):
            for i in self._tree.query_ball_point(q, chord * (1 + 1e-12) + 1e-15):
                pid = int(self._tree_ids[i])
                if pid not in self._stale:
                    ids.append(pid)
        ids.extend(pid for _, pid in self._overlay_within(q, chord * (1 + 1e-12) + 1e-15))
        return ids

    def nearest(
        self,
        lat: float,
        lon: float,
        k: int,
        accept: Callable[[Point], bool] | None = None,
    ) -> list[tuple[float, Point]]:
        """The ``k`` accepted points nearest to (lat, lon): [(distance_km, point)]."""
        if k <= 0 or not self.points:
            return []
        q = unit_vectors(lat, lon)
        accept = accept or (lambda _p: True)
        n = len(self.points)
        want = k
        while True:
            near = self._by_chord(q, want)
            matching = [(c, pid) for c, pid in near if accept(self.points[pid])]
            if len(matching) >= k or want >= n:
                break
            want = min(n, want * 4)
        if not matching:
            return []
        if len(matching) < k:  # every point looked at: all that match
            candidates = [pid for _, pid in matching]
        else:
            bound = max(R_HI * angle_for_chord(c) for c, _ in matching[:k])
            candidates = [
                pid
                for pid in self._within(q, chord_for_angle(bound / R_LO))
                if accept(self.points[pid])
            ]
        scored = []
        for pid in candidates:
            point = self.points[pid]
            scored.append((distance_km(lat, lon, point.lat, point.lon), pid, point))
        scored.sort(key=lambda s: (s[0], s[1]))
        return [(d, p) for d, _, p in scored[:k]]


def brute_force(points: Iterable[Point], lat: float, lon: float, k: int) -> list[tuple[float, int]]:
    """The reference: every geodesic, sorted by (distance, id)."""
    scored = sorted((distance_km(lat, lon, p.lat, p.lon), p.id) for p in points)
    return scored[:k]
