/** Teams, experts, depots and the stock ledger: API shapes (docs/api.md, "Rescue teams,
 * experts, depots and stock") and their enumerations. Team kinds and statuses are in enums.ts. */

// the stock shapes the dispatch screen reads too are declared once, in live.ts
export type { Balance, Item, Lot } from "./live";

export const AVAILABILITIES = ["available", "busy", "unavailable"] as const;
export const MOVEMENT_KINDS = ["receive", "issue", "transfer_out", "transfer_in", "dispatch", "adjust", "write_off"] as const;
export const IMPORT_KINDS = ["teams", "members", "stock"] as const;
export const STOCK_OPS = ["receive", "issue", "transfer"] as const;

export type MovementKind = (typeof MOVEMENT_KINDS)[number];
export type ImportKind = (typeof IMPORT_KINDS)[number];
export type StockOp = (typeof STOCK_OPS)[number];

export interface Certification {
  id?: number;
  name: string;
  number?: string | null;
  expiry_date: string;
}

export interface Member {
  id: number;
  person_id: number;
  name: string | null;
  role: string | null;
  skills: string[];
  certifications: Certification[];
}

export interface Team {
  id: number;
  name: string;
  kind: string;
  org_id: number;
  leader_id: number | null;
  headcount: number;
  equipment: { name: string; quantity?: number; unit?: string | null }[];
  phone: string | null;
  base_lat: number;
  base_lon: number;
  lat: number;
  lon: number;
  status: string;
  status_at: string;
  notes: string | null;
}

export interface TeamDetail extends Team {
  members: Member[];
}

export interface StatusChange {
  id: number;
  status: string;
  previous: string | null;
  reason: string | null;
  incident_ref: string | null;
  by_user_id: number | null;
  at: string;
}

export interface CertificationDue {
  id: number;
  team_id: number;
  team: string;
  member_id: number;
  person_id: number;
  person: string;
  name: string;
  number: string | null;
  expiry_date: string;
  days_left: number;
  expired: boolean;
}

export interface Expert {
  id: number;
  person_id: number;
  org_id: number;
  name: string | null;
  phones: string[];
  specialties: string[];
  employer: string | null;
  title: string | null;
  availability: (typeof AVAILABILITIES)[number];
  notes: string | null;
}

export interface Depot {
  id: number;
  name: string;
  org_id: number;
  address: string | null;
  lat: number;
  lon: number;
  manager_id: number | null;
}

export interface CardLine {
  id: number;
  at: string;
  kind: MovementKind;
  lot_id: number;
  batch: string;
  quantity: number;
  balance: number;
  reason: string | null;
  incident_ref: string | null;
  counterpart_depot_id: number | null;
}

export interface StockCard {
  depot_id: number;
  item_id: number;
  item: string;
  unit: string;
  opening: number;
  closing: number;
  lines: CardLine[];
  count: number;
}

export interface ImportProblem {
  line: number;
  field: string;
  code: string;
  message: string;
}

export interface ImportResult {
  what: ImportKind;
  dry_run: boolean;
  rows: { line: number; ref: string }[];
  problems: ImportProblem[];
  imported: boolean;
}

export interface Feature<P> {
  type: "Feature";
  geometry: { type: "Point"; coordinates: [number, number] };
  properties: P;
}

export interface FeatureCollection<P> {
  type: "FeatureCollection";
  features: Feature<P>[];
}

export interface TeamFeature {
  id: number;
  name: string;
  team_kind: string;
  status: string;
  headcount: number;
  org_id: number;
}

export interface DepotFeature {
  id: number;
  name: string;
  org_id: number;
  address: string | null;
  low_items: number;
}

/** The local calendar day `days` from today (expiry dates are local days). */
export function dayFromToday(days: number, now = new Date()): string {
  const local = new Date(now.toLocaleString("en-US", { timeZone: "Asia/Shanghai" }));
  local.setDate(local.getDate() + days);
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${local.getFullYear()}-${pad(local.getMonth() + 1)}-${pad(local.getDate())}`;
}
