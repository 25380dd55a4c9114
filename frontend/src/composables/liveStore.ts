/**
 * One kind of object kept live: the current set loaded over HTTP, an object reloaded (at most
 * every `ms` per object) when its events arrive, everything reloaded after a resync. The
 * open incidents and the active warnings of the dispatch screen are such stores, and so is
 * the one object a warning or incident page follows (`only`).
 */
import { onBeforeUnmount, onMounted, reactive, ref } from "vue";
import { ApiError } from "../api/http";
import { realtime } from "../live";
import type { EventFrame } from "../realtime/client";
import { keyedThrottle } from "../realtime/debounce";

export interface LiveStoreOptions<T> {
  /** The object an event is about, or null (another topic, or not about one). */
  idOf: (event: EventFrame) => number | null;
  /** The current set, newest first (one or two requests). */
  list: () => Promise<T[]>;
  /** One object, after its events. */
  one: (id: number) => Promise<T>;
  /** Whether an object belongs in the set (a closed incident, a lifted warning leave it). */
  keep: (item: T) => boolean;
  idOfItem: (item: T) => number;
  /** At most this many are kept: the newest (highest ids). */
  limit: number;
  /** Follow this one object only (a detail page): it stays whatever its state. */
  only?: number;
  /** Every event, before the store reacts to it. */
  onEvent?: (event: EventFrame, id: number | null) => void;
  /** Whether an event about `id` reloads it (`known`: it is in the store). Default: yes. */
  reloads?: (event: EventFrame, id: number, known: boolean) => boolean;
  ms?: number;
}

/** The newest `limit` ids of `ids` are kept; the others are returned for removal. */
export function overLimit(ids: Iterable<number>, limit: number): number[] {
  const all = [...ids].sort((a, b) => a - b);
  return all.slice(0, Math.max(0, all.length - limit));
}

export function useLiveStore<T>(options: LiveStoreOptions<T>) {
  const items = reactive(new Map<number, T>()) as Map<number, T>;
  const loaded = ref(false);
  const error = ref("");
  const single = options.only !== undefined;
  const message = (e: unknown) => (e instanceof Error ? e.message : String(e));

  function put(item: T): void {
    const id = options.idOfItem(item);
    if (!single && !options.keep(item)) items.delete(id);
    else items.set(id, item);
    if (!single) for (const old of overLimit(items.keys(), options.limit)) items.delete(old);
  }

  async function loadOne(id: number): Promise<void> {
    try {
      put(await options.one(id));
      if (single) error.value = "";
    } catch (e) {
      if (e instanceof ApiError && e.status === 404) items.delete(id);
      if (single) error.value = message(e);
    }
  }

  async function loadAll(): Promise<void> {
    try {
      if (single) {
        await loadOne(options.only!);
      } else {
        const found = await options.list();
        const ids = new Set(found.map(options.idOfItem));
        for (const id of [...items.keys()]) if (!ids.has(id)) items.delete(id);
        found.forEach(put);
      }
      error.value = "";
    } catch (e) {
      error.value = message(e);
    } finally {
      loaded.value = true;
    }
  }

  const reload = keyedThrottle((id: number) => void loadOne(id), options.ms ?? 300);

  function onEvent(event: EventFrame): void {
    const id = options.idOf(event);
    options.onEvent?.(event, id);
    if (!id || (single && id !== options.only)) return;
    if (options.reloads && !options.reloads(event, id, items.has(id))) return;
    reload(id);
  }

  const stops: (() => void)[] = [];
  onMounted(() => {
    const client = realtime();
    stops.push(client.onEvent(onEvent), client.onResync(() => void loadAll()));
    void loadAll();
  });
  onBeforeUnmount(() => stops.forEach((stop) => stop()));

  return { items, loaded, error, loadAll, loadOne };
}
