"""The after-action report (演练总结评估报告): what its print view needs, in one answer."""

from __future__ import annotations

from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from plans.drills import actions as corrective
from plans.drills import evaluation, exercise, service
from plans.drills.models import OPEN_ACTIONS, Drill
from plans.drills.schemas import AfterActionReport, DrillRead, FindingDetail, FindingRead, Named
from plans.library import versions
from plans.resources import teams
from service.errors import NotFound
from service.orgs import service as orgs
from service.orgs.models import Org
from service.people import service as people


async def findings(session: AsyncSession, drill: Drill, org: Org) -> list[FindingDetail]:
    actions = await corrective.of(session, drill)
    out = []
    for finding in await evaluation.findings_of(session, drill):
        mine = [corrective.read(a, org) for a in actions if a.finding_id == finding.id]
        base = FindingRead.model_validate(finding).model_dump()
        out.append(FindingDetail(**base, actions=mine))
    return out


async def _plan(session: AsyncSession, drill: Drill) -> dict[str, Any] | None:
    plan = await service.plan_of(session, drill)
    if plan is None:
        return None
    out: dict[str, Any] = {
        "id": plan.id,
        "title": plan.title,
        "kind": plan.kind,
        "version": drill.plan_version,
        "level": drill.level,
        "level_name": None,
    }
    try:
        version = await versions.get(session, plan, drill.plan_version or 0)
    except NotFound:
        return out
    for level in version.content.get("levels", []):
        if level.get("level") == drill.level:
            out["level_name"] = level.get("name")
    return out


async def build(session: AsyncSession, drill: Drill, org: Org) -> AfterActionReport:
    org_rows = [await orgs.get(session, i) for i in drill.org_ids]
    team_rows = await teams.by_ids(session, drill.team_ids)
    names = await people.names(session, drill.person_ids)
    found = await findings(session, drill, org)
    open_count = sum(a.status in OPEN_ACTIONS for f in found for a in f.actions)
    return AfterActionReport(
        drill=DrillRead.model_validate(drill),
        organiser=Named(id=org.id or 0, name=org.name),
        plan=await _plan(session, drill),
        orgs=[Named(id=o.id or 0, name=o.name) for o in org_rows if o is not None],
        teams=[Named(id=t.id or 0, name=t.name) for t in team_rows],
        people=[Named(id=i, name=names[i]) for i in drill.person_ids if i in names],
        log=await exercise.run_log(session, drill),
        overall_score=evaluation.overall(drill.evaluation),
        findings=found,
        open_actions=open_count,
    )
