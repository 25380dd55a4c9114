"""10,000 phones answer one warning at once over the WebSocket.

One process holds 10,000 raw WebSocket clients (``bench.wsload.Client``), each logged in as
its own responsible person. After the warning is issued to all of them, every client
sends its answer at once:

- **peer**: the op ``ack_memory`` of the same server (``bench.ack_server``), which only
  counts in memory;
- **ours**: the real ``ack`` op, through the answer batcher into the database; the reply
  comes after the commit, so a reply means a stored answer.

Reported: answers per second of each (first send → last reply; the peer after a warm-up
burst, its better of two runs), their ratio, how long after the last answer was sent
every answer was stored (checked in the database), and the CPU each burst took from the
server, the clients, the rest of the machine (PostgreSQL) and the host (stolen).
Targets (issue 8): stored within 1 s of the last answer sent; ratio ≥ 0.30 on SQLite and ≥
0.50 on PostgreSQL.

    python -m bench.acks [--clients 10000] [--database-url postgresql://…/db]
"""

from __future__ import annotations

import argparse
import asyncio
import atexit
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa

from bench.broadcast import run_checked, stop, wait_http, yingji
from bench.common import (
    cpu_snapshot,
    cpu_used,
    create_database,
    free_port,
    machine,
    raise_nofile,
    table,
    write_results,
)
from bench.wsload import Client, upgrade_request
from service.auth.security import create_access_token
from service.db import Database

SECRET = "bench-secret-" + "x" * 40
VILLAGES = 100
PING = json.dumps({"op": "ping"}).encode()


class Replies:
    """The harness ``Client`` reports to: counts reply frames and when the last came."""

    def __init__(self) -> None:
        self.count = 0
        self.target = 0
        self.last_at = 0.0
        self.done = asyncio.Event()
        self.close_codes: Counter[int] = Counter()
        self.probe: list[bytes] = []
        self.dropped = 0
        self.times: list[float] = []  # of this burst's replies

    def on_event(self, client: Client, now: float) -> None:
        self.count += 1
        self.last_at = now
        self.times.append(now)
        if self.count >= self.target:
            self.done.set()


async def populate(url: str, clients: int) -> tuple[int, int, list[tuple[int, int]]]:
    """A county, ``VILLAGES`` villages, one responsible person and login per client."""
    db = Database(url)
    now = datetime.now(UTC)
    async with db.session() as s:
        conn = await s.connection()

        async def insert(sql: str, **values: Any) -> int:
            return int((await conn.execute(sa.text(sql + " RETURNING id"), values)).scalar_one())

        county = await insert(
            "INSERT INTO org (name, kind, path, timezone, created_at, updated_at) "
            "VALUES ('基准县', 'county', '', 'Asia/Shanghai', :t, :t)",
            t=now,
        )
        path = sa.text("UPDATE org SET path = :path WHERE id = :id")
        await conn.execute(path, {"path": f"/{county}/", "id": county})
        villages = []
        for n in range(VILLAGES):
            v = await insert(
                "INSERT INTO org (name, kind, parent_id, path, timezone, created_at, updated_at) "
                "VALUES (:n, 'village', :p, '', 'Asia/Shanghai', :t, :t)",
                n=f"村{n}",
                p=county,
                t=now,
            )
            await conn.execute(path, {"path": f"/{county}/{v}/", "id": v})
            villages.append(v)
        admin = await insert(
            "INSERT INTO auth_user (username, password_hash, is_active, created_at, updated_at) "
            "VALUES ('bench-admin', 'x', true, :t, :t)",
            t=now,
        )
        await conn.execute(
            sa.text("INSERT INTO auth_role_grant (user_id, role) VALUES (:u, 'admin')"),
            {"u": admin},
        )
        people = []
        for i in range(clients):
            org = villages[i % VILLAGES]
            person = await insert(
                "INSERT INTO person (name, org_id, phones, tags, created_at, updated_at) "
                """VALUES (:n, :o, '[]', '["基层责任人"]', :t, :t)""",
                n=f"责任人{i}",
                o=org,
                t=now,
            )
            user = await insert(
                "INSERT INTO auth_user (username, password_hash, person_id, org_id, is_active, "
                "created_at, updated_at) VALUES (:n, 'x', :p, :o, true, :t, :t)",
                n=f"p{i}",
                p=person,
                o=org,
                t=now,
            )
            await conn.execute(
                sa.text(
                    "INSERT INTO auth_role_grant (user_id, role, org_id) "
                    "VALUES (:u, 'team_leader', :o)"
                ),
                {"u": user, "o": org},
            )
            people.append((person, user))
    await db.dispose()
    return county, admin, people


