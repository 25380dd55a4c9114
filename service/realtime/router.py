"""``/api/v1/events``: the outbox, for clients that catch up over HTTP."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel

from service.deps import CurrentUser, SessionDep
from service.realtime import outbox
from service.schemas import MAX_SEQ

router = APIRouter(prefix="/events", tags=["events"])


class EventsPage(BaseModel):
    data: list[dict[str, Any]]
    count: int
    last_seq: int


@router.get("", response_model=EventsPage)
async def list_events(
    session: SessionDep,
    user: CurrentUser,
    since: Annotated[int, Query(ge=0, le=MAX_SEQ, description="return events after this seq")] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    topic: Annotated[list[str] | None, Query(max_length=20)] = None,
) -> EventsPage:
    """Events after ``since`` that the caller may see, oldest first.

    Page on with ``since=last_seq``; ``last_seq`` equals ``since`` when nothing is new.
    """
    events = await outbox.since(session, user, after=since, limit=limit, topics=topic)
    data = [outbox.render(e) for e in events]
    return EventsPage(data=data, count=len(data), last_seq=data[-1]["seq"] if data else since)
