"""``GET /api/v1/duty/now`` against a trivial JSON endpoint of the same app, over 10 years of
materialised roster for 200 orgs; and the SQL behind it on its own.

Targets (issue 4): duty/now ≥ 70 % of the trivial endpoint's requests per second (both
authenticated the same way: ``/api/v1/auth/me`` is the trivial one), and the duty/now
query p99 ≤ 2 ms. ``--database-url postgresql://…`` runs it on PostgreSQL.

    python -m bench.duty_now [--orgs 200 --years 10 --seconds 10 --concurrency 16]
"""

from __future__ import annotations

import argparse
import asyncio
import atexit
import os
import random
import subprocess
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import sqlalchemy as sa

from bench.broadcast import PASSWORD, USER, run_checked, stop, wait_http, yingji
from bench.common import create_database, free_port, machine, summary, table, write_results
from rosters import rotation, shifts
from rosters.models import RotationKind
from service.db import Database

ZONE = ZoneInfo("Asia/Shanghai")
START = date(2021, 1, 1)


def rows_for(
    org_id: int, leader_post: int, officer_post: int, people: list[int], years: int
) -> list[dict]:
    rules = [
        rotation.Rule(1, leader_post, RotationKind.regular, tuple(people[:3]), START),
        rotation.Rule(2, officer_post, RotationKind.regular, tuple(people[3:]), START),
    ]
    plan = rotation.plan(
        changeovers=[clock_time(8, 30)],
        zone=ZONE,
        first=START,
        last=START + timedelta(days=365 * years),
        rules=rules,
    )
    now = datetime.now(UTC)
    return [
        {
            "org_id": org_id,
            "post_id": p.post_id,
            "person_id": p.person_id,
            "start_at": p.start_at,
            "end_at": p.end_at,
            "source": p.source.value,
            "provisional": p.provisional,
            "sequence": 0,
            "created_at": now,
            "updated_at": now,
        }
        for p in plan.pieces
    ]


async def populate(url: str, orgs: int, years: int) -> list[int]:
    """``orgs`` townships with five people each and ten years of shifts, written in bulk."""
    db = Database(url)
    org_ids = []
    async with db.session() as s:
        conn = await s.connection()
        now = datetime.now(UTC)
        root = (await conn.execute(sa.text("SELECT id, path FROM org ORDER BY id LIMIT 1"))).one()
        for n in range(orgs):
            org_id = (
                await conn.execute(
                    sa.text(
                        "INSERT INTO org (name, kind, parent_id, path, timezone, created_at, "
                        "updated_at) "
                        "VALUES (:n, 'township', :p, '', 'Asia/Shanghai', :t, :t) RETURNING id"
                    ),
                    {"n": f"镇{n}", "p": root.id, "t": now},
                )
            ).scalar_one()
            await conn.execute(
                sa.text("UPDATE org SET path = :path WHERE id = :id"),
                {"path": f"{root.path}{org_id}/", "id": org_id},
            )
            people = []
            for k in range(5):
                people.append(
                    (
                        await conn.execute(
                            sa.text(
                                "INSERT INTO person (name, org_id, phones, tags, created_at, "
                                "updated_at) "
                                "VALUES (:n, :o, '[]', '[]', :t, :t) RETURNING id"
                            ),
                            {"n": f"人{n}-{k}", "o": org_id, "t": now},
                        )
                    ).scalar_one()
                )
            posts = []
            for key, high in (("leader", 1), ("officer", None)):
                posts.append(
                    (
                        await conn.execute(
                            sa.text(
                                "INSERT INTO duty_post (org_id, key, name, min_count, max_count, "
                                "created_at, updated_at) "
                                "VALUES (:o, :k, :k, 1, :h, :t, :t) RETURNING id"
                            ),
                            {"o": org_id, "k": key, "h": high, "t": now},
                        )
                    ).scalar_one()
                )
            rows = rows_for(org_id, posts[0], posts[1], people, years)
            await conn.execute(
                sa.insert(sa.table("duty_shift", *[sa.column(c) for c in rows[0]])), rows
            )
            org_ids.append(org_id)
    await db.dispose()
    return org_ids


async def sql_latency(url: str, org_ids: list[int], samples: int) -> dict:
    db = Database(url)
    span = (datetime.now(UTC) - datetime(2021, 1, 2, tzinfo=UTC)).total_seconds()
    took = []
    async with db.session(write=False) as s:
        for _ in range(samples):
            at = datetime(2021, 1, 2, tzinfo=UTC) + timedelta(seconds=random.random() * span)
            t0 = time.perf_counter()
            await shifts.at(s, random.choice(org_ids), at)
            took.append((time.perf_counter() - t0) * 1000)
    await db.dispose()
    return summary(took)


