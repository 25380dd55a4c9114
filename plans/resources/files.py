"""Import and export teams, team members (people) and stock from .xlsx/.csv.

Every row goes through the same service call as the API, inside its own savepoint: a
row that breaks a rule is listed with its line, field and reason and leaves nothing
behind. A dry run (the default) rolls the whole file back; a real import commits only
a file without bad rows.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from pydantic import ValidationError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from plans.resources import sheets, stock, teams
from plans.resources.common import READ
from plans.resources.models import Depot, Item, StockLot, StockMovement, Team, TeamMember
from plans.resources.schemas import MemberCreate, Receive, TeamCreate
from service.auth.permissions import Principal
from service.db import PENDING_EVENTS
from service.errors import Invalid, ProblemError
from service.i18n import t
from service.orgs.models import Org
from service.people import service as people
from service.people.models import Person
from service.people.schemas import PersonCreate


class What(StrEnum):
    teams = "teams"
    members = "members"
    stock = "stock"


COLUMNS: dict[What, dict[str, tuple[str, ...]]] = {
    What.teams: {
        "name": ("名称", "name"),
        "kind": ("类型", "kind"),
        "org": ("组织", "org"),
        "headcount": ("人数", "headcount"),
        "base_lat": ("纬度", "lat"),
        "base_lon": ("经度", "lon"),
        "phone": ("电话", "phone"),
    },
    What.members: {
        "team": ("队伍", "team"),
        "name": ("姓名", "name"),
        "phone": ("手机", "phone"),
        "role": ("职务", "role"),
        "skills": ("技能", "skills"),
        "certificate": ("证书", "certificate"),
        "expiry_date": ("证书有效期", "expiry_date"),
    },
    What.stock: {
        "depot": ("储备库", "depot"),
        "item": ("物资", "item"),
        "spec": ("规格", "spec"),
        "batch": ("批次", "batch"),
        "quantity": ("数量", "quantity"),
        "received_date": ("入库日期", "received_date"),
        "expiry_date": ("有效期", "expiry_date"),
    },
}
REQUIRED = {
    What.teams: {"name", "kind", "org", "base_lat", "base_lon"},
    What.members: {"team", "name", "phone"},
    What.stock: {"depot", "item", "batch", "quantity"},
}


class RowProblem(Exception):
    def __init__(self, field: str, code: str, **params: Any) -> None:
        super().__init__(code)
        self.field, self.code, self.params = field, code, params


def _date(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value).replace("/", "-") if value is not None else None


def _problems(line: int, exc: Exception, names: dict[str, str]) -> list[dict[str, Any]]:
    if isinstance(exc, RowProblem):
        return [_problem(line, exc.field, exc.code, **exc.params)]
    if isinstance(exc, ValidationError):
        return [
            _problem(
                line,
                names.get(str(e["loc"][0]), str(e["loc"][0])) if e["loc"] else "-",
                e["type"],
                value=str(e.get("input"))[:50],
            )
            for e in exc.errors()
        ]
    assert isinstance(exc, ProblemError)
    if exc.errors:
        return [_problem(line, names.get(e.field, e.field), e.code, **e.params) for e in exc.errors]
    return [_problem(line, "-", exc.code, **exc.params)]


def _problem(line: int, field: str, code: str, **params: Any) -> dict[str, Any]:
    message = t(code, **params)
    if message == code and "value" in params:
        message = t("cell_invalid", value=params["value"])
    return {"line": line, "field": field, "code": code, "message": message}


async def _one(session: AsyncSession, scalar: Any, field: str, code: str, value: Any) -> Any:
    found = (await session.exec(scalar)).all()
    if len(found) != 1:
        raise RowProblem(field, code, value=value)
    return found[0]


def _orgs_query(actor: Principal, model: Any, name: Any, *extra: Any) -> Any:
    return (
        select(model, *extra)
        .join(Org, col(Org.id) == col(model.org_id))
        .where(actor.scope(READ).clause(col(Org.path)), col(model.name) == str(name))
    )


async def _team_row(session: AsyncSession, actor: Principal, cells: dict[str, Any]) -> str:
    org = await _one(
        session,
        select(Org).where(actor.scope(READ).clause(col(Org.path)), Org.name == str(cells["org"])),
        "org",
        "org_not_found_by_name",
        cells["org"],
    )
    data = TeamCreate.model_validate(
        {
            "name": cells["name"],
            "kind": cells["kind"],
            "org_id": org.id,
            "headcount": cells.get("headcount") or 0,
            "base_lat": cells["base_lat"],
            "base_lon": cells["base_lon"],
            "phone": str(cells["phone"]) if cells.get("phone") else None,
        }
    )
    team = await teams.create(session, actor, data)
    return f"team:{team.id}"


async def _member_row(session: AsyncSession, actor: Principal, cells: dict[str, Any]) -> str:
    team, org = await _one(
        session,
        _orgs_query(actor, Team, cells["team"], Org),
        "team",
        "team_not_found_by_name",
        cells["team"],
    )
    phone = str(cells["phone"])
    person_data = PersonCreate.model_validate(
        {"name": cells["name"], "org_id": org.id, "phones": [phone]}
    )
    found, _ = await people.search(
        session, actor.scope("person.read"), phone=phone, limit=2, offset=0
    )
    person = found[0] if len(found) == 1 else await people.create(session, actor, person_data)
    certs = []
    if cells.get("certificate"):
        certs.append({"name": cells["certificate"], "expiry_date": _date(cells.get("expiry_date"))})
    skills = [s.strip() for s in str(cells.get("skills") or "").replace("，", ",").split(",")]
    member = MemberCreate.model_validate(
        {
            "person_id": person.id,
            "role": cells.get("role"),
            "skills": [s for s in skills if s],
            "certifications": certs,
        }
    )
    read = await teams.add_member(session, actor, team, org, member)
    return f"member:{read.id}"


async def _stock_row(session: AsyncSession, actor: Principal, cells: dict[str, Any]) -> str:
    depot = await _one(
        session,
        _orgs_query(actor, Depot, cells["depot"]),
        "depot",
        "depot_not_found_by_name",
        cells["depot"],
    )
    query = select(Item).where(Item.name == str(cells["item"]))
    if cells.get("spec") is not None:
        query = query.where(Item.spec == str(cells["spec"]))
    item = await _one(session, query, "item", "item_not_found_by_name", cells["item"])
    data = Receive.model_validate(
        {
            "depot_id": depot.id,
            "item_id": item.id,
            "batch": str(cells["batch"]),
            "quantity": cells["quantity"],
            "received_date": _date(cells.get("received_date")),
            "expiry_date": _date(cells.get("expiry_date")),
            "reason": "import",
        }
    )
    operation = await stock.receive(session, actor, data)
    return f"stock:{operation.op_id}"


ROW = {What.teams: _team_row, What.members: _member_row, What.stock: _stock_row}
# API field -> sheet column, for problems raised by the services
NAMES = {
    "org_id": "org",
    "depot_id": "depot",
    "item_id": "item",
    "person_id": "phone",
    "phones": "phone",
    "certifications": "certificate",
}


async def import_file(
    session: AsyncSession, actor: Principal, what: What, data: bytes, *, dry_run: bool
) -> dict[str, Any]:
    rows = sheets.read(data, COLUMNS[what], REQUIRED[what])
    problems: list[dict[str, Any]] = []
    done: list[dict[str, Any]] = []
    pending = session.info.setdefault(PENDING_EVENTS, [])
    events_before = len(pending)
    outer = await session.begin_nested()
    for line, cells in rows:
        missing = [k for k in REQUIRED[what] if cells.get(k) in (None, "")]
        if missing:
            problems += [_problem(line, k, "cell_required") for k in sorted(missing)]
            continue
        savepoint = await session.begin_nested()
        events_row = len(pending)
        try:
            ref = await ROW[what](session, actor, cells)
        except (RowProblem, ValidationError, ProblemError) as exc:
            await savepoint.rollback()
            del pending[events_row:]
            problems += _problems(line, exc, NAMES)
            continue
        await savepoint.commit()
        done.append({"line": line, "ref": ref})
    if dry_run or problems:
        await outer.rollback()
        del pending[events_before:]
    else:
        await outer.commit()
    if problems and not dry_run:
        raise Invalid.field("file", "file_has_problems", count=len(problems))
    return {
        "what": what.value,
        "dry_run": dry_run,
        "rows": done,
        "problems": problems,
        "imported": not dry_run and not problems,
    }


async def export_file(session: AsyncSession, actor: Principal, what: What, fmt: str) -> bytes:
    scope = actor.scope(READ)
    headers = [names[0] for names in COLUMNS[what].values()]
    rows: list[list[Any]] = []
    if what == What.teams:
        found = (
            await session.exec(
                select(Team, Org.name)
                .join(Org, col(Org.id) == col(Team.org_id))
                .where(scope.clause(col(Org.path)))
                .order_by(col(Team.id))
            )
        ).all()
        rows = [
            [t.name, t.kind, org, t.headcount, t.base_lat, t.base_lon, t.phone] for t, org in found
        ]
    elif what == What.members:
        members = (
            await session.exec(
                select(TeamMember, Team.name, Person)
                .join(Team, col(Team.id) == col(TeamMember.team_id))
                .join(Person, col(Person.id) == col(TeamMember.person_id))
                .join(Org, col(Org.id) == col(Team.org_id))
                .where(scope.clause(col(Org.path)))
                .order_by(col(TeamMember.id))
            )
        ).all()
        certs = await teams.members_of(session, sorted({m.team_id for m, _, _ in members}))
        by_id = {m.id: m for team_members in certs.values() for m in team_members}
        for member, team_name, person in members:
            first = by_id[member.id].certifications[:1] if member.id in by_id else []
            rows.append(
                [
                    team_name,
                    person.name,
                    person.phones[0] if person.phones else None,
                    member.role,
                    ",".join(member.skills),
                    first[0].name if first else None,
                    first[0].expiry_date.isoformat() if first else None,
                ]
            )
    else:
        lots = (
            await session.exec(
                select(StockLot, Depot.name, Item.name, Item.spec)
                .join(Depot, col(Depot.id) == col(StockLot.depot_id))
                .join(Item, col(Item.id) == col(StockLot.item_id))
                .join(Org, col(Org.id) == col(Depot.org_id))
                .where(scope.clause(col(Org.path)))
                .order_by(col(StockLot.id))
            )
        ).all()
        held = await stock_by_lot(session, [lot.id or 0 for lot, *_ in lots])
        rows = [
            [
                depot,
                item,
                spec,
                lot.batch,
                held.get(lot.id or 0, 0),
                lot.received_date.isoformat(),
                lot.expiry_date.isoformat() if lot.expiry_date else None,
            ]
            for lot, depot, item, spec in lots
            if held.get(lot.id or 0, 0) > 0
        ]
    return sheets.write(fmt, headers, rows)


async def stock_by_lot(session: AsyncSession, lot_ids: list[int]) -> dict[int, int]:
    found: dict[int, int] = {}
    for i in range(0, len(lot_ids), 500):
        rows = await session.exec(
            select(StockMovement.lot_id, sa.func.sum(StockMovement.quantity))
            .where(col(StockMovement.lot_id).in_(lot_ids[i : i + 500]))
            .group_by(col(StockMovement.lot_id))
        )
        found.update({lot: int(q) for lot, q in rows.all()})
    return found
