/** Live incidents for the dispatch screen and the incident page: loaded over HTTP, reloaded
 * (throttled per incident) when their events arrive, all reloaded after a resync. */
import { onBeforeUnmount, onMounted, reactive, ref } from "vue";
import { api, ApiError } from "./api/http";
import type { Incident, IncidentDetail, IncidentReport, Page } from "./api/types";
import { realtime } from "./live";
import type { EventFrame } from "./realtime/client";
import { keyedThrottle } from "./realtime/debounce";

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
  open.sort((a, b) => (a.due_at ?? "").localeCompare(b.due_at ?? ""));
  return open[0] ?? null;
}

export function useIncidents(options: { only?: number; onEvent?: (e: EventFrame, id: number) => void } = {}) {
  const incidents = reactive(new Map<number, IncidentDetail>());
  const loaded = ref(false);
  const error = ref("");

  function trim() {
    if (options.only !== undefined || incidents.size <= OPEN_LIMIT) return;
    const oldest = [...incidents.keys()].sort((a, b) => a - b).slice(0, incidents.size - OPEN_LIMIT);
    for (const old of oldest) incidents.delete(old);
  }

  async function loadOne(id: number): Promise<void> {
    try {
      const detail = await api<IncidentDetail>(`/incidents/${id}`);
      if (options.only === undefined && detail.status === "closed") incidents.delete(id);
      else incidents.set(id, detail);
      trim();
      if (options.only !== undefined) error.value = "";
    } catch (e) {
      if (e instanceof ApiError && e.status === 404) incidents.delete(id);
      if (options.only !== undefined) error.value = e instanceof Error ? e.message : String(e);
    }
  }

  async function loadAll(): Promise<void> {
    try {
      if (options.only !== undefined) {
        await loadOne(options.only);
      } else {
        const page = await api<Page<Incident>>(`/incidents?open=true&limit=${OPEN_LIMIT}`);
        const ids = new Set(page.data.map((i) => i.id));
        for (const id of [...incidents.keys()]) if (!ids.has(id)) incidents.delete(id);
        await Promise.all(page.data.map((i) => loadOne(i.id)));
      }
      error.value = "";
    } catch (e) {
      error.value = e instanceof Error ? e.message : String(e);
    } finally {
      loaded.value = true;
    }
  }

  const reload = keyedThrottle((id: number) => void loadOne(id), 300);

  function onEvent(event: EventFrame) {
    const id = incidentIdOf(event);
    if (!id || (options.only !== undefined && id !== options.only)) return;
    options.onEvent?.(event, id);
    reload(id);
  }

  const stops: (() => void)[] = [];
  onMounted(() => {
    const client = realtime();
    stops.push(client.onEvent(onEvent), client.onResync(() => void loadAll()));
    void loadAll();
  });
  onBeforeUnmount(() => stops.forEach((stop) => stop()));

  return { incidents, loaded, error, loadAll, loadOne };
}
