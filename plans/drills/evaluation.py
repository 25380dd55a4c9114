"""The evaluation of a held drill: a score (0–100) and comment per criterion, a summary,
findings; a finding may open a revision of the plan under test (a new draft version,
through the plan library's own rules, linked back to the finding)."""

from __future__ import annotations

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from plans.drills import service
from plans.drills.lifecycle import lock
from plans.drills.models import Criterion, Drill, DrillStatus, Finding
from plans.drills.schemas import EvaluationSet, FindingCreate, FindingRead, RevisionCreate
from plans.library import service as plans
from plans.library import versions
from plans.library.schemas import RevisionTrigger, TriggerKind, VersionCreate
from service.auth.permissions import Principal
from service.db import utcnow
from service.errors import Conflict, Invalid, NotFound
from service.orgs.models import Org
from service.schemas import dump

EVALUABLE = (DrillStatus.completed, DrillStatus.evaluated)


def ensure_open(drill: Drill) -> None:
    """Findings and actions change after the drill completed and before it closed."""
    if drill.status not in EVALUABLE:
        if drill.status in (DrillStatus.planned, DrillStatus.notified, DrillStatus.in_progress):
            raise Conflict("drill_not_completed", status=drill.status)
        raise Conflict("drill_state", status=drill.status, action="evaluate")


def overall(evaluation: dict | None) -> float | None:
    scores = [s["score"] for s in (evaluation or {}).get("scores", [])]
    return round(sum(scores) / len(scores), 1) if scores else None


async def evaluate(
    session: AsyncSession, actor: Principal, drill: Drill, organiser: Org, data: EvaluationSet
) -> Drill:
    """Scores for every criterion; the first evaluation moves the drill to ``evaluated``,
    later ones replace it until the drill closes."""
    service.may(actor, organiser)
    await lock(session, drill)
    ensure_open(drill)
    missing = sorted(set(Criterion) - {s.criterion for s in data.scores})
    if missing:
        raise Invalid.field("scores", "drill_criteria_missing", criteria=", ".join(missing))
    before = service.drill_dump(drill)
    now = utcnow()
    order = list(Criterion)
    scores = sorted(data.scores, key=lambda s: order.index(s.criterion))
    drill.evaluation = {
        "scores": [s.model_dump(mode="json") for s in scores],
        "summary": data.summary,
        "overall": None,
        "evaluated_by": actor.user_id,
    }
    drill.evaluation["overall"] = overall(drill.evaluation)
    first = drill.status == DrillStatus.completed
    drill.status = DrillStatus.evaluated
    drill.evaluated_at = now
    drill.updated_at = now
    session.add(drill)
    await session.flush()
    action = "evaluated" if first else "updated"
    await service.record(
        session, actor, organiser, "drill", action, drill.id, before, service.drill_dump(drill)
    )
    return drill


async def findings_of(session: AsyncSession, drill: Drill) -> list[Finding]:
    rows = await session.exec(
        select(Finding).where(Finding.drill_id == drill.id).order_by(col(Finding.id))
    )
    return list(rows.all())


async def get_finding(session: AsyncSession, drill: Drill, finding_id: int) -> Finding:
    finding = await session.get(Finding, finding_id)
    if finding is None or finding.drill_id != drill.id:
        raise NotFound("finding")
    return finding


async def add_finding(
    session: AsyncSession, actor: Principal, drill: Drill, organiser: Org, data: FindingCreate
) -> Finding:
    service.may(actor, organiser)
    ensure_open(drill)
    finding = Finding(
        drill_id=drill.id or 0,
        criterion=data.criterion,
        text=data.text,
        created_by=actor.user_id,
    )
    session.add(finding)
    await session.flush()
    after = dump(FindingRead.model_validate(finding))
    await service.record(
        session, actor, organiser, "drill_finding", "created", finding.id, None, after
    )
    return finding


async def open_revision(
    session: AsyncSession,
    actor: Principal,
    drill: Drill,
    organiser: Org,
    finding: Finding,
    data: RevisionCreate,
) -> Finding:
    """A new draft of the plan under test, copied from the drilled version, its revision
    trigger naming the drill and the finding; the plan library decides who may (plan
    writers of the plan's org) and refuses while another version is open."""
    service.may(actor, organiser)
    ensure_open(drill)
    if finding.revision_version is not None:
        raise Conflict("drill_revision_open", number=finding.revision_version)
    if drill.plan_id is None:
        raise Conflict("drill_no_plan")
    plan, plan_org = await plans.get_visible(session, actor, drill.plan_id)
    trigger = RevisionTrigger(
        kind=TriggerKind.drill_lessons,
        note=finding.text[:2000],
        ref=f"drill:{drill.id}:finding:{finding.id}",
    )
    version = await versions.create(
        session,
        actor,
        plan,
        plan_org,
        VersionCreate(
            copy_from=drill.plan_version,
            change_note=data.change_note
            or f"演练《{drill.title}》发现的问题：{finding.text}"[:2000],
            revision_triggers=[trigger],
        ),
    )
    before = dump(FindingRead.model_validate(finding))
    finding.revision_plan_id = plan.id
    finding.revision_version = version.number
    session.add(finding)
    await session.flush()
    after = dump(FindingRead.model_validate(finding))
    await service.record(
        session, actor, organiser, "drill_finding", "revision_opened", finding.id, before, after
    )
    return finding
