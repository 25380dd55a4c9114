/** Live warning statuses for the dispatch screen and the warning page (a `useLiveStore`):
 * the active ones, each reloaded (throttled) when its events arrive, all after a resync. */
import { api } from "./api/http";
import type { Page, Warning, WarningStatusRead } from "./api/types";
import { useLiveStore } from "./composables/liveStore";
import type { EventFrame } from "./realtime/client";

export const ACTIVE_LIMIT = 20;

/** The warning an event is about: `warning_id` in call/answer events, `id` in the
 * lifecycle ones (`warning.issued`, `.updated`, `.lifted` …, which carry the warning). */
export function warningIdOf(event: EventFrame): number | null {
  if (event.topic !== "warnings") return null;
  const id = Number(event.data.warning_id ?? event.data.id);
  return Number.isSafeInteger(id) && id > 0 ? id : null;
}

const status = (id: number) => api<WarningStatusRead>(`/warnings/${id}`);

async function active(): Promise<WarningStatusRead[]> {
  const page = await api<Page<Warning>>(`/warnings?status=issued&limit=${ACTIVE_LIMIT}`);
  const found = await Promise.allSettled(page.data.map((w) => status(w.id)));
  return found.flatMap((r) => (r.status === "fulfilled" ? [r.value] : []));
}

export function useWarnings(options: { only?: number; onEvent?: (e: EventFrame) => void } = {}) {
  const store = useLiveStore<WarningStatusRead>({
    idOf: warningIdOf,
    idOfItem: (w) => w.id,
    list: active,
    one: status,
    keep: (w) => w.status === "issued",
    limit: ACTIVE_LIMIT,
    only: options.only,
    onEvent: (event) => options.onEvent?.(event),
    // a township duty room learns of a county warning from the calls of its own people
    reloads: (event, _id, known) => known || options.only !== undefined || !/\.(lifted|cancelled|created)$/.test(event.type),
  });
  return { ...store, statuses: store.items };
}
