"""10,000 warning answer deadlines in one minute, fired by the real handler.

A warning goes to 10,000 responsible persons (``bench.acks.populate``); nobody answers.
Their first deadlines are spread evenly over ``--spread`` seconds from ``--lead`` seconds
ahead, and a clock process (``service.clock.runner.Clock`` with the service's own
handlers) fires them. Each firing is ``warning.deadline``: the recipient is called again
(a ``warning.called`` event with ``call: 2`` and the next deadline, an hour away so that
it stays out of the run).

Reported: lateness (the timer's ``finished_at`` minus its due time) p50 / p99 / max, and
how many recipients were called again exactly once, never, or twice or more. Target
(issue 8): p99 ≤ 1 s, each exactly once. The clock peer (bare APScheduler) is in
``bench.clock``.

    python -m bench.deadlines [--database-url postgresql://…]
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import make_url

from bench.acks import populate
from bench.common import RESULTS, create_database, machine, summary, table, write_results
from service.auth.permissions import SYSTEM
from service.db import Database, utcnow
from service.settings import Settings

TARGET_P99_S = 1.0


def clock_worker(url: str, ready: Any, stop: Any) -> None:
    """The service's clock, with every handler registered, in its own process."""

    async def serve() -> None:
        from dispatch.warnings import calls  # noqa: F401  (registers warning.deadline)
        from service.cli import tune_gc
        from service.clock.runner import Clock

        tune_gc(Settings.model_fields["gc_threshold"].default)  # as ``yingji serve`` does
        db = Database(url)
        clock = Clock(db, tick_s=1.0, lease_s=60.0, batch=500, concurrency=32)
        clock.start()
        ready.set()
        await asyncio.to_thread(stop.wait)
        await clock.stop()
        await db.dispose()

    asyncio.run(serve())


async def issue(url: str, recipients: int, lead: float, spread: float) -> tuple[int, datetime]:
    from dispatch.warnings import service
    from dispatch.warnings.schemas import WarningCreate

    county, _, _ = await populate(url, recipients)
    db = Database(url)
    settings = Settings(database_url=url, secret_key="x" * 40)
    async with db.session() as s:
        warning = await service.create(
            s,
            SYSTEM,
            WarningCreate.model_validate(
                {
                    "org_id": county,
                    "hazard": "mountain_torrent",
                    "level": "red",
                    "title": "bench",
                    "content": "bench",
                    "rules": [{"rule": "responsible_persons", "org_ids": [county]}],
                    "expires_at": datetime.now(UTC) + timedelta(hours=3),
                    "respond_within_s": 600,
                    "recall_count": 1,
                    "recall_interval_s": 3600,
                }
            ),
            settings,
        )
    first = utcnow() + timedelta(seconds=lead)
    step = spread / recipients
    async with db.session() as s:  # spread the deadlines over the minute, in recipient order
        conn = await s.connection()
        rows = (
            await conn.execute(
                sa.text("SELECT id FROM clock_timer WHERE kind = 'warning.deadline' ORDER BY id")
            )
        ).all()
        await conn.execute(
            sa.text("UPDATE clock_timer SET due_at = :at WHERE id = :id"),
            [{"id": r[0], "at": first + timedelta(seconds=i * step)} for i, r in enumerate(rows)],
        )
    await db.dispose()
    return warning.id or 0, first


async def progress(url: str) -> int:
    db = Database(url)
    async with db.session(write=False) as s:
        done = await s.scalar(
            sa.text(
                "SELECT count(*) FROM clock_timer "
                "WHERE kind = 'warning.deadline' AND state = 'done'"
            )
        )
    await db.dispose()
    return int(done or 0)


async def collect(url: str) -> tuple[list[float], Counter[int], int]:
    db = Database(url)
    async with db.session(write=False) as s:
        conn = await s.connection()
        timers = (
            await conn.execute(
                sa.text(
                    "SELECT due_at, finished_at FROM clock_timer "
                    "WHERE kind = 'warning.deadline' AND state = 'done'"
                )
            )
        ).all()
        events = (
            await conn.execute(
                sa.text("SELECT data FROM outbox_event WHERE type = 'warning.called'")
            )
        ).all()
        recipients = int(await s.scalar(sa.text("SELECT count(*) FROM warning_recipient")) or 0)
    await db.dispose()

    def when(value: Any) -> datetime:
        at = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
        return at if at.tzinfo else at.replace(tzinfo=UTC)

    late = [(when(f) - when(d)).total_seconds() for d, f in timers]
    import json

    again: Counter[int] = Counter()
    for (data,) in events:
        body = data if isinstance(data, dict) else json.loads(data)
        if body.get("call") == 2:
            again[int(body["recipient_id"])] += 1
    return late, again, recipients


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--recipients", type=int, default=10_000)
    parser.add_argument("--spread", type=float, default=60.0)
    parser.add_argument("--lead", type=float, default=20.0, help="first deadline this many s ahead")
    parser.add_argument("--timeout", type=float, default=60.0, help="wait after the last due")
    parser.add_argument("--database-url", help="postgresql://… server; default: SQLite file")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    args.loops = 1
    url, drop = create_database(args.database_url)
    backend = make_url(url).get_backend_name()
    context = multiprocessing.get_context("spawn")
    stop, ready = context.Event(), context.Event()
    worker = context.Process(target=clock_worker, args=(url, ready, stop))
    try:
        warning_id, first = asyncio.run(issue(url, args.recipients, args.lead, args.spread))
        worker.start()
        if not ready.wait(60):
            raise RuntimeError("the clock did not start")
        print(f"{args.recipients} deadlines from {first:%H:%M:%S} over {args.spread:.0f} s")
        deadline = first.timestamp() + args.spread + args.timeout
        while time.time() < deadline and asyncio.run(progress(url)) < args.recipients:
            time.sleep(1.0)
        stop.set()
        worker.join(30)
        if worker.is_alive():
            worker.terminate()
        late, again, recipients = asyncio.run(collect(url))
    finally:
        drop()
    finish = summary(late)
    result = {
        "benchmark": "deadlines",
        "database": backend,
        "warning_id": warning_id,
        "recipients": recipients,
        "finish_lateness_s": finish,
        "called_again_exactly_once": sum(1 for n in again.values() if n == 1),
        "called_again_twice_or_more": sum(1 for n in again.values() if n > 1),
        "never": recipients - len(again),
        "target": {"p99_lateness_s": TARGET_P99_S, "exactly_once": True},
        "machine": machine(),
    }
    result["meets_target"] = (
        finish["p99"] <= TARGET_P99_S and result["called_again_exactly_once"] == recipients
    )
    write_results(args.out or RESULTS / f"deadlines-{backend}.json", result)
    s = finish
    print(
        table(
            ["", "p50 s", "p99 s", "max s", "once", "never", "twice+"],
            [
                [
                    backend,
                    s["p50"],
                    s["p99"],
                    s["max"],
                    result["called_again_exactly_once"],
                    result["never"],
                    result["called_again_twice_or_more"],
                ]
            ],
        )
    )
    print(
        "meets the target" if result["meets_target"] else "MISSES the target (p99 ≤ 1 s, each once)"
    )


if __name__ == "__main__":
    main()
