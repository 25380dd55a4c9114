"""Broadcast latency: our server against a bare ``websockets`` server, in one run.

For each N, N clients subscribe to every topic. One broadcast is, for our server, an HTTP
write that creates one event (``POST /api/v1/orgs``: a new village under a county made
first), and for the baseline a trigger on its control connection that makes it call
``websockets.broadcast()`` with an event frame of the same size. We time publish → last
client received, over ``--rounds`` broadcasts per N, and check every client got every
broadcast. Target: ours / baseline ≤ 1.3, publish → last client received.

The publish is the instant the server hands the event to its sockets: for ours, when the
hub receives the committed event (``bench.broadcast_server`` notes it), for the baseline,
just before it calls ``websockets.broadcast()``. Both are read from ``CLOCK_MONOTONIC``,
the machine-wide clock behind ``time.perf_counter()``, as is "last client received" in the
harness. Request → last client received (for ours including the HTTP write and its
commit, for the baseline the trigger on its control connection) is reported beside it.

Processes: our server (``yingji serve --no-clock`` on a fresh SQLite file), the baseline
server, and one harness process per measurement (``bench.wsload``) that holds the clients
and publishes, so both ends of each interval are read from one clock.

    python -m bench.broadcast                       # N = 1000 5000 10000, 20 broadcasts
    python -m bench.broadcast --sizes 200 --rounds 20
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from bench.common import (
    RESULTS,
    ephemeral_ports,
    free_port,
    machine,
    percentile,
    raise_nofile,
    table,
    write_results,
)

ROOT = Path(__file__).resolve().parent.parent
TARGET_RATIO = 1.3
USER, PASSWORD = "bench", "benchpass1"
FD_MARGIN = 200  # files a process needs besides its sockets


def yingji() -> str:
    beside = Path(sys.executable).with_name("yingji")
    found = str(beside) if beside.exists() else shutil.which("yingji")
    if not found:
        sys.exit("the yingji command is not installed: pip install -e '.[dev]'")
    return found


def run_checked(cmd: list[str], env: dict[str, str]) -> None:
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if done.returncode != 0:
        sys.exit(f"{' '.join(cmd[:3])} failed:\n{done.stdout}{done.stderr}")


def wait_http(url: str, process: subprocess.Popen[Any], within: float = 60.0) -> None:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if process.poll() is not None:
            sys.exit(f"the server exited with {process.returncode}; see its log")
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    sys.exit(f"{url} did not answer within {within} s")


class OurServer:
    """``yingji serve`` on a fresh SQLite database, with one admin user and one county."""

    def __init__(self, workdir: Path) -> None:
        self.port = free_port()
        self.log = (workdir / "server.log").open("w")
        self.publish_log = workdir / "ours-published.log"
        self.publish_log.touch()
        self.env = os.environ | {
            "YINGJI_DATA_DIR": str(workdir),
            "YINGJI_DATABASE_URL": f"sqlite:///{workdir / 'yingji.db'}",
            "BENCH_PUBLISH_LOG": str(self.publish_log),
        }
        cli = yingji()
        run_checked([cli, "db", "upgrade"], self.env)
        run_checked(
            [cli, "users", "create", USER, "--password", PASSWORD, "--role", "admin"], self.env
        )
        serve = [sys.executable, "-m", "bench.broadcast_server", "serve"]
        serve += ["--host", "127.0.0.1", "--port", str(self.port), "--no-clock"]
        self.process = subprocess.Popen(  # noqa: S603
            serve, cwd=ROOT, env=self.env, stdout=self.log, stderr=subprocess.STDOUT
        )
        base = f"http://127.0.0.1:{self.port}"
        wait_http(f"{base}/healthz", self.process)
        login = httpx.post(
            f"{base}/api/v1/auth/token", data={"username": USER, "password": PASSWORD}
        )
        login.raise_for_status()
        self.token = str(login.json()["access_token"])
        county = httpx.post(
            f"{base}/api/v1/orgs",
            json={"name": "基准县 bench county", "kind": "county"},
            headers={"Authorization": f"Bearer {self.token}"},
        )
        county.raise_for_status()
        self.county_id = int(county.json()["id"])

    def stop(self) -> None:
        stop(self.process)
        self.log.close()


class BaselineServer:
    def __init__(self, loop: str, workdir: Path) -> None:
        self.publish_log = workdir / "baseline-published.log"
        self.publish_log.touch()
        cmd = [sys.executable, "-m", "bench.ws_baseline", "--loop", loop]
        env = os.environ | {"BENCH_PUBLISH_LOG": str(self.publish_log)}
        self.process = subprocess.Popen(  # noqa: S603
            cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True
        )
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if not line.strip().isdigit():
            sys.exit(f"the baseline server did not start: {line!r}")
        self.port = int(line)

    def stop(self) -> None:
        stop(self.process)


def stop(process: subprocess.Popen[Any]) -> None:
    process.terminate()
    try:
        process.wait(15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def measure(
    args: argparse.Namespace, target: str, server: OurServer | BaselineServer, n: int, **extra: Any
) -> dict:
    """One harness process: connect N clients, do the broadcasts, return its JSON."""
    server.publish_log.write_text("")  # the servers append (O_APPEND): this run's lines only
    cmd = [sys.executable, "-m", "bench.wsload", "--target", target, "--port", str(server.port)]
    cmd += ["--publish-log", str(server.publish_log)]
    cmd += ["--clients", str(n), "--rounds", str(args.rounds), "--warmup", str(args.warmup)]
    cmd += ["--timeout", str(args.timeout), "--gap", str(args.gap)]
    cmd += ["--concurrency", str(args.concurrency)]
    for key, value in extra.items():
        if key != "token":
            cmd += [f"--{key.replace('_', '-')}", str(value)]
    env = os.environ | {"BENCH_TOKEN": extra.get("token", "")}
    done = subprocess.run(  # noqa: S603
        cmd, cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    lines = done.stdout.strip().splitlines()
    if done.returncode != 0 or not lines:
        return {"target": target, "clients": n, "error": f"harness failed: {done.stderr[-800:]}"}
    result: dict[str, Any] = json.loads(lines[-1])
    if "error" in result and done.stderr:
        result["stderr"] = done.stderr[-800:]
    times = [t for t in result.get("published_to_last_s", []) if t is not None]
    result["median_s"] = percentile(times, 50)
    result["p99_s"] = percentile(times, 99)
    result["max_s"] = max(times) if times else float("nan")
    requested = [t for t in result.get("last_received_s", []) if t is not None]
    result["request_median_s"] = percentile(requested, 50)
    result["request_p99_s"] = percentile(requested, 99)
    firsts = [t for t in result.get("first_received_s", []) if t is not None]
    result["first_median_s"] = percentile(firsts, 50)
    return result


def cannot_run(n: int, nofile: int) -> str | None:
    if nofile < n + FD_MARGIN:
        return f"open-files limit {nofile} < {n + FD_MARGIN} needed (raise the hard limit)"
    if ephemeral_ports() < n + FD_MARGIN:
        return f"only {ephemeral_ports()} local ports (net.ipv4.ip_local_port_range)"
    return None


def compare(ours: dict[str, Any], base: dict[str, Any]) -> dict[str, Any]:
    ok = "error" not in ours and "error" not in base
    ratio_median = ours["median_s"] / base["median_s"] if ok else None
    ratio_p99 = ours["p99_s"] / base["p99_s"] if ok else None
    request_ratio = ours["request_median_s"] / base["request_median_s"] if ok else None
    complete = ok and all(r["lost_messages"] == 0 and r["probe_in_order"] for r in (ours, base))
    return {
        "ratio_median": ratio_median,
        "ratio_p99": ratio_p99,
        "request_ratio_median": request_ratio,
        "no_loss": complete,
        "meets_target": bool(
            complete
            and ratio_median is not None
            and ratio_p99 is not None
            and ratio_median <= TARGET_RATIO
            and ratio_p99 <= TARGET_RATIO
        ),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 5000, 10_000])
    parser.add_argument("--rounds", type=int, default=20, help="measured broadcasts per N")
    parser.add_argument("--warmup", type=int, default=2, help="unmeasured broadcasts first")
    parser.add_argument("--gap", type=float, default=0.2, help="seconds between broadcasts")
    parser.add_argument("--timeout", type=float, default=60.0, help="per broadcast / connect")
    parser.add_argument("--concurrency", type=int, default=100, help="handshakes at a time")
    parser.add_argument("--baseline-loop", choices=["uvloop", "asyncio"], default="uvloop")
    parser.add_argument("--settle", type=float, default=2.0, help="pause after each run, s")
    parser.add_argument("--out", type=Path, default=RESULTS / "broadcast.json")
    args = parser.parse_args()

    nofile = raise_nofile()  # before the servers start: they inherit it
    info = machine()
    workdir = Path(tempfile.mkdtemp(prefix="yingji-bench-"))
    ours_server = OurServer(workdir)
    base_server = BaselineServer(args.baseline_loop, workdir)
    runs: list[dict[str, Any]] = []
    try:
        for n in args.sizes:
            reason = cannot_run(n, nofile)
            if reason:
                print(f"N={n}: cannot run: {reason}", flush=True)
                runs.append({"clients": n, "skipped": reason})
                continue
            print(f"N={n}: our server …", flush=True)
            ours = measure(
                args,
                "ours",
                ours_server,
                n,
                token=ours_server.token,
                parent=ours_server.county_id,
            )
            time.sleep(args.settle + n / 5000)  # let the server drop the closed sockets
            print(f"N={n}: baseline …", flush=True)
            size = ours.get("frame_bytes") or 400
            base = measure(args, "baseline", base_server, n, frame_bytes=size)
            time.sleep(args.settle + n / 5000)
            runs.append({"clients": n, "ours": ours, "baseline": base, **compare(ours, base)})
    finally:
        ours_server.stop()
        base_server.stop()
    shutil.rmtree(workdir, ignore_errors=True)

    report(runs)
    write_results(
        args.out,
        {
            "benchmark": "broadcast",
            "metric": "publish -> last client received, seconds (median_s, p99_s); "
            "request -> last client received beside it (request_median_s, request_p99_s)",
            "target_ratio": TARGET_RATIO,
            "machine": info,
            "settings": {k: v for k, v in vars(args).items() if k != "out"},
            "runs": runs,
        },
    )


def report(runs: list[dict[str, Any]]) -> None:
    rows = []
    for run in runs:
        if "skipped" in run:
            rows.append([run["clients"], "skipped", *[None] * 9, run["skipped"]])
            continue
        for name in ("ours", "baseline"):
            r = run[name]
            if "error" in r:
                rows.append([run["clients"], name, *[None] * 9, r["error"][:60]])
                continue
            rows.append(
                [
                    run["clients"],
                    name,
                    r["first_median_s"] * 1000,
                    r["request_median_s"] * 1000,
                    r["median_s"] * 1000,
                    r["p99_s"] * 1000,
                    r["max_s"] * 1000,
                    r["lost_messages"],
                    r["dropped_connections"],
                    r["frame_bytes"],
                    r["connect_s"],
                    "",
                ]
            )
        if run["ratio_median"] is not None:
            verdict = "meets" if run["meets_target"] else "MISSES"
            note = f"ratio {run['ratio_median']:.2f} (p99 {run['ratio_p99']:.2f}): {verdict}"
            note += f" ≤ {TARGET_RATIO}; from the request {run['request_ratio_median']:.2f}"
            rows.append([run["clients"], "ours/base", *[None] * 9, note])
    print("first / request: request → first / last client; median, p99, max: publish → last")
    headers = ["N", "server", "first ms", "request ms", "median ms", "p99 ms", "max ms"]
    headers += ["lost", "dropped"]
    headers += ["frame B", "connect s", "note"]
    print()
    print(table(headers, rows))


if __name__ == "__main__":
    main()
