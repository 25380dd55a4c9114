"""应: a recipient answers (or a duty officer records a phone answer for them); what they
report afterwards is in ``feedback``. Repeats are harmless: a conditional update lets one
of several identical answers through."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from dispatch.warnings import calls, service
from dispatch.warnings import feedback as reports
from dispatch.warnings.models import (
    EscalationTask,
    Recipient,
    RecipientState,
    TaskState,
    Warning,
)
from dispatch.warnings.schemas import FeedbackCreate
from service.auth.permissions import Principal
from service.clock import service as clock
from service.db import utcnow
from service.errors import NotFound
from service.orgs import service as orgs
from service.realtime import outbox


@dataclass
class Answer:
    warning_id: int
    person_id: int
    state: RecipientState | None  # None: the person answered escalation tasks only
    acked_at: datetime | None
    late: bool
    on_behalf: bool
    tasks_acknowledged: int


async def ack(
    session: AsyncSession,
    actor: Principal,
    warning: Warning,
    person_id: int,
    feedback: str | None = None,
) -> Answer:
    recipient = (
        await session.exec(
            select(Recipient).where(
                Recipient.warning_id == warning.id, Recipient.person_id == person_id
            )
        )
    ).first()
    tasks = list(
        (
            await session.exec(
                select(EscalationTask).where(
                    EscalationTask.warning_id == warning.id,
                    EscalationTask.assignee_id == person_id,
                )
            )
        ).all()
    )
    if recipient is None and not tasks:
        raise NotFound("recipient")
    path = recipient.org_path if recipient else tasks[0].org_path
    on_behalf = service.may_answer_for(actor, person_id, path)
    now = utcnow()
    answer = Answer(warning.id or 0, person_id, None, None, False, on_behalf, 0)
    if recipient is not None:
        await _answer_recipient(session, actor, warning, recipient, now, on_behalf)
        await session.refresh(recipient)
        answer.state, answer.acked_at = recipient.state, recipient.acked_at
        answer.late, answer.on_behalf = recipient.state == RecipientState.late, recipient.on_behalf
        if feedback:
            data = FeedbackCreate(person_id=person_id, text=feedback, client_id=f"ack:{person_id}")
            await reports.add(session, actor, warning, data)
    for task in tasks:
        if task.state in (TaskState.pending, TaskState.escalated) and task.acked_at is None:
            done = await session.exec(
                sa.update(EscalationTask)
                .where(col(EscalationTask.id) == task.id, col(EscalationTask.acked_at).is_(None))
                .values(acked_at=now, state=TaskState.acknowledged)
            )
            if done.rowcount:
                answer.tasks_acknowledged += 1
                await clock.cancel(session, calls.ESCALATION, calls.task_ref(task.id))
                done_data = {**calls.summary(warning), "task_id": task.id, "assignee_id": person_id}
                await calls.event(
                    session, "warning.task_acked", done_data, task.org_id, task.org_path
                )
    return answer


async def _answer_recipient(
    session: AsyncSession,
    actor: Principal,
    warning: Warning,
    recipient: Recipient,
    now: datetime,
    on_behalf: bool,
) -> None:
    late = recipient.due_at is not None and now > recipient.due_at
    state = RecipientState.late if late else RecipientState.acknowledged
    done = await session.exec(
        sa.update(Recipient)
        .where(col(Recipient.id) == recipient.id, col(Recipient.acked_at).is_(None))
        .values(
            acked_at=now, acked_by=actor.user_id, on_behalf=on_behalf, state=state, updated_at=now
        )
    )
    if not done.rowcount:
        return  # answered before: the first answer stands
    await calls.stop_chains(session, [recipient])
    issuer = await orgs.get(session, warning.org_id)
    about = calls.acked_about(warning, on_behalf=on_behalf, acked_at=now)
    events = calls.acked_events(recipient, issuer, state=state, about=about)
    await outbox.append_many(session, events)
