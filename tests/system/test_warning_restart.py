"""Call-and-respond across a ``kill -9``: 30 recipients in three townships answer (20) or
not (10) over real WebSockets to a real ``yingji serve``; the server is killed mid-way and
started again. No answer is lost, the silent ones are called again and escalated to their
township's leader on duty, then to the county's, each step once; the roll-up matches."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import sqlalchemy as sa
from websockets.asyncio.client import connect

from rosters import rules, setup
from rosters.schemas import RotationCreate, ScheduleWrite
from service.auth.permissions import SYSTEM, Role
from service.auth.security import create_access_token
from service.db import Database
from service.realtime.models import OutboxEvent
from tests.factories import SECRET, make_org, make_person, make_user
from tests.rosters.conftest import today

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start(url: str, port: int, workdir: Path) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "YINGJI_DATABASE_URL": url,
        "YINGJI_SECRET_KEY": SECRET,
        "YINGJI_DATA_DIR": str(workdir),
        "YINGJI_CLOCK_TICK_S": "0.2",
        "YINGJI_CLOCK_LEASE_S": "3",
        "PYTHONPATH": str(ROOT),
    }
    env.pop("YINGJI_REDIS_URL", None)
    return subprocess.Popen(
        [str(BIN / "yingji"), "serve", "--host", "127.0.0.1", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


async def up(base: str, within: float = 60) -> None:
    async with asyncio.timeout(within), httpx.AsyncClient() as http:
        while True:
            try:
                if (await http.get(f"{base}/readyz")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.2)


async def events(db: Database, type_: str) -> list[dict]:
    async with db.session(write=False) as s:
        rows = await s.exec(sa.select(OutboxEvent.data).where(OutboxEvent.type == type_))  # type: ignore[call-overload]
        return [r[0] for r in rows]


async def test_a_kill_9_mid_warning_loses_no_answer_and_doubles_no_escalation(
    db: Database, database_url: str, tmp_path: Path
) -> None:
    start_date = today() - timedelta(days=2)
    async with db.session() as s:
        county = await make_org(s, "县", "county")
        duty_user = await make_user(s, "room", [Role.duty_officer], county)
        leaders = {}
        villages = []
        recipients = []
        for n in range(3):
            town = await make_org(s, f"镇{n}", parent=county)
            villages.append(await make_org(s, f"村{n}", "village", parent=town))
            for org in (town,) if n else (town, county):
                leader = await make_person(s, org, f"{org.name}领导")
                officer = await make_person(s, org, f"{org.name}值班员")
                schedule = await setup.set_schedule(
                    s, SYSTEM, org, ScheduleWrite(changeovers=["08:30"])
                )
                posts = {p.key: p.id or 0 for p in schedule.posts}
                for key, person in (("leader", leader), ("officer", officer)):
                    await rules.create_rotation(
                        s,
                        SYSTEM,
                        RotationCreate(
                            org_id=org.id or 0,
                            post_id=posts[key],
                            name=key,
                            people=[person.id or 0],
                            start_date=start_date,
                        ),
                    )
                leaders[org.id] = leader.id
            for k in range(10):
                person = await make_person(s, villages[-1], f"村{n}责任人{k}", tags=["基层责任人"])
                user = await make_user(s, f"p{person.id}", [Role.team_leader], villages[-1], person)
                recipients.append((person.id, user.id, town.id))
    port = free_port()
    base, ws_base = f"http://127.0.0.1:{port}", f"ws://127.0.0.1:{port}"
    server = start(database_url, port, tmp_path)
    try:
        await up(base)
        room = {"Authorization": f"Bearer {create_access_token(duty_user.id or 0, SECRET, 60)[0]}"}
        body = {
            "org_id": county.id,
            "hazard": "mountain_torrent",
            "level": "red",
            "title": "山洪红色预警",
            "content": "立即转移",
            "rules": [{"rule": "responsible_persons", "org_ids": [v.id for v in villages]}],
            "expires_at": (datetime.now(UTC) + timedelta(hours=1)).isoformat(),
            "respond_within_s": 4,
            "recall_count": 1,
            "recall_interval_s": 2,
        }
        async with httpx.AsyncClient(base_url=base) as http:
            r = await http.post("/api/v1/warnings", json=body, headers=room)
            assert r.status_code == 201, r.text
        warning_id = r.json()["id"]
        answering = [r for i, r in enumerate(recipients) if i % 3 != 2]  # 20 answer
        silent = [r for i, r in enumerate(recipients) if i % 3 == 2]  # 10 do not

        async def answer(person_id: int, user_id: int) -> dict:
            token = create_access_token(user_id, SECRET, 60)[0]
            async with connect(f"{ws_base}/ws?token={token}") as ws:
                await ws.send(
                    json.dumps({"op": "ack", "warning_id": warning_id, "person_id": person_id})
                )
                async with asyncio.timeout(15):
                    while (frame := json.loads(await ws.recv())).get("op") != "acked":
                        pass
                return frame

        replies = await asyncio.gather(*(answer(p, u) for p, u, _ in answering))
        assert {r["state"] for r in replies} == {"acknowledged"}
    finally:
        server.send_signal(signal.SIGKILL)  # mid-way: calls and escalations still ahead
        server.wait()
    server = start(database_url, port, tmp_path)
    try:
        await up(base)
        async with asyncio.timeout(60):
            while len(await events(db, "warning.escalation_exhausted")) < 10:  # noqa: ASYNC110
                await asyncio.sleep(0.3)
        await asyncio.sleep(1)  # anything doubled would show up now
        async with httpx.AsyncClient(base_url=base) as http:
            status = (await http.get(f"/api/v1/warnings/{warning_id}", headers=room)).json()
    finally:
        server.send_signal(signal.SIGKILL)
        server.wait()
    assert len(await events(db, "warning.acked")) == 20
    calls = Counter(e["person_id"] for e in await events(db, "warning.called"))
    assert {calls[p] for p, _, _ in answering} == {1} and {calls[p] for p, _, _ in silent} == {2}
    steps = Counter(
        (e["person_id"], e["step"], e["assignee_id"]) for e in await events(db, "warning.escalated")
    )
    assert set(steps.values()) == {1} and len(steps) == 20
    county_leader = leaders[county.id]
    for person_id, _, town_id in silent:
        assert steps[(person_id, 1, leaders[town_id])] == 1
        assert steps[(person_id, 2, county_leader)] == 1
    totals = status["totals"]
    assert (totals["recipients"], totals["answered"], totals["escalated"], totals["pending"]) == (
        30,
        20,
        10,
        0,
    )
    assert sorted(
        (t["recipients"], t["answered"], t["escalated"]) for t in status["by_township"]
    ) == [(10, 6, 4), (10, 7, 3), (10, 7, 3)]
