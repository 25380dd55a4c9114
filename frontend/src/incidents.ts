/** Live incidents (a `useLiveStore`): the open ones for the dispatch screen, newest first,
 * from one request (`GET /incidents/geojson`, which carries each one's next report), and the
 * one an incident page follows. An incident's events reload it (throttled), a resync reloads
 * all, a closed one leaves the list. */
import { api } from "./api/http";
import type { Incident, IncidentDetail, IncidentReport, IncidentSummary } from "./api/types";
import { useLiveStore } from "./composables/liveStore";
import type { EventFrame } from "./realtime/client";

export const OPEN_LIMIT = 30;

/** The incident an event is about: `incident_id` in the response and report events, `id` in
 * `incident.created` / `.updated` / `.graded` (which carry the incident). */
export function incidentIdOf(event: EventFrame): number | null {
  if (event.topic !== "incidents") return null;
  const id = Number(event.data.incident_id ?? event.data.id);
  return Number.isSafeInteger(id) && id > 0 ? id : null;
}

/** The report due soonest (due or overdue), or null when none is open. */
export function nextReport(reports: IncidentReport[]): IncidentReport | null {
  const open = reports.filter((r) => (r.state === "due" || r.state === "overdue") && r.due_at);
  open.sort((a, b) => (a.due_at ?? "").localeCompare(b.due_at ?? "") || a.id - b.id);
  return open[0] ?? null;
}

interface Feature {
  id: number;
  properties: Incident & { next_report: IncidentReport | null };
}

/** The open incidents with their next report: one request for the whole list. */
export async function openIncidents(limit = OPEN_LIMIT): Promise<IncidentSummary[]> {
  const collection = await api<{ features: Feature[] }>(`/incidents/geojson?unlocated=true&limit=${limit}`);
  return collection.features.map((f) => f.properties);
}

const detail = (id: number) => api<IncidentDetail>(`/incidents/${id}`);
const isOpen = (i: Incident) => i.status !== "closed";

export function useIncidents(options: { onEvent?: (e: EventFrame, id: number) => void } = {}) {
  const store = useLiveStore<IncidentSummary>({
    idOf: incidentIdOf,
    idOfItem: (i) => i.id,
    list: () => openIncidents(),
    one: async (id) => {
      const found = await detail(id);
      return { ...found, next_report: nextReport(found.reports) };
    },
    keep: isOpen,
    limit: OPEN_LIMIT,
    onEvent: (event, id) => id && options.onEvent?.(event, id),
  });
  return { ...store, incidents: store.items };
}

/** One incident (its page): kept whatever its status. */
export function useIncident(id: number, onEvent?: (e: EventFrame, id: number) => void) {
  const store = useLiveStore<IncidentDetail>({
    idOf: incidentIdOf,
    idOfItem: (i) => i.id,
    list: async () => [await detail(id)],
    one: detail,
    keep: () => true,
    limit: 1,
    only: id,
    onEvent: (event, about) => about === id && onEvent?.(event, about),
  });
  return { ...store, incidents: store.items };
}
