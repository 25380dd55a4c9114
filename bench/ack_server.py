"""``yingji`` with one more WebSocket op for the acks benchmark's peer: ``ack_memory``
answers like ``ack`` but only counts in memory (no database). Same process, same
protocol, same authentication; run as ``python -m bench.ack_server serve …``."""

from __future__ import annotations

from typing import Any

from service.auth.permissions import Principal
from service.cli import app
from service.realtime.ws import op

COUNTED: dict[int, int] = {}


@op("ack_memory")
async def ack_memory(state: Any, principal: Principal, message: dict[str, Any]) -> dict[str, Any]:
    person = int(message.get("person_id", 0))
    COUNTED[person] = COUNTED.get(person, 0) + 1
    return {"op": "acked", "person_id": person, "state": "counted"}


if __name__ == "__main__":
    app()
