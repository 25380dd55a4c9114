"""Compare two versions: a text diff per section (difflib, unified) and a structured diff
of the response levels, their actions (by key) and required resources (teams by type,
items by catalogue id): added, removed, changed."""

from __future__ import annotations

import difflib
from typing import Any

from plans.library.models import Plan, PlanVersion
from plans.library.schemas import FieldChange, LevelDiff, TextDiff, VersionDiff

LEVEL_FIELDS = ("name", "triggers", "command")
ACTION_FIELDS = ("action", "responsible", "responsible_org_id", "within_min")


def _lines(text: str) -> list[str]:
    return text.splitlines()


def sections(old: list[dict[str, Any]], new: list[dict[str, Any]]) -> list[TextDiff]:
    before = {s["key"]: s for s in old}
    after = {s["key"]: s for s in new}
    out: list[TextDiff] = []
    for key in [*after, *(k for k in before if k not in after)]:
        a, b = before.get(key), after.get(key)
        old_text = f"# {a['title']}\n{a.get('body', '')}" if a else ""
        new_text = f"# {b['title']}\n{b.get('body', '')}" if b else ""
        if old_text == new_text:
            continue
        change = "added" if a is None else "removed" if b is None else "changed"
        diff = list(
            difflib.unified_diff(
                _lines(old_text), _lines(new_text), fromfile=key, tofile=key, lineterm="", n=2
            )
        )
        title = (b or a or {}).get("title", key)
        out.append(TextDiff(key=key, title=title, change=change, diff=diff))
    return out


def _keyed(
    old: list[dict[str, Any]], new: list[dict[str, Any]], key: str, fields: tuple[str, ...]
) -> list[FieldChange]:
    before = {str(x.get(key)): x for x in old}
    after = {str(x.get(key)): x for x in new}
    out: list[FieldChange] = []
    for k, b in after.items():
        a = before.get(k)
        if a is None:
            out.append(FieldChange(key=k, change="added", after=b))
            continue
        changed = [f for f in fields if a.get(f) != b.get(f)]
        if changed:
            out.append(FieldChange(key=k, change="changed", before=a, after=b, fields=changed))
    out += [
        FieldChange(key=k, change="removed", before=a) for k, a in before.items() if k not in after
    ]
    return out


def level(old: dict[str, Any] | None, new: dict[str, Any] | None) -> LevelDiff:
    name = (new or old or {})["level"]
    if old is None or new is None:
        return LevelDiff(level=name, change="added" if old is None else "removed")
    fields = [f for f in LEVEL_FIELDS if old.get(f) != new.get(f)]
    old_res, new_res = old.get("resources") or {}, new.get("resources") or {}
    actions = _keyed(old.get("actions", []), new.get("actions", []), "key", ACTION_FIELDS)
    teams = _keyed(
        old_res.get("teams", []), new_res.get("teams", []), "team_type", ("count", "note")
    )
    items = _keyed(
        old_res.get("items", []), new_res.get("items", []), "item_id", ("quantity", "note")
    )
    same = not (fields or actions or teams or items)
    return LevelDiff(
        level=name,
        change="same" if same else "changed",
        fields=fields,
        actions=actions,
        teams=teams,
        items=items,
    )


def compare(plan: Plan, new: PlanVersion, old: PlanVersion) -> VersionDiff:
    """What changed from ``old`` to ``new``."""
    old_levels = {lv["level"]: lv for lv in old.content.get("levels", [])}
    new_levels = {lv["level"]: lv for lv in new.content.get("levels", [])}
    order = ["I", "II", "III", "IV"]
    levels = [
        level(old_levels.get(name), new_levels.get(name))
        for name in order
        if name in old_levels or name in new_levels
    ]
    return VersionDiff(
        plan_id=plan.id or 0,
        number=new.number,
        against=old.number,
        sections=sections(old.content.get("sections", []), new.content.get("sections", [])),
        levels=levels,
    )
