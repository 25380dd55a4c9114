/** The plan library's API shapes (docs/api.md, "Contingency plans") and their enumerations. */
import type { Item } from "./resources";

export const PLAN_KINDS = ["overall", "special", "department", "unit", "handbook", "action_card"] as const;
export const PLAN_HAZARDS = [
  "flood",
  "drought",
  "rainstorm",
  "mountain_torrent",
  "geological",
  "forest_fire",
  "earthquake",
  "snow_ice",
  "cold_wave",
  "strong_wind",
  "work_safety",
  "mine",
  "hazardous_chemicals",
  "fire",
  "gas",
  "traffic",
  "public_health",
  "other",
] as const;
export const VERSION_STATUSES = ["draft", "in_review", "rejected", "approved", "filed", "published", "superseded", "withdrawn"] as const;
export const VERSION_ACTIONS = ["edit", "submit", "approve", "reject", "file", "publish", "withdraw"] as const;
export const PLAN_ACTIONS = ["update", "new_version", "evaluate"] as const;
export const TRIGGER_KINDS = ["law_change", "org_change", "risk_change", "resource_change", "incident_lessons", "drill_lessons", "review", "other"] as const;
export const CHANGES = ["added", "removed", "changed", "same"] as const;
export const LEVEL_NAMES = ["I", "II", "III", "IV"] as const;

export type PlanKind = (typeof PLAN_KINDS)[number];
export type VersionStatus = (typeof VERSION_STATUSES)[number];
export type VersionAction = (typeof VERSION_ACTIONS)[number];
export type PlanAction = (typeof PLAN_ACTIONS)[number];
export type LevelName = (typeof LEVEL_NAMES)[number];

export interface Plan {
  id: number;
  org_id: number;
  kind: PlanKind;
  title: string;
  hazards: string[];
  parent_plan_id: number | null;
  owner_person_id: number | null;
  latest_version: number;
  published_version: number | null;
  published_at: string | null;
  review_due_date: string | null;
  last_evaluated_date: string | null;
  withdrawn: boolean;
  created_at: string;
  updated_at: string;
}

export interface RevisionTrigger {
  kind: string;
  note?: string | null;
  ref?: string | null;
}

export interface VersionSummary {
  id: number;
  plan_id: number;
  number: number;
  status: VersionStatus;
  change_note: string | null;
  revision_triggers: RevisionTrigger[];
  based_on: number | null;
  submitted_at: string | null;
  decided_at: string | null;
  decision_note: string | null;
  filing_due_date: string | null;
  filing_overdue: boolean;
  filing_number: string | null;
  filing_date: string | null;
  filing_org_id: number | null;
  filed_at: string | null;
  published_at: string | null;
  ended_at: string | null;
  withdraw_reason: string | null;
  created_by: number | null;
  created_at: string;
  updated_at: string;
}

export interface Section {
  key: string;
  title: string;
  body: string;
}

export interface CommandRole {
  role: string;
  post?: string | null;
  person_id?: number | null;
  duties?: string | null;
}

export interface Action {
  key?: string | null;
  action: string;
  responsible: string;
  responsible_org_id?: number | null;
  within_min?: number | null;
}

export interface TeamNeed {
  team_type: string;
  count: number;
  note?: string | null;
}

/** A required item as the version API stores it today: free text. */
/** A required item: a catalogue item (`/stock/items`) in whole units. The server fills in
 * `name`, `spec` and `unit` from the catalogue when a version is saved. */
export interface ItemNeed {
  item_id: number | null;
  quantity: number;
  note?: string | null;
  name?: string | null;
  spec?: string | null;
  unit?: string | null;
}

export interface ResponseLevel {
  level: LevelName;
  name?: string | null;
  triggers: string[];
  command: CommandRole[];
  actions: Action[];
  resources: { teams: TeamNeed[]; items: ItemNeed[] };
}

export interface Content {
  sections: Section[];
  levels: ResponseLevel[];
}