async def stored(url: str, warning_id: int) -> int:
    db = Database(url)
    async with db.session(write=False) as s:
        count = await s.scalar(
            sa.text(
                "SELECT count(*) FROM warning_recipient "
                "WHERE warning_id = :w AND acked_at IS NOT NULL"
            ),
            {"w": warning_id},
        )
    await db.dispose()
    return int(count or 0)


async def settle(base: str) -> None:
    """Wait until the server answers promptly again (issuing leaves work behind it)."""
    async with httpx.AsyncClient(base_url=base) as http:
        quick = 0
        while quick < 3:
            t0 = time.perf_counter()
            await http.get("/healthz")
            quick = quick + 1 if time.perf_counter() - t0 < 0.02 else 0
            await asyncio.sleep(0.2)


async def burst(
    clients: list[Client], frames: list[bytes], replies: Replies, within: float, server: int
) -> dict[str, Any]:
    replies.count, replies.target, replies.times = 0, len(clients), []
    replies.done.clear()
    cpu = cpu_snapshot(server)
    first = time.perf_counter()
    for client, frame in zip(clients, frames, strict=True):
        client.send(frame)
    last_sent = time.perf_counter()
    try:
        await asyncio.wait_for(replies.done.wait(), within)
    except TimeoutError:
        pass
    took = replies.last_at - first if replies.count else float("nan")
    return {
        "answers": replies.count,
        "seconds": round(took, 3),
        "per_second": round(replies.count / took, 1) if replies.count else 0.0,
        "last_reply_after_last_send_s": round(replies.last_at - last_sent, 3),
        # when a tenth, half and nine tenths of the replies had come, from the first send
        "replies_by_s": {
            f"{q}%": round(replies.times[len(replies.times) * q // 100 - 1] - first, 3)
            for q in (10, 50, 90)
            if len(replies.times) * q // 100
        },
        "cpu_s": cpu_used(cpu, cpu_snapshot(server)),
        "_last_sent": last_sent,
    }


async def run(args: argparse.Namespace, url: str, env: dict[str, str]) -> dict[str, Any]:
    county, admin, people = await populate(url, args.clients)
    port = free_port()
    log = (Path(env["YINGJI_DATA_DIR"]) / "server.log").open("w")
    serve = [
        sys.executable,
        "-m",
        "bench.ack_server",
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--no-clock",
    ]
    server = subprocess.Popen(serve, env=env, stdout=log, stderr=subprocess.STDOUT)  # noqa: S603, ASYNC220
    try:
        base = f"http://127.0.0.1:{port}"
        wait_http(f"{base}/healthz", server)
        token = create_access_token(admin, SECRET, 600)[0]
        replies = Replies()
        loop = asyncio.get_running_loop()
        slots = asyncio.Semaphore(200)
        t0 = time.perf_counter()

        async def open_one(user_id: int) -> Client:
            async with slots:
                path = f"/ws?token={create_access_token(user_id, SECRET, 600)[0]}"
                client = Client(replies, upgrade_request(port, path), subscribe=False, probe=True)  # type: ignore[arg-type]
                await loop.create_connection(lambda: client, "127.0.0.1", port)
                await asyncio.wait_for(asyncio.shield(client.ready), 60)
                return client

        clients = await asyncio.gather(*(open_one(u) for _, u in people))
        upgraded_s = time.perf_counter() - t0
        # The server accepts the upgrade first and reads the login after it, a few at a time:
        # a pong means logged in. Issuing starts only then, so it is not timed with logins.
        pongs = await burst(clients, [PING] * len(clients), replies, args.timeout, server.pid)
        if pongs["answers"] != len(clients):
            raise SystemExit(f"only {pongs['answers']} of {len(clients)} clients logged in")
        replies.probe.clear()
        connect_s = time.perf_counter() - t0
        async with httpx.AsyncClient(base_url=base, timeout=600) as http:
            t0 = time.perf_counter()
            r = await http.post(
                "/api/v1/warnings",
                headers={"Authorization": f"Bearer {token}"},
                json={
                    "org_id": county,
                    "hazard": "rainstorm",
                    "level": "red",
                    "title": "基准测试暴雨红色预警",
                    "content": "bench",
                    "rules": [{"rule": "responsible_persons", "org_ids": [county]}],
                    "expires_at": (datetime.now(UTC) + timedelta(hours=2)).isoformat(),
                },
            )
            r.raise_for_status()
            issue_s = time.perf_counter() - t0
        warning_id = r.json()["id"]
        await settle(base)
        memory = [json.dumps({"op": "ack_memory", "person_id": p}).encode() for p, _ in people]
        real = [
            json.dumps({"op": "ack", "warning_id": warning_id, "person_id": p}).encode()
            for p, _ in people
        ]
        # warm-up: first frames cost more
        await burst(clients, memory, replies, args.timeout, server.pid)
        peer = await burst(clients, memory, replies, args.timeout, server.pid)
        replies.probe.clear()
        ours = await burst(clients, real, replies, args.timeout, server.pid)
        errors = sum(1 for p in replies.probe if b'"acked"' not in p)
        in_db = await stored(url, warning_id)
        stored_after = time.perf_counter() - ours.pop("_last_sent")
        again = await burst(clients, memory, replies, args.timeout, server.pid)
        if again["per_second"] > peer["per_second"]:
            peer = again  # the peer's better run: the ratio errs against us
        peer.pop("_last_sent")
        for c in clients:
            c.abort()
    finally:
        stop(server)
        log.close()
    ratio = ours["per_second"] / peer["per_second"] if peer["per_second"] else 0.0
    return {
        "clients": len(clients),
        "dropped_connections": replies.dropped,  # lost after subscribing, by close code:
        "close_codes": {str(code): n for code, n in replies.close_codes.items()},
        "upgraded_s": round(upgraded_s, 1),  # every upgrade answered
        "connect_s": round(connect_s, 1),  # every client logged in (answered a ping)
        "issue_s": round(issue_s, 1),
        "peer_memory": peer,
        "ours": {
            **ours,
            "stored": in_db,
            "error_replies": errors,
            "all_stored_checked_after_s": round(stored_after, 3),
        },
        "ratio": round(ratio, 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--clients", type=int, default=10_000)
    parser.add_argument("--timeout", type=float, default=120.0)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--out", default=None)
    args = parser.parse_args()
    raise_nofile()
    work = Path(tempfile.mkdtemp(prefix="yingji-bench-acks-"))
    url, drop = create_database(args.database_url)  # never the server's own database
    atexit.register(drop)
    env = os.environ | {
        "YINGJI_DATA_DIR": str(work),
        "YINGJI_DATABASE_URL": url,
        "YINGJI_SECRET_KEY": SECRET,
        "YINGJI_LOG_LEVEL": "WARNING",
    }
    run_checked([yingji(), "db", "upgrade"], env)
    result = asyncio.run(run(args, url, env))
    database = url.split(":")[0]
    target = 0.5 if database.startswith("postgres") else 0.3
    result |= {
        "database": database,
        "targets": {"ratio_min": target, "stored_within_s": 1.0},
        "met": {
            "ratio": result["ratio"] >= target and not result["dropped_connections"],
            "stored": result["ours"]["stored"] == result["clients"]
            and result["ours"]["last_reply_after_last_send_s"] <= 1.0,
        },
        "machine": machine(),
    }
    write_results(Path(args.out or f"bench/results/acks-{database}.json"), result)
    print(
        table(
            ["", "answers", "s", "per s"],
            [
                [
                    "memory (peer)",
                    result["peer_memory"]["answers"],
                    result["peer_memory"]["seconds"],
                    result["peer_memory"]["per_second"],
                ],
                [
                    "ours (stored)",
                    result["ours"]["answers"],
                    result["ours"]["seconds"],
                    result["ours"]["per_second"],
                ],
            ],
        )
    )
    print(
        f"ratio {result['ratio']:.2f} (target ≥ {target}); stored {result['ours']['stored']}/"
        f"{result['clients']}, last reply {result['ours']['last_reply_after_last_send_s']} s "
        "after the last answer was sent (target ≤ 1 s); "
        f"connections dropped {result['dropped_connections']} {result['close_codes']}"
    )


if __name__ == "__main__":
    main()
