"""CAP 1.2 (OASIS Common Alerting Protocol): render a warning as Alert / Update / Cancel,
and take an alert in (e.g. from the meteorological bureau) as a draft warning.

Input is parsed with defusedxml first (no DTDs, no entity expansion), then validated with
lxml against the OASIS schema shipped with the package (``CAP-v1.2.xsd``).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException
from lxml import etree
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from dispatch.warnings.models import Hazard, Level, Warning, WarningStatus
from dispatch.warnings.schemas import WarningCreate
from service.errors import FieldError, Invalid
from service.orgs.models import Org

NS = "urn:oasis:names:tc:emergency:cap:1.2"
SCHEMA = Path(__file__).with_name("CAP-v1.2.xsd")
MAX_BYTES = 1_000_000

SEVERITY = {
    Level.red: "Extreme",
    Level.orange: "Severe",
    Level.yellow: "Moderate",
    Level.blue: "Minor",
}
LEVEL_ZH = {Level.red: "红色", Level.orange: "橙色", Level.yellow: "黄色", Level.blue: "蓝色"}
CATEGORY = {
    Hazard.rainstorm: "Met",
    Hazard.flood: "Met",
    Hazard.mountain_torrent: "Met",
    Hazard.cold_wave: "Met",
    Hazard.snow_ice: "Met",
    Hazard.strong_wind: "Met",
    Hazard.geological: "Geo",
    Hazard.earthquake: "Geo",
    Hazard.forest_fire: "Fire",
    Hazard.hazardous_chemicals: "CBRNE",
    Hazard.other: "Other",
}
EVENT_ZH = {
    Hazard.rainstorm: "暴雨",
    Hazard.flood: "洪涝",
    Hazard.mountain_torrent: "山洪",
    Hazard.geological: "地质灾害",
    Hazard.forest_fire: "森林火险",
    Hazard.earthquake: "地震",
    Hazard.cold_wave: "寒潮",
    Hazard.snow_ice: "低温雨雪冰冻",
    Hazard.strong_wind: "大风",
    Hazard.hazardous_chemicals: "危险化学品",
    Hazard.other: "其他",
}


def cap_time(at: datetime, zone: str) -> str:
    """CAP times carry an offset and never ``Z``."""
    return at.astimezone(ZoneInfo(zone)).replace(microsecond=0).isoformat()


def _sub(parent: etree._Element, tag: str, text: str | None = None) -> etree._Element:
    node = etree.SubElement(parent, f"{{{NS}}}{tag}")
    if text is not None:
        node.text = text
    return node


def identifier(warning: Warning, version: int) -> str:
    return f"yingji-warning-{warning.id}-v{version}"


async def render(session: AsyncSession, warning: Warning, org: Org, *, sender: str) -> bytes:
    zone = org.timezone
    alert = etree.Element(f"{{{NS}}}alert", nsmap={None: NS})
    _sub(alert, "identifier", identifier(warning, warning.version))
    _sub(alert, "sender", sender)
    sent = warning.updated_at if warning.version > 1 else (warning.issued_at or warning.created_at)
    _sub(alert, "sent", cap_time(sent, zone))
    status = "Draft" if warning.status == WarningStatus.draft else "Actual"
    _sub(alert, "status", "Exercise" if warning.exercise else status)
    msg_type = "Alert"
    if warning.status == WarningStatus.cancelled and warning.issued_at:
        msg_type = "Cancel"
    elif warning.version > 1:
        msg_type = "Update"
    _sub(alert, "msgType", msg_type)
    if warning.source:
        _sub(alert, "source", warning.source)
    _sub(alert, "scope", "Public")
    if msg_type != "Alert" and warning.issued_at:
        first = f"{sender},{identifier(warning, 1)},{cap_time(warning.issued_at, zone)}"
        _sub(alert, "references", first)
    info = _sub(alert, "info")
    _sub(info, "language", "zh-CN")
    _sub(info, "category", CATEGORY[warning.hazard])
    _sub(info, "event", EVENT_ZH[warning.hazard])
    if warning.status == WarningStatus.lifted:
        _sub(info, "responseType", "AllClear")
    _sub(info, "urgency", "Immediate" if warning.level in (Level.red, Level.orange) else "Expected")
    _sub(info, "severity", SEVERITY[warning.level])
    _sub(info, "certainty", "Likely")
    _sub(info, "effective", cap_time(warning.effective_at, zone))
    _sub(info, "expires", cap_time(warning.expires_at, zone))
    _sub(info, "senderName", org.name)
    _sub(info, "headline", warning.title)
    _sub(info, "description", warning.content)
    if warning.instruction:
        _sub(info, "instruction", warning.instruction)
    for name, value in (("level", LEVEL_ZH[warning.level]), ("level_en", str(warning.level))):
        parameter = _sub(info, "parameter")
        _sub(parameter, "valueName", name)
        _sub(parameter, "value", value)
    affected = (
        list((await session.exec(select(Org).where(col(Org.id).in_(warning.org_ids)))).all())
        if warning.org_ids
        else []
    )
    if affected or warning.polygon:
        area = _sub(info, "area")
        _sub(area, "areaDesc", "、".join(o.name for o in affected) or org.name)
        if warning.polygon:
            _sub(area, "polygon", " ".join(f"{lat},{lon}" for lat, lon in warning.polygon))
        for o in affected:
            if o.division_code:
                geocode = _sub(area, "geocode")
                _sub(geocode, "valueName", "division_code")
                _sub(geocode, "value", o.division_code)
    return bytes(etree.tostring(alert, xml_declaration=True, encoding="UTF-8", pretty_print=True))


@lru_cache(maxsize=1)
def schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(SCHEMA)))


def validate(data: bytes) -> etree._Element:
    """The parsed alert, or 422 listing every schema error."""
    if len(data) > MAX_BYTES:
        raise Invalid.field("body", "cap_too_large")
    try:
        SafeET.fromstring(data, forbid_dtd=True)
    except DefusedXmlException:
        raise Invalid.field("body", "cap_unsafe") from None
    except SafeET.ParseError as exc:
        raise Invalid(FieldError("body", "cap_not_xml", {"error": str(exc)})) from None
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False
    )
    root = etree.fromstring(data, parser=parser)
    checker = schema()
    if not checker.validate(root):
        errors = [
            FieldError(f"line {e.line}", "cap_schema", {"error": e.message})
            for e in list(checker.error_log)[:50]
        ]
        raise Invalid(*errors)
    return root


def _text(node: etree._Element, path: str) -> str | None:
    found = node.find(path, {"c": NS})
    return found.text.strip() if found is not None and found.text else None


def _level(info: etree._Element) -> Level:
    for parameter in info.findall("c:parameter", {"c": NS}):
        name, value = _text(parameter, "c:valueName"), _text(parameter, "c:value") or ""
        if name in ("level", "level_en"):
            for level, zh in LEVEL_ZH.items():
                if value in (zh, str(level), zh[:1]):
                    return level
    severity = _text(info, "c:severity")
    return next((lv for lv, sev in SEVERITY.items() if sev == severity), Level.blue)


def _hazard(info: etree._Element) -> Hazard:
    event = _text(info, "c:event") or ""
    for hazard, zh in EVENT_ZH.items():
        if zh in event:
            return hazard
    return Hazard.other


def _when(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def parse(data: bytes, *, org_id: int) -> WarningCreate:
    """A valid CAP alert as a draft warning of ``org_id`` (recipients are added before issue)."""
    root = validate(data)
    info = root.find("c:info", {"c": NS})
    if info is None:
        raise Invalid.field("info", "cap_no_info")
    now = datetime.now(UTC)
    effective = _when(_text(info, "c:effective")) or _when(_text(root, "c:sent")) or now
    expires = _when(_text(info, "c:expires")) or max(effective, now) + timedelta(hours=24)
    polygon: list[Any] | None = None
    text = _text(info, "c:area/c:polygon")
    if text:
        try:
            polygon = [tuple(float(v) for v in pair.split(",")) for pair in text.split()]
        except ValueError:
            raise Invalid.field("area.polygon", "cap_polygon") from None
    return WarningCreate.model_validate(
        {
            "org_id": org_id,
            "hazard": _hazard(info),
            "level": _level(info),
            "title": (_text(info, "c:headline") or _text(info, "c:event") or "CAP")[:200],
            "content": (_text(info, "c:description") or _text(info, "c:headline") or "-")[:8000],
            "instruction": (_text(info, "c:instruction") or None),
            "source": (_text(info, "c:senderName") or _text(root, "c:sender") or "")[:200] or None,
            "polygon": polygon,
            "effective_at": effective,
            "expires_at": expires if expires > now else now + timedelta(hours=1),
            "issue": False,
        }
    )
