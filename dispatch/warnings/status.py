"""What a warning's status page shows: its recipients (those the viewer may see), their
answers and escalation chains, rolled up per township for the dispatch screen."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from dispatch.warnings.models import EscalationTask, Recipient, RecipientState, Warning
from dispatch.warnings.schemas import (
    RecipientRead,
    RollUp,
    TaskRead,
    WarningRead,
    WarningStats,
    WarningStatusRead,
)
from dispatch.warnings.service import recipients_of
from service.auth.permissions import Principal
from service.orgs import service as orgs
from service.orgs.models import Org
from service.people.models import Person


def _roll(org_id: int | None, name: str | None, rows: list[Recipient]) -> RollUp:
    states = [r.state for r in rows]
    return RollUp(
        org_id=org_id,
        name=name,
        recipients=len(rows),
        answered=sum(s in (RecipientState.acknowledged, RecipientState.late) for s in states),
        late=states.count(RecipientState.late),
        pending=states.count(RecipientState.pending),
        escalated=states.count(RecipientState.escalated),
    )


async def recipient_filter(
    session: AsyncSession,
    warning: Warning,
    viewer: Principal | None,
    issuer: Org | None,
) -> Callable[[Recipient], bool]:
    """Which recipients (and their reports and photos) a viewer sees: all of them for the
    issuing org's readers; for anyone else, the people of their own orgs, themselves, and
    whoever their escalation tasks ask them to reach."""
    if viewer is None or issuer is None or viewer.scope("warning.read").covers(issuer.path):
        return lambda _r: True
    scope = viewer.scope("warning.read")
    reach: set[int] = set()
    if viewer.person_id is not None:
        reach = set(
            (
                await session.exec(
                    select(EscalationTask.recipient_id).where(
                        EscalationTask.warning_id == warning.id,
                        EscalationTask.assignee_id == viewer.person_id,
                    )
                )
            ).all()
        )
    person_id = viewer.person_id
    return lambda r: scope.covers(r.org_path) or r.person_id == person_id or r.id in reach


async def of(
    session: AsyncSession,
    warning: Warning,
    viewer: Principal | None = None,
    issuer: Org | None = None,
) -> WarningStatusRead:
    """The warning with its recipients and roll-ups: all of them for the issuing org's
    readers; for anyone else, the people of their own orgs, themselves, and whoever their
    escalation tasks ask them to reach."""
    sees = await recipient_filter(session, warning, viewer, issuer)
    rows = [r for r in await recipients_of(session, warning) if sees(r)]
    people = (
        {
            p.id: p
            for p in (
                await session.exec(
                    select(Person).where(col(Person.id).in_([r.person_id for r in rows]))
                )
            ).all()
        }
        if rows
        else {}
    )
    tasks: dict[int, list[TaskRead]] = defaultdict(list)
    for task in (
        await session.exec(
            select(EscalationTask)
            .where(EscalationTask.warning_id == warning.id)
            .order_by(col(EscalationTask.id))
        )
    ).all():
        tasks[task.recipient_id].append(TaskRead.model_validate(task))
    groups: dict[int | None, list[Recipient]] = defaultdict(list)
    for r in rows:
        groups[r.township_id].append(r)
    names = {}
    for org_id in groups:
        org = await orgs.get(session, org_id) if org_id else None
        names[org_id] = org.name if org else None
    recipients = []
    for r in rows:
        person = people.get(r.person_id)
        item = RecipientRead.model_validate(r)
        item.name = person.name if person else None
        item.phones = person.phones if person else []
        item.chain = tasks.get(r.id or 0, [])
        recipients.append(item)
    return WarningStatusRead(
        **WarningRead.model_validate(warning).model_dump(),
        totals=_roll(None, None, rows),
        by_township=[
            _roll(k, names[k], v) for k, v in sorted(groups.items(), key=lambda i: i[0] or 0)
        ],
        recipients=recipients,
    )


async def statistics(
    session: AsyncSession, actor: Principal, *, since: datetime | None, until: datetime | None
) -> WarningStats:
    """Real warnings (never exercise ones) issued in the range that the caller may read, by
    status and level, and how their recipients answered."""
    scope = actor.scope("warning.read")
    base = (
        select(Warning.id)
        .join(Org, col(Org.id) == col(Warning.org_id))
        .where(scope.clause(col(Org.path)), col(Warning.exercise).is_(False))
        .where(col(Warning.issued_at).is_not(None))
    )
    if since is not None:
        base = base.where(col(Warning.issued_at) >= since)
    if until is not None:
        base = base.where(col(Warning.issued_at) < until)
    ids = base.scalar_subquery()
    by = await session.exec(
        select(Warning.status, Warning.level, sa.func.count())
        .where(col(Warning.id).in_(ids))
        .group_by(col(Warning.status), col(Warning.level))
    )
    by_status: dict[str, int] = defaultdict(int)
    by_level: dict[str, int] = defaultdict(int)
    for status_, level, n in by.all():
        by_status[status_] += n
        by_level[level] += n
    states = await session.exec(
        select(Recipient.state, sa.func.count())
        .where(col(Recipient.warning_id).in_(ids))
        .group_by(col(Recipient.state))
    )
    answers = {str(s): int(n) for s, n in states.all()}
    return WarningStats(
        warnings=sum(by_status.values()),
        by_status=dict(by_status),
        by_level=dict(by_level),
        recipients=sum(answers.values()),
        answered=answers.get(RecipientState.acknowledged, 0) + answers.get(RecipientState.late, 0),
        late=answers.get(RecipientState.late, 0),
        escalated=answers.get(RecipientState.escalated, 0),
        pending=answers.get(RecipientState.pending, 0),
    )
