"""The demo county's warning: a rainstorm orange warning from the meteorological bureau to
every township's leader on duty and every village's responsible persons; some have
answered (one by phone through the duty room), some were escalated."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from dispatch.warnings import answers, calls, feedback, service
from dispatch.warnings.models import Hazard, Level, Recipient, Warning
from dispatch.warnings.schemas import FeedbackCreate, LeadersOnDuty, TaggedPeople, WarningCreate
from service.auth.permissions import SYSTEM
from service.db import utcnow
from service.orgs import service as orgs
from service.orgs.models import Org, OrgKind
from service.people.models import Person
from service.settings import Settings

TITLE = "阳城县气象台暴雨橙色预警"


async def load(
    session: AsyncSession, settings: Settings, county: Org, townships: list[Org]
) -> bool:
    """Issue the demo warning unless it exists; whether it was issued now."""
    if (await session.exec(select(Warning.id).where(Warning.title == TITLE))).first():
        return False
    now = utcnow()
    data = WarningCreate(
        org_id=county.id or 0,
        hazard=Hazard.rainstorm,
        level=Level.orange,
        title=TITLE,
        content="受强对流天气影响，预计未来6小时内我县大部分乡镇降雨量将达50毫米以上，"
        "局地伴有雷电、短时强降水，山洪、地质灾害风险高。",
        instruction="山洪和地质灾害易发区立即组织人员转移；关闭危险路段；加强巡查，及时反馈。",
        source="阳城县气象局",
        org_ids=[t.id or 0 for t in townships],
        rules=[
            TaggedPeople(rule="responsible_persons", org_ids=[county.id or 0]),
            LeadersOnDuty(rule="leaders_on_duty", org_ids=[t.id or 0 for t in townships]),
        ],
        expires_at=now + timedelta(hours=24),
        respond_within_s=1800,
    )
    warning = await service.create(session, SYSTEM, data, settings)
    called = await service.recipients_of(session, warning)
    for index, recipient in enumerate(called):
        if index % 3 == 0:  # a third answered (recorded by the duty room, by phone)
            await answers.ack(session, SYSTEM, warning, recipient.person_id)
            if index % 6 == 0:
                report = FeedbackCreate(
                    person_id=recipient.person_id,
                    evacuated=8 + index,
                    roads_closed=1,
                    text="已组织危险区群众转移，河道沿线已设警戒。",
                    client_id="demo",
                )
                await feedback.add(session, SYSTEM, warning, report)
        elif index % 5 == 1:  # and some did not answer in time: escalated
            await _escalate(session, warning, recipient)
    return True


async def _escalate(session: AsyncSession, warning: Warning, recipient: Recipient) -> None:
    person = await session.get(Person, recipient.person_id)
    org = await orgs.get(session, recipient.org_id)
    if person is None or org is None:
        return
    await calls.stop_deadlines_of(session, [recipient.id or 0])
    await calls.escalate(session, warning, recipient, person, below=org, step=1)


def townships_of(orgs_by_name: dict[str, Org]) -> list[Org]:
    return [o for o in orgs_by_name.values() if o.kind == OrgKind.township]
