/**
 * A server list (`{"data", "count"}` with `limit` and `offset`) one page at a time, with
 * filters as query parameters: changing a filter goes back to the first page, and events of
 * `topics` reload the page shown (see `onLiveEvents`).
 *
 *   const teams = usePagedList<Team>("/teams", { filters: { kind: "", q: "" }, topics: ["resources"] });
 */
import { computed, reactive, ref, shallowRef, watch } from "vue";
import { api } from "../api/http";
import type { Page } from "../api/types";
import { onLiveEvents } from "./liveEvents";

type FilterValue = string | number | boolean | null | undefined;

export function query(params: Record<string, FilterValue>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value === "" || value === null || value === undefined) continue;
    search.set(key, String(value));
  }
  const text = search.toString();
  return text ? `?${text}` : "";
}

export function usePagedList<T, F extends Record<string, FilterValue> = Record<string, FilterValue>>(
  path: string | (() => string | null),
  options: { filters?: F; pageSize?: number; topics?: string[] } = {},
) {
  const filters = reactive({ ...(options.filters ?? {}) }) as F;
  const pageSize = ref(options.pageSize ?? 25);
  const offset = ref(0);
  const items = shallowRef<T[]>([]);
  const count = ref(0);
  const loading = ref(false);
  const error = ref("");
  const base = computed(() => (typeof path === "function" ? path() : path));
  let generation = 0;

  async function load(): Promise<void> {
    const where = base.value;
    if (!where) return;
    const mine = ++generation;
    loading.value = true;
    const sep = where.includes("?") ? "&" : "?";
    const params = query({ ...filters, limit: pageSize.value, offset: offset.value });
    try {
      const page = await api<Page<T>>(`${where}${params ? sep + params.slice(1) : ""}`);
      if (mine !== generation) return; // a newer load started meanwhile
      items.value = page.data;
      count.value = page.count;
      error.value = "";
      if (page.data.length === 0 && offset.value > 0 && page.count > 0) {
        offset.value = Math.max(0, Math.floor((page.count - 1) / pageSize.value) * pageSize.value);
      }
    } catch (e) {
      if (mine === generation) error.value = e instanceof Error ? e.message : String(e);
    } finally {
      if (mine === generation) loading.value = false;
    }
  }

  const page = computed(() => Math.floor(offset.value / pageSize.value) + 1);
  const pages = computed(() => Math.max(1, Math.ceil(count.value / pageSize.value)));
  function goTo(n: number): void {
    offset.value = (Math.min(Math.max(1, n), pages.value) - 1) * pageSize.value;
  }

  watch([base, () => ({ ...filters }), pageSize], () => {
    if (offset.value !== 0) offset.value = 0; // the offset watcher loads
    else void load();
  }, { deep: true });
  watch(offset, () => void load());
  if (options.topics?.length) onLiveEvents(options.topics, () => void load());
  void load();

  return { items, count, filters, loading, error, page, pages, pageSize, offset, goTo, reload: load };
}
