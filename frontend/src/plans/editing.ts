/** The editor's working copy of a version's content: required items as catalogue picks
 * (see `itemsFromApi`), converted back for the API on save. */
import type { Content, ResponseLevel, TeamNeed, Version } from "../api/plans";
import { itemsFromApi, itemsToApi, type ItemPick } from "../api/plans";
import type { Item } from "../api/resources";

export interface EditLevel extends Omit<ResponseLevel, "resources"> {
  resources: { teams: TeamNeed[]; items: ItemPick[] };
}

export interface EditContent {
  sections: Content["sections"];
  levels: EditLevel[];
}

export function toEdit(version: Version, catalogue: Item[]): EditContent {
  const copy: Content = JSON.parse(JSON.stringify(version.content ?? { sections: [], levels: [] }));
  return {
    sections: copy.sections ?? [],
    levels: (copy.levels ?? []).map((level) => ({
      ...level,
      command: level.command ?? [],
      actions: level.actions ?? [],
      resources: { teams: level.resources?.teams ?? [], items: itemsFromApi(level.resources?.items ?? [], catalogue) },
    })),
  };
}

export function fromEdit(content: EditContent): Content {
  return {
    sections: content.sections.map((s) => ({ key: s.key.trim(), title: s.title.trim(), body: s.body })),
    levels: content.levels.map((level) => ({
      ...level,
      name: level.name?.trim() || null,
      triggers: level.triggers.map((x) => x.trim()),
      command: level.command.map((c) => ({ ...c, post: c.post?.trim() || null, duties: c.duties?.trim() || null })),
      actions: level.actions.map((a) => ({
        ...a,
        within_min: a.within_min === null || a.within_min === undefined || (a.within_min as unknown) === "" ? null : Number(a.within_min),
      })),
      resources: { teams: level.resources.teams.map((x) => ({ ...x, note: x.note?.trim() || null })), items: itemsToApi(level.resources.items) },
    })),
  };
}

/** The message of a list or group itself, not of one of its entries (those show by their
 * own fields): `fields` holds every prefix of an error's path. */
export function own(fields: Record<string, string>, name: string): Record<string, string> {
  const child = Object.keys(fields).some((key) => key.startsWith(`${name}.`));
  return child ? {} : fields;
}

export function move<T>(list: T[], index: number, step: number): void {
  const to = index + step;
  if (to < 0 || to >= list.length) return;
  const [entry] = list.splice(index, 1);
  list.splice(to, 0, entry);
}

/** A section key from its position: the API wants letters, digits, `_`, `.` or `-`. */
export function nextSectionKey(keys: string[]): string {
  let n = keys.length + 1;
  while (keys.includes(`s${n}`)) n += 1;
  return `s${n}`;
}
