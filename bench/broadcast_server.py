"""``yingji`` that notes when it publishes each event, for the broadcast benchmark.

The publish of an event is the moment the hub receives it from its commit
(``Hub.committed``, the after-commit listener). That instant is read from
``time.perf_counter()``, which on Linux is ``CLOCK_MONOTONIC``, one clock for every
process on the machine, so the harness can subtract it from its own "last client
received". Each commit appends ``"<seq> <seconds>"`` lines to the file named by
``BENCH_PUBLISH_LOG``, after the hub has the events. Run as
``python -m bench.broadcast_server serve …``; everything else is ``yingji``'s own.
"""

from __future__ import annotations

import os
import time
from typing import Any

from service.cli import app
from service.realtime.hub import Hub

_committed = Hub.committed
_log = open(os.environ["BENCH_PUBLISH_LOG"], "a", buffering=1)  # open for the process


async def committed(self: Hub, events: list[Any]) -> None:
    published = time.perf_counter()
    await _committed(self, events)
    _log.writelines(f"{event.seq} {published}\n" for event in events)


Hub.committed = committed  # type: ignore[method-assign]

if __name__ == "__main__":
    app()
