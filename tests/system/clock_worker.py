"""A clock process for the crash tests: ``python -m tests.system.clock_worker DATABASE_URL``.

It runs the real clock with the test handler until it is killed.
"""

from __future__ import annotations

import asyncio
import sys

from service.clock.runner import Clock
from service.db import Database
from tests.service.clock.helpers import HANDLERS

LEASE_S = 2.0


async def main(url: str) -> None:
    db = Database(url)
    clock = Clock(db, tick_s=0.2, lease_s=LEASE_S, handlers=HANDLERS)
    clock.start()
    print("clock running", flush=True)
    await asyncio.Event().wait()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1]))
