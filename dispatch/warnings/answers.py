"""应: a recipient answers (or a duty officer records a phone answer for them), then reports
what was done (跟踪反馈). Repeats are harmless: a conditional update lets one of several
identical answers through, and feedback carries the client's id."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from dispatch.warnings import calls
from dispatch.warnings.models import (
    EscalationTask,
    Feedback,
    Recipient,
    RecipientState,
    TaskState,
    Warning,
)
from dispatch.warnings.schemas import FeedbackCreate, FeedbackRead
from service.auth.permissions import Principal
from service.clock import service as clock
from service.db import utcnow
from service.errors import Conflict, Forbidden, NotFound
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


def _may_answer_for(actor: Principal, person_id: int, org_path: str) -> bool:
    """True: on behalf (a duty officer over the person's org); False: the person themself."""
    if actor.person_id == person_id:
        return False
    if actor.can("warning.write", org_path):
        return True
    raise Forbidden("ack_not_yours")


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
    on_behalf = _may_answer_for(actor, person_id, path)
    now = utcnow()
    answer = Answer(warning.id or 0, person_id, None, None, False, on_behalf, 0)
    if recipient is not None:
        await _answer_recipient(session, actor, warning, recipient, now, on_behalf)
        await session.refresh(recipient)
        answer.state, answer.acked_at = recipient.state, recipient.acked_at
        answer.late, answer.on_behalf = recipient.state == RecipientState.late, recipient.on_behalf
        if feedback:
            data = FeedbackCreate(person_id=person_id, text=feedback, client_id=f"ack:{person_id}")
            await add_feedback(session, actor, warning, data)
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
    events = calls.acked_events(
        warning, recipient, issuer, state=state, on_behalf=on_behalf, acked_at=now
    )
    await outbox.append_many(session, events)


async def add_feedback(
    session: AsyncSession, actor: Principal, warning: Warning, data: FeedbackCreate
) -> Feedback:
    recipient = (
        await session.exec(
            select(Recipient).where(
                Recipient.warning_id == warning.id, Recipient.person_id == data.person_id
            )
        )
    ).first()
    if recipient is None:
        raise NotFound("recipient")
    _may_answer_for(actor, data.person_id, recipient.org_path)
    if recipient.acked_at is None:
        raise Conflict("feedback_before_ack")
    if data.client_id:
        seen = (
            await session.exec(
                select(Feedback).where(
                    Feedback.recipient_id == recipient.id, Feedback.client_id == data.client_id
                )
            )
        ).first()
        if seen is not None:
            return seen
    row = Feedback(
        warning_id=warning.id or 0,
        recipient_id=recipient.id or 0,
        created_by=actor.user_id,
        **data.model_dump(),
    )
    session.add(row)
    await session.flush()
    event = {**calls.summary(warning), **FeedbackRead.model_validate(row).model_dump(mode="json")}
    await calls.event(session, "warning.feedback", event, recipient.org_id, recipient.org_path)
    return row


async def feedback_of(session: AsyncSession, warning: Warning) -> list[Feedback]:
    rows = await session.exec(
        select(Feedback).where(Feedback.warning_id == warning.id).order_by(col(Feedback.id))
    )
    return list(rows.all())
