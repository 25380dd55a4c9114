"""``/api/v1/drills/{id}/…``: running a drill (exercise warnings and incidents, the run log),
its evaluation, findings, corrective actions and the after-action report."""

from __future__ import annotations

from fastapi import APIRouter

from dispatch.incidents.schemas import IncidentCreate, IncidentRead
from dispatch.warnings.schemas import WarningCreate, WarningRead
from plans.drills import actions as corrective
from plans.drills import evaluation, exercise, report
from plans.drills.router import CurrentDrill, detail
from plans.drills.schemas import (
    ActionCreate,
    ActionRead,
    ActionUpdate,
    AfterActionReport,
    DrillDetail,
    EvaluationSet,
    FindingCreate,
    FindingDetail,
    FindingRead,
    RevisionCreate,
    RunLog,
)
from service.deps import CurrentUser, PathId, SessionDep, SettingsDep
from service.schemas import Page

router = APIRouter(prefix="/drills", tags=["drills"])


@router.post("/{drill_id}/warnings", response_model=WarningRead, status_code=201)
async def exercise_warning(
    session: SessionDep,
    user: CurrentUser,
    settings: SettingsDep,
    current: CurrentDrill,
    data: WarningCreate,
) -> WarningRead:
    """An exercise warning (the body of ``POST /warnings``) while the drill is in progress:
    called, answered and escalated like a real one, marked ``exercise`` (CAP status
    Exercise, title 【演练】) and linked to the drill."""
    warning = await exercise.issue_warning(session, user, *current, data, settings)
    return WarningRead.model_validate(warning)


@router.post("/{drill_id}/incidents", response_model=IncidentRead, status_code=201)
async def exercise_incident(
    session: SessionDep, user: CurrentUser, current: CurrentDrill, data: IncidentCreate
) -> IncidentRead:
    """An exercise incident (the body of ``POST /incidents``) while the drill is in
    progress: graded, on the report clock and dispatched like a real one, marked."""
    incident = await exercise.record_incident(session, user, *current, data)
    return IncidentRead.model_validate(incident)


@router.get("/{drill_id}/log", response_model=RunLog)
async def run_log(session: SessionDep, current: CurrentDrill) -> RunLog:
    """The exercise warnings with each recipient's time to answer, the exercise incidents
    with the time to the first dispatch."""
    return await exercise.run_log(session, current[0])


@router.put("/{drill_id}/evaluation", response_model=DrillDetail)
async def evaluate(
    session: SessionDep, user: CurrentUser, current: CurrentDrill, data: EvaluationSet
) -> DrillDetail:
    """Scores (0–100) with comments for every criterion (``plan``, ``command``,
    ``personnel``, ``equipment``, ``timeliness``) and a summary; only once completed."""
    drill = await evaluation.evaluate(session, user, *current, data)
    return await detail(session, user, drill, current[1])


@router.get("/{drill_id}/findings", response_model=Page[FindingDetail])
async def list_findings(session: SessionDep, current: CurrentDrill) -> Page[FindingDetail]:
    rows = await report.findings(session, *current)
    return Page(data=rows, count=len(rows))


@router.post("/{drill_id}/findings", response_model=FindingRead, status_code=201)
async def add_finding(
    session: SessionDep, user: CurrentUser, current: CurrentDrill, data: FindingCreate
) -> FindingRead:
    return FindingRead.model_validate(await evaluation.add_finding(session, user, *current, data))


@router.post("/{drill_id}/findings/{finding_id}/revision", response_model=FindingRead)
async def open_revision(
    session: SessionDep,
    user: CurrentUser,
    current: CurrentDrill,
    finding_id: PathId,
    data: RevisionCreate | None = None,
) -> FindingRead:
    """A new draft version of the plan under test, linked to the finding (the plan
    library's rules apply: plan writers only, one open version at a time)."""
    finding = await evaluation.get_finding(session, current[0], finding_id)
    found = await evaluation.open_revision(
        session, user, *current, finding, data or RevisionCreate()
    )
    return FindingRead.model_validate(found)


@router.post(
    "/{drill_id}/findings/{finding_id}/actions", response_model=ActionRead, status_code=201
)
async def add_action(
    session: SessionDep,
    user: CurrentUser,
    settings: SettingsDep,
    current: CurrentDrill,
    finding_id: PathId,
    data: ActionCreate,
) -> ActionRead:
    """A corrective action with its owner and due date; the owner is reminded."""
    drill, org = current
    finding = await evaluation.get_finding(session, drill, finding_id)
    action = await corrective.create(session, user, drill, org, finding, data, settings)
    return corrective.read(action, org)


@router.get("/{drill_id}/actions", response_model=Page[ActionRead])
async def list_actions(session: SessionDep, current: CurrentDrill) -> Page[ActionRead]:
    drill, org = current
    rows = [corrective.read(a, org) for a in await corrective.of(session, drill)]
    return Page(data=rows, count=len(rows))


@router.patch("/{drill_id}/actions/{action_id}", response_model=ActionRead)
async def update_action(
    session: SessionDep,
    user: CurrentUser,
    settings: SettingsDep,
    current: CurrentDrill,
    action_id: PathId,
    data: ActionUpdate,
) -> ActionRead:
    """Progress (``in_progress``, ``done``, ``cancelled``), owner, due date, note."""
    drill, org = current
    action = await corrective.get(session, drill, action_id)
    changed = await corrective.update(session, user, drill, org, action, data, settings)
    return corrective.read(changed, org)


@router.get("/{drill_id}/report", response_model=AfterActionReport)
async def after_action_report(session: SessionDep, current: CurrentDrill) -> AfterActionReport:
    """Everything the after-action report's print view shows: the drill, the plan and
    level, participants by name, the run log, scores, findings with their actions."""
    return await report.build(session, *current)
