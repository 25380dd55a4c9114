"""Nearest teams: our query (the index synced through the outbox before each query)
against an in-memory scipy KD-tree over the same points, while 1% of 10,000
teams move every second. Both answer exactly (geodesic refinement of KD-tree candidates);
every answer is checked against a brute-force geodesic sort on a sample.

    python -m bench.nearest [--teams 10000] [--seconds 10] [--queries 50] [--database-url …]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import time
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlmodel import select

from bench.common import RESULTS, create_database, machine, summary, write_results
from plans.resources import nearest, teams
from plans.resources.geoindex import Point, SpatialIndex, brute_force
from plans.resources.models import Team
from plans.resources.schemas import Location
from service.auth.permissions import SYSTEM, Scope
from service.db import Database, utcnow
from service.orgs.models import Org, OrgKind


def point(rng: random.Random) -> tuple[float, float]:
    if rng.random() < 0.2:
        return rng.uniform(-90, 90), rng.choice([-1, 1]) * rng.uniform(170, 180)
    if rng.random() < 0.2:
        return rng.choice([-1, 1]) * rng.uniform(80, 90), rng.uniform(-180, 180)
    return rng.uniform(-90, 90), rng.uniform(-180, 180)


async def run(args: argparse.Namespace) -> dict[str, Any]:
    rng = random.Random(7)
    db = Database(args.database_url)
    async with db.session() as s:
        org = Org(name="基准县", kind=OrgKind.county, path="", timezone="Asia/Shanghai")
        s.add(org)
        await s.flush()
        org.path = f"/{org.id}/"
        rows: list[dict[str, Any]] = []
        now = utcnow()
        for i in range(args.teams):
            lat, lon = point(rng)
            rows.append(
                {
                    "org_id": org.id,
                    "name": f"t{i}",
                    "kind": "fire",
                    "headcount": 1,
                    "equipment": [],
                    "base_lat": lat,
                    "base_lon": lon,
                    "lat": lat,
                    "lon": lon,
                    "status": "available",
                    "status_at": now,
                    "created_at": now,
                    "updated_at": now,
                }
            )
        await (await s.connection()).execute(sa.insert(Team.__table__), rows)  # type: ignore[attr-defined]
    async with db.session(write=False) as s:
        loaded = (await s.exec(sa.select(Team.id, Team.lat, Team.lon))).all()  # type: ignore[call-overload]
    points = {i: Point(i, la, lo) for i, la, lo in loaded}
    baseline = SpatialIndex(points.values())
    scope = Scope(everything=True)
    ours: list[float] = []  # the query in a request's open session (its marginal cost)
    with_session: list[float] = []  # plus opening and closing a session of its own
    theirs: list[float] = []
    checked = mismatches = 0
    moving = max(1, args.teams // 100)
    ids = list(points)
    for second in range(args.seconds):
        movers = rng.sample(ids, moving)
        async with db.session() as s:
            for team_id in movers:
                team = await s.get(Team, team_id)
                assert team is not None
                lat, lon = point(rng)
                await teams.move(s, SYSTEM, team, org, Location(lat=lat, lon=lon))
                points[team_id] = Point(team_id, lat, lon)
                baseline.put(points[team_id])
        for q in range(args.queries):
            lat, lon = point(rng)
            opened = time.perf_counter()
            async with db.session(write=False) as s:
                await s.exec(select(sa.literal(1)))  # as a request: auth began it
                started = time.perf_counter()
                got = await nearest.nearest_teams(s, scope, lat, lon, limit=args.k)
                ours.append(time.perf_counter() - started)
            with_session.append(time.perf_counter() - opened)
            started = time.perf_counter()
            expected = baseline.nearest(lat, lon, args.k)
            theirs.append(time.perf_counter() - started)
            if [g["id"] for g in got] != [p.id for _, p in expected]:
                mismatches += 1
            if q < args.checks:
                truth = brute_force(points.values(), lat, lon, args.k)
                checked += 1
                if [g["id"] for g in got] != [i for _, i in truth]:
                    mismatches += 1
        print(f"second {second + 1}: {moving} moved, {args.queries} queries", flush=True)
    await db.dispose()
    ratio = summary(ours)["p50"] / summary(theirs)["p50"]
    return {
        "benchmark": "nearest",
        "database": db.url.get_backend_name(),
        "teams": args.teams,
        "moving_per_second": moving,
        "seconds": args.seconds,
        "k": args.k,
        "ours_s": summary(ours),
        "ours_with_own_session_s": summary(with_session),
        "kdtree_s": summary(theirs),
        "ratio_p50": round(ratio, 3),
        "ratio_mean": round(sum(ours) / sum(theirs), 3),
        "ratio_p50_with_own_session": round(
            summary(with_session)["p50"] / summary(theirs)["p50"], 3
        ),
        "brute_force_checks": checked,
        "mismatches": mismatches,
        "machine": machine(),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--teams", type=int, default=10_000)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--queries", type=int, default=50)
    parser.add_argument("--checks", type=int, default=3)
    parser.add_argument("--k", type=int, default=10)
    parser.add_argument("--database-url")
    parser.add_argument("--out", default=str(RESULTS / "nearest.json"))
    args = parser.parse_args()
    args.database_url, drop = create_database(args.database_url)  # the run's own
    try:
        result = asyncio.run(run(args))
    finally:
        drop()
    write_results(Path(args.out), result)
    print({k: v for k, v in result.items() if k != "machine"})


if __name__ == "__main__":
    main()
