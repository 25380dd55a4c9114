/**
 * Names the plans and resources screens show for ids: orgs, people, depots and the item
 * catalogue, each loaded once and kept live (an `orgs`, `people` or `resources` event
 * reloads what it touches). Shared by the screens of both areas.
 */
import { reactive, ref } from "vue";
import { all, api } from "../api/http";
import type { Org, Person } from "../api/types";
import type { Depot, Item } from "./../api/resources";
import { onLiveEvents } from "../composables/liveEvents";

export const lookup = reactive({
  orgs: [] as Org[],
  depots: [] as Depot[],
  items: [] as Item[],
  people: new Map<number, Person>(),
});
const loaded = ref({ orgs: false, depots: false, items: false });
const pending = new Map<string, Promise<void>>();

async function once(what: "orgs" | "depots" | "items", force = false): Promise<void> {
  if (loaded.value[what] && !force) return;
  if (!force && pending.has(what)) return pending.get(what);
  const path = what === "orgs" ? "/orgs" : what === "depots" ? "/depots" : "/stock/items";
  const run = all<any>(path)
    .then((rows) => {
      (lookup as any)[what] = rows;
      loaded.value[what] = true;
    })
    .catch(() => undefined)
    .finally(() => pending.delete(what));
  pending.set(what, run);
  return run;
}

export const loadOrgs = (force = false) => once("orgs", force);
export const loadDepots = (force = false) => once("depots", force);
export const loadItems = (force = false) => once("items", force);

export function orgName(id: number | null | undefined): string {
  if (id === null || id === undefined) return "—";
  return lookup.orgs.find((o) => o.id === id)?.name ?? `#${id}`;
}

export function depotName(id: number | null | undefined): string {
  if (id === null || id === undefined) return "—";
  return lookup.depots.find((d) => d.id === id)?.name ?? `#${id}`;
}

export function itemOf(id: number | null | undefined): Item | undefined {
  return lookup.items.find((i) => i.id === id);
}

/** Orgs in tree order, each with its depth (for indented selects). */
export function orgOptions(): { id: number; label: string }[] {
  const byParent = new Map<number | null, Org[]>();
  const ids = new Set(lookup.orgs.map((o) => o.id));
  for (const org of lookup.orgs) {
    const parent = org.parent_id !== null && ids.has(org.parent_id) ? org.parent_id : null;
    byParent.set(parent, [...(byParent.get(parent) ?? []), org]);
  }
  const out: { id: number; label: string }[] = [];
  const walk = (parent: number | null, depth: number) => {
    for (const org of byParent.get(parent) ?? []) {
      out.push({ id: org.id, label: `${"\u3000".repeat(depth)}${org.name}` });
      walk(org.id, depth + 1);
    }
  };
  walk(null, 0);
  return out;
}

export async function ensurePeople(ids: (number | null | undefined)[]): Promise<void> {
  const missing = [...new Set(ids.filter((id): id is number => !!id && !lookup.people.has(id)))];
  await Promise.all(
    missing.map((id) =>
      api<Person>(`/people/${id}`)
        .then((p) => void lookup.people.set(id, p))
        .catch(() => undefined),
    ),
  );
}

export function personName(id: number | null | undefined): string {
  if (!id) return "—";
  return lookup.people.get(id)?.name ?? `#${id}`;
}

/** Keep the lookups of a screen live: org, people and resources changes reload them. */
export function keepLookupsLive(): void {
  onLiveEvents(["orgs"], () => void loadOrgs(true));
  onLiveEvents(["people"], (event) => {
    // a person renamed elsewhere: fetch again the ones shown (all of them after a resync)
    const ids = event ? [Number(event.data?.id)] : [...lookup.people.keys()];
    const shown = ids.filter((id) => lookup.people.has(id));
    shown.forEach((id) => lookup.people.delete(id));
    void ensurePeople(shown);
  });
  onLiveEvents(["resources"], (event) => {
    if (!event || event.type.startsWith("depot.")) void loadDepots(true);
    if (!event || event.type.startsWith("item.")) void loadItems(true);
  });
}

/** What the caller's roles allow (the server checks the org scope too and says why not). */
export function hasRole(roles: readonly string[] | undefined, allowed: readonly string[]): boolean {
  return (roles ?? []).some((r) => allowed.includes(r));
}
export const STAFF_ROLES = ["admin", "leader", "duty_officer"] as const;
export const TEAM_ROLES = [...STAFF_ROLES, "team_leader"] as const;