export interface Version extends VersionSummary {
  content: Content;
}

export interface Attachment {
  id: number;
  version_id: number;
  filename: string;
  media_type: string;
  size_bytes: number;
  created_at: string;
}

export interface ReviewItem {
  plan: Plan;
  review_due_date: string;
  days_left: number;
  overdue: boolean;
}

export interface FilingItem {
  plan: Plan;
  number: number;
  approved_at: string | null;
  filing_due_date: string;
  days_left: number;
  overdue: boolean;
  filing_org_id: number | null;
}

export interface FieldChange {
  key: string;
  change: "added" | "removed" | "changed";
  before: Record<string, any> | null;
  after: Record<string, any> | null;
  fields: string[];
}

export interface VersionDiff {
  plan_id: number;
  number: number;
  against: number;
  sections: { key: string; title: string; change: "added" | "removed" | "changed"; diff: string[] }[];
  levels: {
    level: LevelName;
    change: (typeof CHANGES)[number];
    fields: string[];
    actions: FieldChange[];
    teams: FieldChange[];
    items: FieldChange[];
  }[];
}

export const planPath = (id: number) => `/plans/${id}`;
export const versionPath = (id: number, n: number) => `/plans/${id}/versions/${n}`;

/** A required item in the editor: picked from the resource catalogue (`/stock/items`). */
export interface ItemPick {
  item_id: number | null;
  name: string;
  quantity: number;
  unit: string;
}

export function itemLabel(item: Pick<Item, "name" | "spec">): string {
  return item.spec ? `${item.name}（${item.spec}）` : item.name;
}

/** What the API takes: the catalogue id and the quantity (an item not picked yet is sent
 * without an id, so the server names the field). */
export function itemsToApi(items: ItemPick[]): ItemNeed[] {
  return items.map((i) => ({ item_id: i.item_id, quantity: i.quantity }));
}

/** The stored items as the editor shows them: the name the version saved, or the
 * catalogue's when the version has none. */
export function itemsFromApi(items: ItemNeed[], catalogue: Item[]): ItemPick[] {
  return items.map((need) => {
    const found = catalogue.find((c) => c.id === need.item_id);
    return {
      item_id: need.item_id,
      name: need.name ?? (found ? itemLabel(found) : ""),
      quantity: need.quantity,
      unit: need.unit ?? found?.unit ?? "",
    };
  });
}

/** A side-by-side view of a unified diff: context on both sides, a run of removed lines
 * paired row by row with the added lines that follow it; `@@` hunks become separators. */
export interface DiffRow {
  kind: "same" | "changed" | "removed" | "added" | "hunk";
  left: string | null;
  right: string | null;
}

export function sideBySide(unified: string[]): DiffRow[] {
  const rows: DiffRow[] = [];
  let removed: string[] = [];
  let added: string[] = [];
  const flush = () => {
    const n = Math.max(removed.length, added.length);
    for (let i = 0; i < n; i += 1) {
      const left = removed[i] ?? null;
      const right = added[i] ?? null;
      rows.push({ kind: left !== null && right !== null ? "changed" : left !== null ? "removed" : "added", left, right });
    }
    removed = [];
    added = [];
  };
  for (const line of unified) {
    if (line.startsWith("---") || line.startsWith("+++")) continue;
    if (line.startsWith("@@")) {
      flush();
      rows.push({ kind: "hunk", left: null, right: null });
    } else if (line.startsWith("-")) {
      if (added.length) flush();
      removed.push(line.slice(1));
    } else if (line.startsWith("+")) {
      added.push(line.slice(1));
    } else {
      flush();
      const text = line.startsWith(" ") ? line.slice(1) : line;
      rows.push({ kind: "same", left: text, right: text });
    }
  }
  flush();
  return rows;
}

export function emptyLevel(level: LevelName): ResponseLevel {
  return { level, name: null, triggers: [""], command: [], actions: [], resources: { teams: [], items: [] } };
}
