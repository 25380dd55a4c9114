"""Creating an incident and listing open incidents, against a trivial endpoint of the same
app (``GET /api/v1/auth/me``, authenticated the same way), in one run.

Targets (issue 7): each ≥ 70 % of the trivial endpoint's requests per second, and its p99
≤ 2× the trivial endpoint's p99, on SQLite and PostgreSQL. Creating writes the incident,
its first grade, the reports due (with their clock timers), a log entry, an audit row and
four events, in one transaction. The list is the dispatch screen's query: the first page
(50) of open incidents in the caller's scope, with 1,000 incidents stored (and those the
create phase added). Before each phase PostgreSQL's statistics are brought up to date
(``ANALYZE``), as autovacuum keeps them in service.

The phases take turns (``--rounds``, 5 by default, each a fifth of ``--seconds``), so a
slower moment of the machine weighs on each alike.

    python -m bench.incidents [--seconds 10 --concurrency 16 --database-url postgresql://…]
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
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from bench.broadcast import PASSWORD, USER, run_checked, stop, wait_http, yingji
from bench.common import (
    analyze,
    cpu_snapshot,
    cpu_used,
    create_database,
    free_port,
    machine,
    percentile,
    table,
    write_results,
)

TARGET_RATIO = 0.7
TARGET_P99 = 2.0


def incident(county_id: int) -> dict[str, Any]:
    now = datetime.now(UTC)
    return {
        "title": f"基准事故 {random.randrange(10**9)}",
        "type": random.choice(["mine", "fire", "road_traffic", "flood"]),
        "org_id": county_id,
        "lat": 35.3 + random.random() * 0.4,
        "lon": 112.2 + random.random() * 0.4,
        "occurred_at": (now - timedelta(minutes=30)).isoformat(),
        "deaths": random.choice([0, 0, 0, 1, 3]),
        "injuries": random.randrange(5),
    }


async def hammer(
    base: str,
    token: str,
    seconds: float,
    concurrency: int,
    request: Any,
) -> tuple[list[float], int, float]:
    """``concurrency`` clients repeating ``request`` for ``seconds``: each request's time,
    the errors, and how long it took in all."""
    headers = {"Authorization": f"Bearer {token}"}
    took: list[float] = []
    errors = 0
    deadline = time.perf_counter() + seconds
    async with httpx.AsyncClient(base_url=base, headers=headers, timeout=30) as client:

        async def worker() -> None:
            nonlocal errors
            while time.perf_counter() < deadline:
                t = time.perf_counter()
                r = await request(client)
                took.append(time.perf_counter() - t)
                errors += r.status_code >= 300

        t0 = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - t0
    return took, errors, elapsed


class Phase:
    """One endpoint's requests over all the rounds it ran in."""

    def __init__(self) -> None:
        self.took: list[float] = []
        self.errors = 0
        self.elapsed = 0.0
        self.cpu: dict[str, float] = {}

    def add(self, took: list[float], errors: int, elapsed: float, cpu: dict[str, float]) -> None:
        self.took += took
        self.errors += errors
        self.elapsed += elapsed
        self.cpu = {k: round(self.cpu.get(k, 0.0) + v, 2) for k, v in cpu.items()}

    def summary(self) -> dict[str, Any]:
        count = max(1, len(self.took))
        return {
            "requests": len(self.took),
            "errors": self.errors,
            "rps": round(len(self.took) / self.elapsed, 1),
            "p50_ms": round(percentile(self.took, 50) * 1000, 2),
            "p99_ms": round(percentile(self.took, 99) * 1000, 2),
            "server_cpu_ms": round(self.cpu["server"] * 1000 / count, 2),
            # CPU of the whole phase: the server, the clients (this process), everything
            # else (mostly PostgreSQL), and what the host took from this virtual machine
            "cpu_s": self.cpu,
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=5, help="turns each phase takes")
    parser.add_argument("--stored", type=int, default=1000, help="incidents stored first")
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--out", default=None)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="yingji-bench-incidents-"))
    url, drop = create_database(args.database_url)  # never the server's own database
    atexit.register(drop)
    env = os.environ | {"YINGJI_DATA_DIR": str(work), "YINGJI_DATABASE_URL": url}
    cli = yingji()
    run_checked([cli, "db", "upgrade"], env)
    run_checked([cli, "users", "create", USER, "--password", PASSWORD, "--role", "admin"], env)
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
        auth = {"Authorization": f"Bearer {token}"}
        county = httpx.post(
            f"{base}/api/v1/orgs", json={"name": "基准县", "kind": "county"}, headers=auth
        ).json()["id"]

        async def fill() -> None:
            async with httpx.AsyncClient(base_url=base, headers=auth, timeout=30) as client:
                for _ in range(args.stored):
                    r = await client.post("/api/v1/incidents", json=incident(county))
                    r.raise_for_status()

        asyncio.run(fill())

        async def me(client: httpx.AsyncClient) -> httpx.Response:
            return await client.get("/api/v1/auth/me")

        async def create(client: httpx.AsyncClient) -> httpx.Response:
            return await client.post("/api/v1/incidents", json=incident(county))

        async def listing(client: httpx.AsyncClient) -> httpx.Response:
            return await client.get("/api/v1/incidents", params={"open": "true"})

        asyncio.run(hammer(base, token, 2, args.concurrency, me))  # warm up
        phases = {"trivial": me, "create": create, "list_open": listing}
        done = {name: Phase() for name in phases}
        # the phases take turns, so that a slower moment of a shared machine (another
        # process, CPU taken by the host) falls on all of them alike
        for _ in range(args.rounds):
            for name, request in phases.items():
                analyze(url)  # the rows of the phases before: statistics as in service
                cpu = cpu_snapshot(process.pid)
                took, errors, elapsed = asyncio.run(
                    hammer(base, token, args.seconds / args.rounds, args.concurrency, request)
                )
                done[name].add(took, errors, elapsed, cpu_used(cpu, cpu_snapshot(process.pid)))
        runs = {name: phase.summary() for name, phase in done.items()}
    finally:
        stop(process)
        log.close()
    trivial = runs["trivial"]
    verdict = {}
    for name in ("create", "list_open"):
        ratio = runs[name]["rps"] / trivial["rps"] if trivial["rps"] else 0.0
        p99 = runs[name]["p99_ms"] / trivial["p99_ms"] if trivial["p99_ms"] else 0.0
        verdict[name] = {
            "rps_ratio": round(ratio, 3),
            "p99_ratio": round(p99, 3),
            "met": ratio >= TARGET_RATIO and p99 <= TARGET_P99,
        }
    result = {
        "database": url.split(":")[0],
        "stored": args.stored,
        "concurrency": args.concurrency,
        "seconds": args.seconds,
        "rounds": args.rounds,
        "runs": runs,
        "verdict": verdict,
        "targets": {"rps_ratio_min": TARGET_RATIO, "p99_ratio_max": TARGET_P99},
        "machine": machine(),
    }
    name = args.out or f"bench/results/incidents-{result['database']}.json"
    write_results(Path(name), result)
    rows = [
        [
            k,
            v["rps"],
            v["p50_ms"],
            v["p99_ms"],
            v["errors"],
            v["server_cpu_ms"],
            *(
                [verdict[k]["rps_ratio"], verdict[k]["p99_ratio"], verdict[k]["met"]]
                if k in verdict
                else ["", "", ""]
            ),
        ]
        for k, v in runs.items()
    ]
    print(
        table(
            [
                *["endpoint", "rps", "p50 ms", "p99 ms", "errors", "server CPU ms"],
                *["rps ratio", "p99 ratio", "met"],
            ],
            rows,
        )
    )


if __name__ == "__main__":
    main()
