"""``yingji`` with one more WebSocket op for the acks benchmark's peer: ``ack_memory``
answers like ``ack`` but only counts in memory (no database). Same process, same
protocol, same authentication, the same way of replying (a ``Later`` whose future is
done at once instead of after the commit); run as ``python -m bench.ack_server serve …``."""

from __future__ import annotations

import asyncio
from typing import Any

from service.auth.permissions import Principal
from service.cli import app
from service.realtime.ws import Later, op

COUNTED: dict[int, int] = {}


@op("ack_memory")
def ack_memory(state: Any, principal: Principal, message: dict[str, Any]) -> Later:
    person = int(message.get("person_id", 0))
    COUNTED[person] = COUNTED.get(person, 0) + 1
    counted: asyncio.Future[int] = asyncio.get_running_loop().create_future()
    counted.set_result(person)
    return Later(counted, _counted)


def _counted(person: int) -> dict[str, Any]:
    return {"op": "acked", "person_id": person, "state": "counted"}


if __name__ == "__main__":
    app()
