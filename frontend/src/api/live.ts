/** API shapes of the live screens' resource pieces (docs/api.md, "Rescue teams …" and
 * "Response"): the team board, the stock alerts, material dispatch from the nearest depot,
 * a level's required resources against what was dispatched, and authorised documents. */
import { ApiError } from "./http";
import { session } from "./session";

export type TeamStatus = "available" | "standby" | "dispatched" | "resting" | "offline";

export interface Team {
  id: number;
  name: string;
  kind: string;
  org_id: number;
  headcount: number;
  phone: string | null;
  status: TeamStatus;
  status_at: string;
}

export interface Balance {
  depot_id: number;
  item_id: number;
  item: string;
  unit: string;
  quantity: number;
  min_level: number;
  low: boolean;
}

export interface Lot {
  id: number;
  depot_id: number;
  item_id: number;
  batch: string;
  received_date: string;
  expiry_date: string | null;
  quantity: number;
}

export interface Depot {
  id: number;
  name: string;
  org_id: number;
  lat: number;
  lon: number;
}

export interface Item {
  id: number;
  category: string;
  name: string;
  spec: string;
  unit: string;
}

export interface NearestDepot {
  kind: "depot";
  id: number;
  name: string;
  org_id: number;
  distance_km: number;
  item_id?: number;
  quantity?: number;
}

/** A response level's resources (`required`) and what has been sent (`dispatched`). */
export interface Needs {
  teams: { team_type: string; count: number; note?: string | null }[];
  items: { item_id?: number; name: string; quantity: number; unit: string }[];
}
export interface Sent {
  teams: Record<string, number>;
  items: Record<string, number>; // by item name
  item_ids?: Record<string, number>; // by catalogue id: what a required item_id compares with
}

export interface NeedRow {
  key: string;
  kind: "team" | "item";
  name: string; // a team kind or an item name
  unit: string;
  needed: number;
  sent: number;
  met: boolean;
}

/** Each required resource with how much of it was dispatched. */
export function needRows(required: Needs | undefined, sent: Sent | undefined): NeedRow[] {
  const rows: NeedRow[] = [];
  for (const need of required?.teams ?? []) {
    const kind = need.team_type; // the plan's team types are the team kinds
    const got = sent?.teams?.[kind] ?? 0;
    rows.push({ key: `team-${kind}`, kind: "team", name: kind, unit: "", needed: need.count, sent: got, met: got >= need.count });
  }
  for (const need of required?.items ?? []) {
    const got = need.item_id != null ? (sent?.item_ids?.[String(need.item_id)] ?? 0) : (sent?.items?.[need.name] ?? 0);
    rows.push({ key: `item-${need.name}`, kind: "item", name: need.name, unit: need.unit, needed: need.quantity, sent: got, met: got >= need.quantity });
  }
  return rows;
}

/** Open a document the API serves only with the bearer token (a report's text or print
 * view, the ICS-214 export): fetched, then shown in a new tab or saved as `download`. */
export async function openDocument(path: string, download?: string): Promise<void> {
  const target = download ? null : window.open("", "_blank");
  const response = await fetch(`/api/v1${path}`, { headers: session.token ? { Authorization: `Bearer ${session.token}` } : {} });
  if (!response.ok) {
    target?.close();
    throw new ApiError(response.status, `status_${response.status}`, response.statusText);
  }
  const url = URL.createObjectURL(await response.blob());
  if (target) target.location.href = url;
  else {
    const link = document.createElement("a");
    link.href = url;
    link.download = download!;
    link.click();
  }
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
