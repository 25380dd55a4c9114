/** Live warning statuses for the dispatch screen and the warning page: loaded over HTTP,
 * reloaded (throttled per warning) when its events arrive, all reloaded after a resync. */
import { onBeforeUnmount, onMounted, reactive, ref } from "vue";
import { api, ApiError } from "./api/http";
import type { Page, Warning, WarningStatusRead } from "./api/types";
import { realtime } from "./live";
import type { EventFrame } from "./realtime/client";
import { keyedThrottle } from "./realtime/debounce";

export const ACTIVE_LIMIT = 20;

/** The warning an event is about: `warning_id` in call/answer events, `id` in the
 * lifecycle ones (`warning.issued`, `.updated`, `.lifted` …, which carry the warning). */
export function warningIdOf(event: EventFrame): number | null {
  if (event.topic !== "warnings") return null;
  const id = Number(event.data.warning_id ?? event.data.id);
  return Number.isSafeInteger(id) && id > 0 ? id : null;
}

export function useWarnings(options: { only?: number; onEvent?: (e: EventFrame) => void } = {}) {
  const statuses = reactive(new Map<number, WarningStatusRead>());
  const loaded = ref(false);
  const error = ref("");

  async function loadOne(id: number): Promise<void> {
    try {
      const status = await api<WarningStatusRead>(`/warnings/${id}`);
      if (options.only === undefined && status.status !== "issued") statuses.delete(id);
      else statuses.set(id, status);
      if (options.only === undefined && statuses.size > ACTIVE_LIMIT) {
        // days of issuing: keep the newest ones (the list reload after a resync agrees)
        const oldest = [...statuses.keys()].sort((a, b) => a - b).slice(0, statuses.size - ACTIVE_LIMIT);
        for (const old of oldest) statuses.delete(old);
      }
    } catch (e) {
      if (e instanceof ApiError && e.status === 404) statuses.delete(id);
      if (options.only !== undefined) error.value = e instanceof Error ? e.message : String(e);
    }
  }

  async function loadAll(): Promise<void> {
    try {
      if (options.only !== undefined) {
        await loadOne(options.only);
      } else {
        const page = await api<Page<Warning>>(`/warnings?status=issued&limit=${ACTIVE_LIMIT}`);
        const ids = new Set(page.data.map((w) => w.id));
        for (const id of [...statuses.keys()]) if (!ids.has(id)) statuses.delete(id);
        await Promise.all(page.data.map((w) => loadOne(w.id)));
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
    options.onEvent?.(event);
    const id = warningIdOf(event);
    if (!id || (options.only !== undefined && id !== options.only)) return;
    // a township duty room learns of a county warning from the calls of its own people
    if (statuses.has(id) || options.only !== undefined || !event.type.match(/\.(lifted|cancelled|created)$/)) reload(id);
  }

  const stops: (() => void)[] = [];
  onMounted(() => {
    const client = realtime();
    stops.push(client.onEvent(onEvent), client.onResync(() => void loadAll()));
    void loadAll();
  });
  onBeforeUnmount(() => stops.forEach((stop) => stop()));

  return { statuses, loaded, error, loadAll, loadOne };
}