async def hammer(
    base: str, path: str, params: list[dict], token: str, seconds: float, concurrency: int
) -> dict:
    headers = {"Authorization": f"Bearer {token}"}
    done = 0
    errors = 0
    deadline = time.perf_counter() + seconds
    async with httpx.AsyncClient(base_url=base, headers=headers, timeout=30) as client:

        async def worker() -> None:
            nonlocal done, errors
            while time.perf_counter() < deadline:
                r = await client.get(path, params=random.choice(params))
                done += 1
                errors += r.status_code != 200

        t0 = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - t0
    return {"requests": done, "errors": errors, "rps": round(done / elapsed, 1)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--orgs", type=int, default=200)
    parser.add_argument("--years", type=int, default=10)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--samples", type=int, default=5000)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--out", default=None)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="yingji-bench-duty-"))
    url, drop = create_database(args.database_url)  # never the server's own database
    atexit.register(drop)
    env = os.environ | {"YINGJI_DATA_DIR": str(work), "YINGJI_DATABASE_URL": url}
    cli = yingji()
    run_checked([cli, "db", "upgrade"], env)
    run_checked([cli, "users", "create", USER, "--password", PASSWORD, "--role", "admin"], env)
    run_checked([cli, "demo"], env)  # a county to hang the bench orgs under
    t0 = time.perf_counter()
    org_ids = asyncio.run(populate(url, args.orgs, args.years))
    fill_s = time.perf_counter() - t0
    sql = asyncio.run(sql_latency(url, org_ids, args.samples))
    port = free_port()
    log = (work / "server.log").open("w")
    serve = [cli, "serve", "--host", "127.0.0.1", "--port", str(port), "--no-clock"]
    process = subprocess.Popen(serve, env=env, stdout=log, stderr=subprocess.STDOUT)  # noqa: S603
    base = f"http://127.0.0.1:{port}"
    try:
        wait_http(f"{base}/healthz", process)
        token = httpx.post(
            f"{base}/api/v1/auth/token", data={"username": USER, "password": PASSWORD}
        ).json()["access_token"]
        span = (datetime.now(UTC) - datetime(2021, 1, 2, tzinfo=UTC)).total_seconds()
        params = [
            {
                "org_id": random.choice(org_ids),
                "at": (
                    datetime(2021, 1, 2, tzinfo=UTC) + timedelta(seconds=random.random() * span)
                ).isoformat(),
            }
            for _ in range(1000)
        ]
        asyncio.run(hammer(base, "/api/v1/auth/me", [{}], token, 2, args.concurrency))  # warm up
        trivial = asyncio.run(
            hammer(base, "/api/v1/auth/me", [{}], token, args.seconds, args.concurrency)
        )
        duty = asyncio.run(
            hammer(base, "/api/v1/duty/now", params, token, args.seconds, args.concurrency)
        )
    finally:
        stop(process)
        log.close()
    ratio = duty["rps"] / trivial["rps"] if trivial["rps"] else 0.0
    result = {
        "database": url.split(":")[0],
        "orgs": args.orgs,
        "years": args.years,
        "shifts": args.orgs * args.years * 365 * 2,
        "fill_s": round(fill_s, 1),
        "sql_ms": sql,
        "trivial": trivial,
        "duty_now": duty,
        "ratio": round(ratio, 3),
        "targets": {"ratio_min": 0.7, "sql_p99_ms_max": 2.0},
        "met": {"ratio": ratio >= 0.7, "sql_p99": sql["p99"] <= 2.0},
        "machine": machine(),
    }
    name = args.out or f"bench/results/duty_now-{result['database']}.json"
    write_results(Path(name), result)
    print(
        table(
            ["endpoint", "rps", "errors"],
            [
                ["/api/v1/auth/me", trivial["rps"], trivial["errors"]],
                ["/api/v1/duty/now", duty["rps"], duty["errors"]],
            ],
        )
    )
    print(
        f"ratio {ratio:.2f} (target ≥ 0.70); "
        f"SQL p50 {sql['p50']:.3f} ms p99 {sql['p99']:.3f} ms (target ≤ 2 ms)"
    )


if __name__ == "__main__":
    main()
