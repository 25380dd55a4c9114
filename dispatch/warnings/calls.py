"""Calling recipients, calling again, and escalating whoever does not answer.

Each step is a clock timer (``warning.deadline`` per recipient, ``warning.escalation`` per
task), so a restart loses nothing and a step fires once. An answer stops that recipient's
chain only.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from dispatch.warnings.models import (
    EscalationTask,
    Recipient,
    RecipientState,
    TaskState,
    Warning,
    WarningStatus,
)
from rosters import shifts
from service.auth.permissions import SYSTEM
from service.clock import service as clock
from service.clock.models import Timer
from service.clock.runner import batch_handler, handler
from service.db import one_of, utcnow
from service.i18n import t
from service.notify import service as notify
from service.orgs import service as orgs
from service.orgs.models import Org
from service.people.models import Person
from service.realtime import outbox

TOPIC = "warnings"
DEADLINE = "warning.deadline"
ESCALATION = "warning.escalation"


def recipient_ref(recipient_id: int | None) -> str:
    return f"recipient:{recipient_id}"


def task_ref(task_id: int | None) -> str:
    return f"task:{task_id}"


async def event(
    session: AsyncSession,
    type_: str,
    data: dict[str, Any],
    org_id: int | None,
    org_path: str | None,
) -> None:
    await outbox.append(
        session, topic=TOPIC, type=type_, data=data, org_id=org_id, org_path=org_path
    )


def summary(warning: Warning) -> dict[str, Any]:
    return {
        "warning_id": warning.id,
        "level": warning.level,
        "hazard": warning.hazard,
        "title": warning.title,
        "status": warning.status,
        "version": warning.version,
        "exercise": warning.exercise,
    }


def acked_about(warning: Warning, *, on_behalf: bool, acked_at: datetime) -> dict[str, Any]:
    """What the ``warning.acked`` events of answers given at one time share (a batch of
    thousands builds it once)."""
    return {**summary(warning), "on_behalf": on_behalf, "acked_at": acked_at.isoformat()}


def acked_events(
    recipient: Any, issuer: Org | None, *, state: str, about: dict[str, Any]
) -> list[dict[str, Any]]:
    """The ``warning.acked`` events of an answer (``outbox.append_many`` form): on the
    recipient's org, and on the issuing org too when the recipient lies outside it.
    ``about`` is the answer's ``acked_about``."""
    data = {
        **about,
        "recipient_id": recipient.id,
        "person_id": recipient.person_id,
        "state": state,
        "late": state == RecipientState.late,
        "township_id": recipient.township_id,
    }
    out = [
        {
            "topic": TOPIC,
            "type": "warning.acked",
            "data": data,
            "org_id": recipient.org_id,
            "org_path": recipient.org_path,
        }
    ]
    if issuer is not None and not recipient.org_path.startswith(issuer.path):
        out.append({**out[0], "org_id": issuer.id, "org_path": issuer.path})
    return out


