"""Several processes: a private Redis server, clock workers killed with SIGKILL."""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import redis

from tests.service.realtime.conftest import free_port

REDIS_SERVER = shutil.which("redis-server")


@dataclass
class RedisProcess:
    port: int
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        assert REDIS_SERVER
        self.process = subprocess.Popen(
            [
                REDIS_SERVER,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        client = redis.Redis(port=self.port)
        for _ in range(100):
            try:
                client.ping()
                return
            except redis.ConnectionError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait()
            self.process = None


@pytest.fixture
def private_redis() -> Iterator[RedisProcess]:
    """A Redis of this test's own, so it can be stopped and started at will."""
    if REDIS_SERVER is None:
        pytest.skip("redis-server is not installed (CI installs it; see .ci/run)")
    server = RedisProcess(free_port())
    server.start()
    yield server
    server.stop()
