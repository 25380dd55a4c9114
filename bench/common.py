"""Helpers shared by the benchmarks: file limits, percentiles, machine info, results."""

from __future__ import annotations

import asyncio
import json
import os
import platform
import resource
import shutil
import socket
import sys
import tempfile
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url

from service.migrate import upgrade

RESULTS = Path(__file__).parent / "results"


def raise_nofile() -> int:
    """Raise the soft open-files limit up to the hard limit; return the new soft limit.

    Child processes inherit it, so the server subprocesses get it too."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = hard if hard != resource.RLIM_INFINITY else max(soft, 1_048_576)
    if soft == resource.RLIM_INFINITY or soft >= target:
        return soft if soft != resource.RLIM_INFINITY else target
    try:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    except (ValueError, OSError):
        return soft
    return target


def ephemeral_ports() -> int:
    """How many local ports a client may use for outgoing connections (Linux)."""
    try:
        low, high = Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()
        return int(high) - int(low) + 1
    except (OSError, ValueError):
        return 28_000


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0..100) with linear interpolation between ranks."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def summary(values: list[float]) -> dict[str, float | int]:
    """p50 / p99 / max (and count) of a list of seconds."""
    return {
        "count": len(values),
        "p50": percentile(values, 50),
        "p99": percentile(values, 99),
        "max": max(values) if values else float("nan"),
    }


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a process has used so far (Linux ``/proc``; 0 once it is
    gone). A server's CPU per request is what the load of other processes on the machine
    distorts least."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _version(package: str) -> str | None:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


def machine() -> dict[str, Any]:
    """What the numbers were measured on; the load average says how quiet it was."""
    return {
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "load_average_at_start": os.getloadavg(),
        "nofile_limit": resource.getrlimit(resource.RLIMIT_NOFILE)[0],
        "argv": sys.argv,
        "packages": {
            name: _version(name)
            for name in ("websockets", "uvicorn", "uvloop", "apscheduler", "sqlalchemy")
        },
    }


def write_results(path: Path, data: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n")
    print(f"\nresults written to {path}")


def table(headers: list[str], rows: list[list[Any]]) -> str:
    """A plain fixed-width text table."""
    cells = [[str(h) for h in headers]] + [[_cell(c) for c in row] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    lines = ["  ".join(c.rjust(w) for c, w in zip(r, widths, strict=True)) for r in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.3f}" if value == value else "-"  # NaN shows as "-"
    return "-" if value is None else str(value)


async def pg_admin(url: str, sql: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(make_url(url).set(drivername="postgresql").render_as_string(False))
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


def analyze(url: str) -> None:
    """Bring PostgreSQL's planner statistics up to date, as autovacuum does in service
    within a minute or so of a table changing; a benchmark that has just filled its tables
    would otherwise measure plans made from no statistics. (SQLite keeps none unless told,
    and the service does not tell it, so a SQLite database is left as it is.)"""
    if make_url(url).get_backend_name() in ("postgresql", "postgres"):
        asyncio.run(pg_admin(url, "ANALYZE"))


def create_database(server_url: str | None) -> tuple[str, Callable[[], None]]:
    """The run's own migrated database and the function that removes it: a new database
    on the PostgreSQL server of ``server_url`` (never that database itself), or, without
    one, a SQLite file in a new temporary folder."""
    if server_url:
        server = make_url(server_url)
        if server.get_backend_name() not in ("postgresql", "postgres"):
            raise SystemExit("--database-url must be postgresql://…")
        name = f"yingji_bench_{uuid.uuid4().hex[:10]}"
        asyncio.run(pg_admin(server_url, f'CREATE DATABASE "{name}"'))
        url = server.set(database=name).render_as_string(hide_password=False)

        def drop() -> None:
            asyncio.run(pg_admin(server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

    else:
        workdir = Path(tempfile.mkdtemp(prefix="yingji-bench-"))
        url = f"sqlite:///{workdir / 'yingji.db'}"

        def drop() -> None:
            shutil.rmtree(workdir, ignore_errors=True)

    try:
        upgrade(url)
    except BaseException:
        drop()
        raise
    return url, drop


def postgres_cpu_seconds() -> float:
    """CPU time used so far by the machine's PostgreSQL processes (its backends, WAL writer,
    autovacuum …) that are running now."""
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:  # gone meanwhile
            continue
        if text.split("(", 1)[1].startswith("postgres)"):
            fields = text.rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def cpu_snapshot(server_pid: int) -> dict[str, float]:
    """CPU seconds used so far by this process (the clients), the server, PostgreSQL,
    everything else on the machine, and stolen from this virtual machine by its host. The
    difference of two snapshots says where a phase's time went on a shared machine."""
    ticks = [int(n) for n in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    user, nice, system, _idle, _iowait, irq, softirq, steal = ticks
    busy = (user + nice + system + irq + softirq) / os.sysconf("SC_CLK_TCK")
    clients, server = cpu_seconds(os.getpid()), cpu_seconds(server_pid)
    postgres = postgres_cpu_seconds()
    return {
        "clients": clients,
        "server": server,
        "postgres": postgres,
        "others": busy - clients - server - postgres,
        "stolen": steal / os.sysconf("SC_CLK_TCK"),
    }


def cpu_used(before: dict[str, float], after: dict[str, float]) -> dict[str, float]:
    return {key: round(after[key] - before[key], 2) for key in before}
