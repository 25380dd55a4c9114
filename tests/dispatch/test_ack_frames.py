"""The WebSocket ``ack`` frame: the plain frame, taken without building ``AckFrame``, means
exactly what ``AckFrame`` makes of it; anything else goes through ``AckFrame``."""

from __future__ import annotations

from typing import Any

import pytest

from dispatch.warnings.router import _plain_ack
from dispatch.warnings.schemas import AckFrame
from service.auth.permissions import SYSTEM
from service.schemas import MAX_ID

PLAIN = [
    {"op": "ack", "warning_id": 1, "person_id": 2},
    {"op": "ack", "warning_id": 7, "person_id": 9, "ref": "a1"},
    {"op": "ack", "warning_id": MAX_ID, "person_id": 1, "ref": None},
]
OTHERS = [
    {"op": "ack", "warning_id": 1, "person_id": 2, "feedback": "收到"},
    {"op": "ack", "warning_id": "1", "person_id": 2},  # AckFrame's lax parsing decides
    {"op": "ack", "warning_id": 1.0, "person_id": 2},
    {"op": "ack", "warning_id": True, "person_id": 2},
    {"op": "ack", "warning_id": 1, "person_id": 0},
    {"op": "ack", "warning_id": 1, "person_id": -1},
    {"op": "ack", "warning_id": MAX_ID + 1, "person_id": 2},
    {"op": "ack", "warning_id": 1, "person_id": 2, "extra": 1},  # AckFrame forbids it
    {"op": "ack", "warning_id": 1},
    {"op": "ack", "warning_id": None, "person_id": 2},
]


@pytest.mark.parametrize("frame", PLAIN)
def test_a_plain_frame_is_taken_as_ackframe_takes_it(frame: dict[str, Any]) -> None:
    request = _plain_ack(SYSTEM, frame)
    data = AckFrame.model_validate({k: v for k, v in frame.items() if k not in ("op", "ref")})
    assert request is not None and request.actor is SYSTEM
    assert (request.warning_id, request.person_id, request.feedback) == (
        data.warning_id,
        data.person_id,
        data.feedback,
    )


@pytest.mark.parametrize("frame", OTHERS)
def test_anything_else_goes_through_ackframe(frame: dict[str, Any]) -> None:
    assert _plain_ack(SYSTEM, frame) is None
