"""The roster as iCalendar (RFC 5545): one VEVENT per shift with a stable UID and the
shift's SEQUENCE, times in the org's zone with its VTIMEZONE; and the secret feed URLs for
calendar apps that cannot send an Authorization header."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from zoneinfo import ZoneInfo

import icalendar
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from rosters.models import CalendarFeed, DutyPost, DutyShift
from service.auth import service as auth
from service.auth.permissions import Principal
from service.db import utcnow
from service.errors import Unauthorized
from service.orgs.models import Org
from service.people.models import Person

PRODID = "-//Yingji//Duty roster//ZH"


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def new_feed(session: AsyncSession, actor: Principal) -> str:
    """A new secret for the caller's calendar URL; the old one stops working."""
    assert actor.user_id is not None
    token = secrets.token_urlsafe(32)
    feed = await session.get(CalendarFeed, actor.user_id) or CalendarFeed(
        user_id=actor.user_id, token_hash=""
    )
    feed.token_hash = token_hash(token)
    feed.created_at = utcnow()
    session.add(feed)
    await session.flush()
    return token


async def feed_user(session: AsyncSession, token: str) -> int | None:
    row = (
        await session.exec(select(CalendarFeed).where(CalendarFeed.token_hash == token_hash(token)))
    ).first()
    return row.user_id if row else None


async def caller(
    session: AsyncSession, *, feed: str | None, bearer: str | None, secret: str
) -> Principal:
    """Who asks for a calendar (the duty roster's or the drills'): the owner of the secret
    ``feed`` of a calendar URL, else the bearer token's user; 401 for neither."""
    user = None
    if feed:
        user_id = await feed_user(session, feed)
        user = await auth.load_principal(session, user_id) if user_id else None
    elif bearer:
        user = await auth.principal_for_token(session, bearer, secret=secret)
    if user is None:
        raise Unauthorized("bad_token")
    return user


async def render(
    session: AsyncSession, shifts: Sequence[DutyShift], *, name: str, host: str
) -> bytes:
    cal = icalendar.Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", name)
    people = await _names(session, Person, {s.person_id for s in shifts})
    posts = await _names(session, DutyPost, {s.post_id for s in shifts})
    org_rows = await session.exec(select(Org).where(col(Org.id).in_({s.org_id for s in shifts})))
    orgs = {o.id: o for o in org_rows.all()}
    for shift in shifts:
        org = orgs.get(shift.org_id)
        zone = ZoneInfo(org.timezone if org else "Asia/Shanghai")
        event = icalendar.Event()
        event.add("uid", f"shift-{shift.id}@{host}")
        event.add("sequence", shift.sequence)
        event.add("dtstamp", shift.updated_at)
        event.add("dtstart", shift.start_at.astimezone(zone))
        event.add("dtend", shift.end_at.astimezone(zone))
        person = people.get(shift.person_id, f"#{shift.person_id}")
        event.add("summary", f"{posts.get(shift.post_id, '')} {person} · {org.name if org else ''}")
        notes = [
            n for n in (shift.note, "暂定（节假日安排未公布）" if shift.provisional else None) if n
        ]
        if notes:
            event.add("description", "\n".join(notes))
        cal.add_component(event)
    cal.add_missing_timezones()
    return bytes(cal.to_ical())


async def _names(
    session: AsyncSession, model: type[Person] | type[DutyPost], ids: set[int]
) -> dict[int, str]:
    if not ids:
        return {}
    rows = await session.exec(select(model.id, model.name).where(col(model.id).in_(ids)))
    return {i: n for i, n in rows.all() if i is not None}
