"""Clock lateness: 10,000 durable timers due within one minute, each fired exactly once.

The timers are spread evenly over ``--spread`` seconds starting ``--lead`` seconds from now.
``--loops`` Clock instances (``service.clock.runner.Clock``, each in its own process with
its own engine, as separate service instances would be) fire them; the handler's effect
is one outbox event per firing, which also records when the handler started. We report
lateness (finished_at - due_at and handler start - due_at: p50 / p99 / max) and count the
committed events per timer. Target: p99 ≤ 1 s, every timer exactly once.

The peer, in the same run: the same timers as one in-memory ``DateTrigger`` job each in a
bare APScheduler ``AsyncIOScheduler`` (no database).

    python -m bench.clock                                # SQLite, 10,000 timers, 1 loop
    python -m bench.clock --timers 1000 --loops 3
    python -m bench.clock --database-url postgresql://postgres@127.0.0.1:5432/postgres
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import multiprocessing
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.date import DateTrigger
from sqlalchemy.engine import make_url
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bench.common import (
    RESULTS,
    create_database,
    machine,
    raise_nofile,
    summary,
    table,
    write_results,
)
from service.clock.models import Timer, TimerState
from service.clock.runner import Clock
from service.db import Database, utcnow
from service.realtime import outbox
from service.realtime.models import OutboxEvent
from service.settings import Settings

KIND = "bench.record"
FIRED = "bench.fired"
TARGET_P99_S = 1.0


async def record(session: AsyncSession, timer: Timer) -> None:
    """The handler: its effect is one outbox event, committed with the timer's "done"."""
    started = utcnow()
    await outbox.append(
        session,
        topic="bench",
        type=FIRED,
        data={"ref": timer.ref, "attempt": timer.attempts, "started_at": started.isoformat()},
        org_id=None,
        org_path=None,
    )


# --- our clock -------------------------------------------------------------------------


def clock_worker(url: str, options: dict[str, Any], ready: Any, stop: Any) -> None:
    """One service instance's clock, in its own process, until ``stop`` is set."""

    async def serve() -> None:
        db = Database(url)
        clock = Clock(db, handlers={KIND: record}, **options)
        clock.start()
        ready.set()
        await asyncio.to_thread(stop.wait)  # a multiprocessing.Event, set by the parent
        await clock.stop()
        await db.dispose()

    asyncio.run(serve())


def due_times(args: argparse.Namespace) -> list[datetime]:
    start = utcnow() + timedelta(seconds=args.lead)
    step = args.spread / args.timers
    return [start + timedelta(seconds=i * step) for i in range(args.timers)]


async def schedule(url: str, due: list[datetime]) -> None:
    """Insert the timers in one transaction (rows as ``clock.service.schedule`` makes them)."""
    db = Database(url)
    async with db.session() as session:
        session.add_all(
            [Timer(kind=KIND, ref=f"t{i}", due_at=at, payload={}) for i, at in enumerate(due)]
        )
    await db.dispose()


async def finished(url: str) -> int:
    db = Database(url)
    async with db.session(write=False) as session:
        rows = await session.exec(
            select(Timer.id).where(col(Timer.state).in_([TimerState.done, TimerState.failed]))
        )
        count = len(list(rows))
    await db.dispose()
    return count


async def collect(url: str) -> tuple[list[Timer], list[dict[str, Any]]]:
    db = Database(url)
    async with db.session(write=False) as session:
        timers = list(await session.exec(select(Timer)))
        events = [
            e.data for e in await session.exec(select(OutboxEvent).where(OutboxEvent.type == FIRED))
        ]
    await db.dispose()
    return timers, events


def run_ours(url: str, args: argparse.Namespace) -> dict[str, Any]:
    context = multiprocessing.get_context("spawn")
    stop = context.Event()
    options = {
        "tick_s": args.tick,
        "lease_s": args.lease,
        "batch": args.batch,
        "concurrency": args.concurrency,
    }
    workers = []
    for _ in range(args.loops):
        ready = context.Event()
        worker = context.Process(target=clock_worker, args=(url, options, ready, stop))
        worker.start()
        workers.append((worker, ready))
    for _, ready in workers:
        if not ready.wait(60):
            raise RuntimeError("a clock worker did not start within 60 s")
    due = due_times(args)
    asyncio.run(schedule(url, due))
    print(f"ours: {args.timers} timers from {due[0]:%H:%M:%S} to {due[-1]:%H:%M:%S} UTC")
    deadline = due[-1].timestamp() + args.timeout
    done = 0
    while time.time() < deadline:
        done = asyncio.run(finished(url))
        if done >= args.timers:
            break
        time.sleep(1.0)
    stop.set()
    for worker, _ in workers:
        worker.join(30)
        if worker.is_alive():
            worker.terminate()

    timers, events = asyncio.run(collect(url))
    fired = Counter(str(e["ref"]) for e in events)
    started = {str(e["ref"]): datetime.fromisoformat(e["started_at"]) for e in events}
    finish_late = [(t.finished_at - t.due_at).total_seconds() for t in timers if t.finished_at]
    start_late = [(started[t.ref] - t.due_at).total_seconds() for t in timers if t.ref in started]
    return {
        "timers": len(timers),
        "states": dict(Counter(str(t.state) for t in timers)),
        "claimed_more_than_once": sum(1 for t in timers if t.attempts > 1),
        "finish_lateness_s": summary(finish_late),
        "start_lateness_s": summary(start_late),
        **exactly_once(fired, [t.ref for t in timers]),
    }


