"""The one factory module: build orgs, people and users straight into the database."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache

from sqlmodel.ext.asyncio.session import AsyncSession

from service.auth.models import RoleGrant, User
from service.auth.permissions import SYSTEM, Role
from service.auth.security import create_access_token, hash_password
from service.db import Database
from service.orgs import service as orgs
from service.orgs.models import Org, OrgKind
from service.orgs.schemas import OrgCreate
from service.people import service as people
from service.people.models import Person
from service.people.schemas import PersonCreate

PASSWORD = "correct-horse-battery"
SECRET = "test-secret-" + "x" * 40


@cache
def password_hash(password: str = PASSWORD) -> str:
    return hash_password(password)


async def make_org(
    session: AsyncSession,
    name: str,
    kind: str = "township",
    parent: Org | None = None,
    **fields: object,
) -> Org:
    data = OrgCreate(
        name=name, kind=OrgKind(kind), parent_id=parent.id if parent else None, **fields
    )  # type: ignore[arg-type]
    return await orgs.create(session, SYSTEM, data, default_timezone="Asia/Shanghai")


_phone_counter = iter(range(1, 10_000))


async def make_person(
    session: AsyncSession, org: Org, name: str = "张某甲", **fields: object
) -> Person:
    fields.setdefault("phones", [f"1390000{next(_phone_counter):04d}"])
    data = PersonCreate(name=name, org_id=org.id or 0, **fields)  # type: ignore[arg-type]
    return await people.create(session, SYSTEM, data)


async def make_user(
    session: AsyncSession,
    username: str,
    roles: list[Role | str],
    org: Org | None,
    person: Person | None = None,
    *,
    password: str = PASSWORD,
    active: bool = True,
) -> User:
    user = User(
        username=username,
        password_hash=password_hash(password),
        person_id=person.id if person else None,
        org_id=org.id if org else None,
        is_active=active,
    )
    session.add(user)
    await session.flush()
    assert user.id is not None
    session.add_all(
        [RoleGrant(user_id=user.id, role=str(r), org_id=org.id if org else None) for r in roles]
    )
    await session.flush()
    return user


def bearer(user: User | int, secret: str = SECRET) -> dict[str, str]:
    user_id = user if isinstance(user, int) else user.id
    assert user_id is not None
    token, _ = create_access_token(user_id, secret, 60)
    return {"Authorization": f"Bearer {token}"}


@dataclass
class World:
    county: Org
    town_a: Org
    town_b: Org
    village_a: Org
    village_b: Org
    person_a: Person
    person_b: Person
    root_admin: User
    # role -> user scoped to township A
    users_a: dict[Role, User] = field(default_factory=dict)
    user_b: User | None = None

    def headers(self, role: Role) -> dict[str, str]:
        return bearer(self.users_a[role])


async def build_world(db: Database) -> World:
    async with db.session() as s:
        county = await make_org(s, "测试县", "county", division_code="149901", lat=35.4, lon=112.4)
        town_a = await make_org(s, "甲镇", parent=county, lat=35.5, lon=112.5)
        town_b = await make_org(s, "乙镇", parent=county, lat=35.3, lon=112.3)
        village_a = await make_org(s, "甲村", "village", parent=town_a)
        village_b = await make_org(s, "乙村", "village", parent=town_b)
        person_a = await make_person(s, town_a, "甲某甲", tags=["带班领导"])
        person_b = await make_person(s, town_b, "乙某甲", tags=["带班领导"])
        root_admin = await make_user(s, "root", [Role.admin], None)
        world = World(county, town_a, town_b, village_a, village_b, person_a, person_b, root_admin)
        for role in Role:
            world.users_a[role] = await make_user(s, f"a-{role.value}", [role], town_a)
        world.user_b = await make_user(s, "b-duty", [Role.duty_officer], town_b)
    return world


def camera_jpeg(width: int = 64, height: int = 48, *, gps: bool = True) -> bytes:
    """A JPEG as a phone camera writes it: EXIF with the maker, a rotation and (by default)
    the GPS position where it was taken."""
    import io

    from PIL import Image

    image = Image.new("RGB", (width, height), (180, 40, 30))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    exif[0x0112] = 6  # rotated: the stored photo must come out upright
    if gps:
        exif[0x8825] = {1: "N", 2: (35.0, 29.0, 10.0), 3: "E", 4: (112.0, 24.0, 50.0)}
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif.tobytes())
    return out.getvalue()
