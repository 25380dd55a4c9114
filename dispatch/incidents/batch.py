"""New incidents from the duty room (``POST /incidents``) in shared transactions.

Recording an incident writes a dozen rows; most of a create's cost is the transaction
around them (its begin and commit, the outbox's sequence, the audit and event inserts).
When several are recorded at once, one worker per process takes whatever has queued up
and writes it in one transaction. First every incident is checked (``creation.prepare``:
a refused one touches nothing and gets its own problem back), then the accepted ones are
written. Each caller is answered only after that transaction has committed, so a 201 is
durable. If the transaction fails as a whole, each incident is tried again alone, in its
own transaction: nothing is ever half-written, and one bad incident cannot sink the others.

The request that submits holds no write session (SQLite has one writer: the batch would
wait for it forever): its route authenticates in a read session.
"""

from __future__ import annotations

from dataclasses import dataclass

import structlog
from sqlmodel.ext.asyncio.session import AsyncSession

from dispatch.incidents import creation
from dispatch.incidents.schemas import IncidentCreate, IncidentRead
from service.auth.permissions import Principal
from service.batching import Batcher
from service.db import Database
from service.errors import ProblemError

log = structlog.get_logger("yingji.incidents")
MAX_BATCH = 100

Result = IncidentRead | BaseException


@dataclass(frozen=True, slots=True)
class CreateRequest:
    actor: Principal
    data: IncidentCreate


async def create_many(session: AsyncSession, requests: list[CreateRequest]) -> list[Result]:
    """Check every request, then write the accepted ones, in the caller's transaction."""
    results: list[Result | None] = []
    accepted = []
    for request in requests:
        try:
            incident, org = await creation.prepare(session, request.actor, request.data)
        except ProblemError as exc:
            results.append(exc)
            continue
        accepted.append((len(results), request.actor, incident, org))
        results.append(None)
    await creation.write_many(
        session, [(actor, incident, org) for _, actor, incident, org in accepted]
    )
    for i, _, incident, _ in accepted:
        results[i] = IncidentRead.model_validate(incident)
    return [r for r in results if r is not None]


class IncidentBatcher(Batcher[CreateRequest, IncidentRead]):
    """The process's new incidents, written in batches of up to ``MAX_BATCH``."""

    max_batch = MAX_BATCH

    async def create(self, actor: Principal, data: IncidentCreate) -> IncidentRead:
        return await self.submit(CreateRequest(actor, data))

    async def _store(self, db: Database, requests: list[CreateRequest]) -> list[Result]:
        try:
            async with db.session() as session:
                return await create_many(session, requests)
        except Exception as exc:  # the batch's transaction failed as a whole: one by one
            if len(requests) == 1:
                return [exc]  # its problem (4xx) or the database's (500), as before
            log.exception("incident batch failed; writing one by one", size=len(requests))
        results: list[Result] = []
        for request in requests:
            try:
                async with db.session() as session:
                    incident = await creation.create(session, request.actor, request.data)
                    read = IncidentRead.model_validate(incident)
                results.append(read)
            except Exception as exc:  # its problem (4xx) or the database's (500), as before
                results.append(exc)
        return results