def exactly_once(fired: Counter[str], refs: list[str]) -> dict[str, Any]:
    return {
        "fired_exactly_once": sum(1 for r in refs if fired[r] == 1),
        "never_fired": sum(1 for r in refs if fired[r] == 0),
        "fired_twice_or_more": sum(1 for r in refs if fired[r] > 1),
    }


# --- the peer: bare APScheduler --------------------------------------------------------


async def run_peer(args: argparse.Namespace) -> dict[str, Any]:
    """One in-memory DateTrigger job per timer; no database, no claims, no commits."""
    scheduler = AsyncIOScheduler(timezone=UTC)
    fired: Counter[str] = Counter()
    all_fired = asyncio.Event()
    start_late: list[float] = []
    finish_late: list[float] = []

    async def job(ref: str, due: datetime) -> None:
        begun = time.time()
        fired[ref] += 1
        finish_late.append(time.time() - due.timestamp())
        start_late.append(begun - due.timestamp())
        if len(fired) == len(refs):
            all_fired.set()

    due = due_times(args)
    refs = [f"t{i}" for i in range(len(due))]
    for ref, at in zip(refs, due, strict=True):
        # misfire_grace_time=None: run however late (the default skips jobs over 1 s late)
        scheduler.add_job(
            job, DateTrigger(run_date=at), args=(ref, at), id=ref, misfire_grace_time=None
        )
    scheduler.start()
    print(f"peer: {args.timers} jobs from {due[0]:%H:%M:%S} to {due[-1]:%H:%M:%S} UTC")
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(all_fired.wait(), args.spread + args.lead + args.timeout)
    scheduler.shutdown(wait=False)
    return {
        "timers": len(refs),
        "finish_lateness_s": summary(finish_late),
        "start_lateness_s": summary(start_late),
        **exactly_once(fired, refs),
    }


# --- main ------------------------------------------------------------------------------


def main() -> None:
    defaults = Settings.model_fields
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--timers", type=int, default=10_000)
    parser.add_argument("--spread", type=float, default=60.0, help="due within this many s")
    parser.add_argument("--lead", type=float, default=5.0, help="first due this many s ahead")
    parser.add_argument("--loops", type=int, default=1, help="Clock instances (processes)")
    parser.add_argument("--database-url", help="postgresql://… server; default: SQLite file")
    parser.add_argument("--tick", type=float, default=defaults["clock_tick_s"].default)
    parser.add_argument("--lease", type=float, default=defaults["clock_lease_s"].default)
    parser.add_argument("--batch", type=int, default=defaults["clock_batch"].default)
    parser.add_argument("--concurrency", type=int, default=32, help="handlers at a time")
    parser.add_argument("--timeout", type=float, default=60.0, help="wait after the last due")
    parser.add_argument("--no-peer", action="store_true", help="skip the APScheduler peer")
    parser.add_argument("--out", type=Path, default=RESULTS / "clock.json")
    args = parser.parse_args()

    raise_nofile()
    info = machine()
    url, drop = create_database(args.database_url)
    backend = make_url(url).get_backend_name()
    try:
        ours = run_ours(url, args)
    finally:
        drop()
    peer = None if args.no_peer else asyncio.run(run_peer(args))

    ours["meets_target"] = (
        ours["finish_lateness_s"]["p99"] <= TARGET_P99_S
        and ours["fired_exactly_once"] == args.timers
    )
    report(ours, peer, backend, args.loops)
    write_results(
        args.out,
        {
            "benchmark": "clock",
            "database": backend,
            "loops": args.loops,
            "target": {"p99_lateness_s": TARGET_P99_S, "exactly_once": True},
            "machine": info,
            "settings": {k: v for k, v in vars(args).items() if k not in ("out", "database_url")},
            "ours": ours,
            "peer_apscheduler": peer,
        },
    )


def report(ours: dict[str, Any], peer: dict[str, Any] | None, backend: str, loops: int) -> None:
    rows = []
    for name, result in ((f"ours ({backend}, {loops} loop)", ours), ("APScheduler", peer)):
        if result is None:
            continue
        for what in ("start", "finish"):
            late = result[f"{what}_lateness_s"]
            rows.append(
                [
                    name,
                    what,
                    late["p50"],
                    late["p99"],
                    late["max"],
                    result["fired_exactly_once"],
                    result["never_fired"],
                    result["fired_twice_or_more"],
                ]
            )
    headers = ["", "lateness", "p50 s", "p99 s", "max s", "once", "never", "twice+"]
    print()
    print(table(headers, rows))
    verdict = "meets" if ours["meets_target"] else "MISSES"
    print(f"\nours: {verdict} the target (p99 finish lateness ≤ {TARGET_P99_S} s, each once)")
    print(json.dumps(ours["states"]))


if __name__ == "__main__":
    main()
