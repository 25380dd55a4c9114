"""Plan activation: a published plan version at a response level becomes the incident's
task list (each action with its responsible org or role and a due time from its time
limit), tracked to done. Raising or lowering the level brings the checklist along:
done tasks stay, open tasks the new level does not have are cancelled, and the new
level's other actions are added. The level's required resources are shown against what
has been dispatched."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from dispatch.incidents import log
from dispatch.incidents.models import Activation, ActivationState, Incident, Task, TaskState
from dispatch.incidents.schemas_response import (
    ActivationCreate,
    ActivationRead,
    TaskRead,
    TaskUpdate,
)
from plans.library import service as plans
from plans.library import versions
from plans.library.models import PlanVersion, VersionStatus
from plans.library.schemas import LEVEL_ORDER, ResponseLevel
from service.auth.permissions import Principal
from service.db import utcnow
from service.errors import Conflict, Invalid, NotFound
from service.orgs.models import Org
from service.realtime import outbox
from service.schemas import dump

LEVEL_ZH = {"I": "Ⅰ级", "II": "Ⅱ级", "III": "Ⅲ级", "IV": "Ⅳ级"}


def _level(version: PlanVersion, level: str) -> ResponseLevel:
    found = next((lv for lv in plans.content_of(version).levels if lv.level == level), None)
    if found is None:
        raise Invalid.field("level", "plan_level_unknown", level=level)
    return found


async def tasks_of(session: AsyncSession, activation: Activation) -> list[Task]:
    rows = await session.exec(
        select(Task)
        .where(Task.activation_id == activation.id)
        .order_by(col(Task.state) != TaskState.open, col(Task.position), col(Task.id))
    )
    return list(rows.all())


async def of(session: AsyncSession, incident: Incident) -> list[Activation]:
    rows = await session.exec(
        select(Activation).where(Activation.incident_id == incident.id).order_by(col(Activation.id))
    )
    return list(rows.all())


async def read(
    session: AsyncSession, activation: Activation, dispatched: dict[str, Any] | None = None
) -> ActivationRead:
    version = await session.get(PlanVersion, activation.version_id)
    level = _level(version, activation.level) if version else None
    required = level.resources.model_dump(mode="json") if level else {"teams": [], "items": []}
    return ActivationRead(
        **ActivationRead.model_validate(activation, from_attributes=True).model_dump(
            exclude={"tasks", "required", "dispatched"}
        ),
        tasks=[TaskRead.model_validate(t) for t in await tasks_of(session, activation)],
        required=required,
        dispatched=dispatched or {"teams": {}, "items": {}, "item_ids": {}},
    )


async def _event(
    session: AsyncSession, type_: str, incident: Incident, org: Org, data: dict[str, Any]
) -> None:
    await outbox.append(
        session,
        topic=log.TOPIC,
        type=type_,
        data={"incident_id": incident.id, "title": incident.title, **data},
        org_id=org.id,
        org_path=org.path,
    )


def _new_tasks(activation: Activation, level: ResponseLevel, skip: set[str]) -> list[Task]:
    now = utcnow()
    return [
        Task(
            incident_id=activation.incident_id,
            activation_id=activation.id or 0,
            level=level.level,
            position=index,
            action_key=action.key,
            action=action.action,
            responsible=action.responsible,
            responsible_org_id=action.responsible_org_id,
            due_at=now + timedelta(minutes=action.within_min)
            if action.within_min is not None
            else None,
        )
        for index, action in enumerate(level.actions)
        if action.key is None or action.key not in skip
    ]


async def activate(
    session: AsyncSession, actor: Principal, incident: Incident, org: Org, data: ActivationCreate
) -> Activation:
    plan, _ = await plans.get_visible(session, actor, data.plan_id)
    number = data.version if data.version is not None else plan.published_version
    if number is None:
        raise Conflict("plan_not_published", plan=plan.title)
    version = await versions.get(session, plan, number)
    if version.status != VersionStatus.published:
        raise Conflict("plan_not_published", plan=plan.title)
    level = _level(version, data.level)
    active = await session.scalar(
        select(Activation.id).where(
            Activation.incident_id == incident.id,
            Activation.plan_id == plan.id,
            col(Activation.state) == ActivationState.active,
        )
    )
    if active is not None:
        raise Conflict("plan_already_active", plan=plan.title)
    now = utcnow()
    activation = Activation(
        incident_id=incident.id or 0,
        plan_id=plan.id or 0,
        version_id=version.id or 0,
        version_number=version.number,
        plan_title=plan.title,
        level=level.level,
        levels=[{"level": level.level, "at": now.isoformat(), "by": actor.username}],
        activated_by=actor.user_id,
    )
    session.add(activation)
    await session.flush()
    tasks = _new_tasks(activation, level, set())
    session.add_all(tasks)
    text = f"启动《{plan.title}》{LEVEL_ZH[level.level]}应急响应（{len(tasks)} 项任务）"
    await log.append(session, actor, incident, org, "activated", text, _summary(activation))
    await _event(session, "incident.activated", incident, org, _summary(activation))
    return activation


def _summary(activation: Activation) -> dict[str, Any]:
    return {
        "activation_id": activation.id,
        "plan_id": activation.plan_id,
        "plan_title": activation.plan_title,
        "version": activation.version_number,
        "level": activation.level,
        "state": activation.state,
    }


async def get(session: AsyncSession, incident: Incident, activation_id: int) -> Activation:
    activation = await session.get(Activation, activation_id)
    if activation is None or activation.incident_id != incident.id:
        raise NotFound("activation")
    return activation


async def change_level(
    session: AsyncSession,
    actor: Principal,
    incident: Incident,
    org: Org,
    activation: Activation,
    level_name: str,
) -> Activation:
    if activation.state != ActivationState.active:
        raise Conflict("activation_ended")
    if level_name == activation.level:
        return activation
    version = await session.get(PlanVersion, activation.version_id)
    if version is None:
        raise NotFound("plan_version")
    level = _level(version, level_name)
    tasks = await tasks_of(session, activation)
    keys = {a.key for a in level.actions if a.key}
    kept: set[str] = set()
    for task in tasks:
        if task.state == TaskState.done and task.action_key:
            kept.add(task.action_key)
        elif task.state == TaskState.open:
            if task.action_key and task.action_key in keys:
                kept.add(task.action_key)  # the same action at the new level: it stays open
            else:
                task.state = TaskState.cancelled
                session.add(task)
    session.add_all(_new_tasks(activation, level, kept))
    previous = activation.level
    activation.level = level.level
    activation.levels = [
        *activation.levels,
        {"level": level.level, "at": utcnow().isoformat(), "by": actor.username},
    ]
    session.add(activation)
    await session.flush()
    up = LEVEL_ORDER[level.level] < LEVEL_ORDER[previous]  # Ⅰ is the highest response
    text = (
        f"《{activation.plan_title}》应急响应由{LEVEL_ZH[previous]}"
        f"{'提升' if up else '调整'}为{LEVEL_ZH[level.level]}"
    )
    data = _summary(activation) | {"previous": previous}
    await log.append(session, actor, incident, org, "level_changed", text, data)
    await _event(session, "incident.activated", incident, org, data)
    return activation


async def deactivate(
    session: AsyncSession, actor: Principal, incident: Incident, org: Org, activation: Activation
) -> Activation:
    if activation.state != ActivationState.active:
        return activation  # repeating it is harmless
    for task in await tasks_of(session, activation):
        if task.state == TaskState.open:
            task.state = TaskState.cancelled
            session.add(task)
    activation.state = ActivationState.deactivated
    activation.deactivated_at = utcnow()
    session.add(activation)
    await session.flush()
    text = f"终止《{activation.plan_title}》应急响应"
    await log.append(session, actor, incident, org, "deactivated", text, _summary(activation))
    await _event(session, "incident.deactivated", incident, org, _summary(activation))
    return activation


async def update_task(
    session: AsyncSession,
    actor: Principal,
    incident: Incident,
    org: Org,
    task_id: int,
    data: TaskUpdate,
) -> Task:
    task = await session.get(Task, task_id)
    if task is None or task.incident_id != incident.id:
        raise NotFound("task")
    if task.state == TaskState.cancelled:
        raise Conflict("task_cancelled")
    if data.note is not None:
        task.note = data.note
    if data.done and task.state == TaskState.open:
        task.state = TaskState.done
        task.done_at = utcnow()
        task.done_by = actor.user_id
        await log.append(
            session,
            actor,
            incident,
            org,
            "task_done",
            f"完成：{task.action}",
            {"task_id": task.id},
        )
    elif data.done is False and task.state == TaskState.done:
        task.state = TaskState.open
        task.done_at = None
        task.done_by = None
        await log.append(
            session,
            actor,
            incident,
            org,
            "task_reopened",
            f"重新打开：{task.action}",
            {"task_id": task.id},
        )
    session.add(task)
    await session.flush()
    await _event(session, "incident.task", incident, org, dump(TaskRead.model_validate(task)))
    return task