async def call_many(
    session: AsyncSession, warning: Warning, recipients: list[Recipient], now: datetime
) -> None:
    """Call (or call again) recipients of ``warning``: their phone pages over the realtime
    channel, and their outbound channels; the deadline of each call is a timer. However
    many (issuing to thousands, a minute's deadlines), the recipients, timers and events
    are one batched statement each, and their channels one read."""
    if not recipients:
        return
    waits: list[int] = []
    deadlines: list[datetime] = []
    for r in recipients:
        first = r.calls == 0
        waits.append(warning.respond_within_s if first else warning.recall_interval_s)
        deadlines.append(now + timedelta(seconds=waits[-1]))
        r.calls += 1
        r.called_at, r.deadline_at, r.updated_at = now, deadlines[-1], now
        if first:
            r.due_at = r.deadline_at
        session.add(r)
    await session.flush()
    await clock.schedule_many(
        session,
        DEADLINE,
        [(recipient_ref(r.id), d) for r, d in zip(recipients, deadlines, strict=True)],
    )
    about = summary(warning)
    await outbox.append_many(
        session,
        [
            {
                "topic": TOPIC,
                "type": "warning.called",
                "data": {
                    **about,
                    "recipient_id": r.id,
                    "person_id": r.person_id,
                    "call": r.calls,
                    "deadline_at": d.isoformat(),
                },
                "org_id": r.org_id,
                "org_path": r.org_path,
            }
            for r, d in zip(recipients, deadlines, strict=True)
        ],
    )
    reachable = await notify.people_with_channels(session, [r.person_id for r in recipients])
    title = t("warning_call_title", level=t(f"level_{warning.level}"), title=warning.title)
    for r, wait in zip(recipients, waits, strict=True):
        org = await orgs.get(session, r.org_id) if r.person_id in reachable else None
        if org is None:
            continue
        await notify.notify_people(
            session,
            SYSTEM,
            [r.person_id],
            title=title,
            text=t("warning_call_text", content=warning.content, minutes=wait // 60 or 1),
            ref=f"warning:{warning.id}:recipient:{r.id}:call:{r.calls}",
            org=org,
        )


@batch_handler(DEADLINE)
async def deadlines_passed(session: AsyncSession, timers: list[Timer]) -> None:
    """Recipients who did not answer in time: called again while calls remain, then
    escalated. A minute's deadlines fall due together: they are read, called and written
    together."""
    dialect = (await session.connection()).dialect.name
    ids = [int(timer.ref.split(":")[1]) for timer in timers]
    unanswered = (
        select(Recipient)
        .where(one_of(col(Recipient.id), ids, dialect), col(Recipient.acked_at).is_(None))
        .order_by(col(Recipient.id))
    )
    if dialect == "postgresql":
        # an answer being stored now holds its recipient: wait for it, and skip whoever it
        # answered (the answer leaves these timers, which this batch holds, to it)
        unanswered = unanswered.with_for_update()
    recipients = (await session.exec(unanswered)).all()
    of_warnings = select(Warning).where(
        col(Warning.id).in_(sorted({r.warning_id for r in recipients}))
    )
    if dialect == "postgresql":  # a lift or cancel being stored now: wait for it, then skip
        of_warnings = of_warnings.with_for_update(read=True)
    warnings = {
        w.id: w for w in await session.exec(of_warnings) if w.status == WarningStatus.issued
    }
    now = utcnow()
    again: dict[int, list[Recipient]] = {}
    for recipient in recipients:
        warning = warnings.get(recipient.warning_id)
        if warning is None:
            continue
        if recipient.calls <= warning.recall_count:
            again.setdefault(recipient.warning_id, []).append(recipient)
            continue
        org = await orgs.get(session, recipient.org_id)
        person = await session.get(Person, recipient.person_id)
        if org is None or person is None:
            continue
        superior = await session.get(Person, person.superior_id) if person.superior_id else None
        await escalate(session, warning, recipient, person, below=org, step=1, superior=superior)
    for warning_id, called in again.items():
        await call_many(session, warnings[warning_id], called, now)


async def _leader_above(
    session: AsyncSession, below: Org, now: datetime, skip: set[int]
) -> tuple[Person, Org] | None:
    """The leader on duty of the nearest org above ``below`` that has one (not in ``skip``)."""
    current = await orgs.get(session, below.parent_id) if below.parent_id else None
    while current is not None:
        duty = await shifts.now(session, current, now)
        if duty.leader is not None and duty.leader.id not in skip:
            leader = await session.get(Person, duty.leader.id)
            if leader is not None:
                return leader, current
        current = await orgs.get(session, current.parent_id) if current.parent_id else None
    return None


async def escalate(
    session: AsyncSession,
    warning: Warning,
    recipient: Recipient,
    person: Person,
    *,
    below: Org,
    step: int,
    superior: Person | None = None,
) -> EscalationTask | None:
    """Give the next one up a task "reach X"; None when the top of the tree is reached."""
    now = utcnow()
    target: tuple[Person, Org, str] | None = None
    if superior is not None:
        superior_org = await orgs.get(session, superior.org_id)
        if superior_org is not None:
            target = (superior, superior_org, "superior")
    if target is None:
        found = await _leader_above(session, below, now, {person.id or 0})
        if found is not None:
            target = (found[0], found[1], "duty")
    recipient.state = RecipientState.escalated
    recipient.escalated_at = recipient.escalated_at or now
    recipient.updated_at = now
    session.add(recipient)
    if target is None:
        data = {**summary(warning), "recipient_id": recipient.id, "person_id": person.id}
        await event(
            session, "warning.escalation_exhausted", data, recipient.org_id, recipient.org_path
        )
        return None
    assignee, org, via = target
    task = EscalationTask(
        warning_id=warning.id or 0,
        recipient_id=recipient.id or 0,
        assignee_id=assignee.id or 0,
        org_id=org.id or 0,
        org_path=org.path,
        step=step,
        via=via,
        deadline_at=now + timedelta(seconds=warning.respond_within_s),
    )
    session.add(task)
    await session.flush()
    await clock.schedule(session, ESCALATION, task_ref(task.id), task.deadline_at)
    data = {
        **summary(warning),
        "recipient_id": recipient.id,
        "person_id": person.id,
        "person_name": person.name,
        "phones": person.phones,
        "task_id": task.id,
        "assignee_id": assignee.id,
        "org_id": org.id,
        "step": step,
        "via": via,
        "deadline_at": task.deadline_at.isoformat(),
    }
    await event(session, "warning.escalated", data, org.id, org.path)
    await notify.notify_people(
        session,
        SYSTEM,
        [assignee.id or 0],
        title=t("warning_escalated_title", title=warning.title),
        text=t("warning_escalated_text", name=person.name, phones="、".join(person.phones) or "-"),
        ref=f"warning:{warning.id}:task:{task.id}",
        org=org,
    )
    return task


@handler(ESCALATION)
async def task_deadline_passed(session: AsyncSession, timer: Timer) -> None:
    """An unanswered task climbs: the next org up gets its own task."""
    task = await session.get(EscalationTask, int(timer.ref.split(":")[1]))
    if task is None or task.state != TaskState.pending:
        return
    recipient = await session.get(Recipient, task.recipient_id)
    warning = await session.get(Warning, task.warning_id)
    if recipient is None or warning is None:
        return
    if recipient.acked_at is not None or warning.status != WarningStatus.issued:
        task.state = TaskState.stopped
        session.add(task)
        return
    task.state = TaskState.escalated
    session.add(task)
    person = await session.get(Person, recipient.person_id)
    # a superior's task climbs from the recipient's own org; a duty task from its org
    below = await orgs.get(session, recipient.org_id if task.via == "superior" else task.org_id)
    if person is None or below is None:
        return
    await escalate(session, warning, recipient, person, below=below, step=task.step + 1)


async def stop_chains(session: AsyncSession, recipients: list[Recipient]) -> None:
    """No more calls or escalations for these recipients (answered, or the warning ended)."""
    ids = [r.id for r in recipients if r.id is not None]
    await stop_chains_of(session, ids, ids)


async def stop_chains_of(session: AsyncSession, ids: list[int], escalated: list[int]) -> None:
    """``stop_chains`` by id; only ``escalated`` ones can have escalation tasks."""
    if not ids:
        return
    await stop_deadlines_of(session, ids)
    await stop_tasks_of(session, escalated)


async def stop_deadlines_of(session: AsyncSession, ids: list[int]) -> None:
    """No more calls for these recipients: their deadline timers are deleted (the recipient
    row records the answer; a warning to 10,000 people would leave 10,000 dead timers).

    A deadline batch firing now holds its timers and then waits for these recipients (and
    their warning): the delete skips the timers it holds (no deadlock), and the batch skips
    whoever was answered (or whose warning ended). ``batch._ANSWER_PG`` deletes them the
    same way, in the statement that stores the answers."""
    await clock.discard_many(session, DEADLINE, [recipient_ref(i) for i in ids], skip_locked=True)


async def stop_tasks_of(session: AsyncSession, escalated: list[int]) -> None:
    """The pending escalation tasks about these recipients stop, with their timers."""
    if not escalated:
        return
    tasks: list[EscalationTask] = []
    for i in range(0, len(escalated), 500):
        tasks.extend(
            (
                await session.exec(
                    select(EscalationTask).where(
                        col(EscalationTask.recipient_id).in_(escalated[i : i + 500]),
                        EscalationTask.state == TaskState.pending,
                    )
                )
            ).all()
        )
    for task in tasks:
        task.state = TaskState.stopped
        session.add(task)
    await clock.cancel_many(session, ESCALATION, [task_ref(task.id) for task in tasks])
