/**
 * A form's submission: `busy` while it runs, and the server's problem+json shown where it
 * belongs. `fields["name"]` is the message for that field (the API names fields by their
 * JSON path, e.g. `levels.0.actions.2.time_limit_min`; the path and each of its prefixes
 * get the message, so a form can show it on the item or on the whole section), in the
 * language the UI asked for. `error` is the problem's detail for the whole form.
 */
import { ref } from "vue";
import { ApiError } from "../api/http";

export function fieldMessages(problem: Record<string, any> | null): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of problem?.errors ?? []) {
    const path = String(item.field ?? "").replace(/^(body|query|path)\./, "");
    const parts = path.split(".");
    for (let n = parts.length; n > 0; n -= 1) {
      const key = parts.slice(0, n).join(".");
      out[key] ??= String(item.message ?? "");
    }
  }
  return out;
}

export function useForm() {
  const busy = ref(false);
  const error = ref("");
  const fields = ref<Record<string, string>>({});

  function clear(): void {
    error.value = "";
    fields.value = {};
  }

  /** Run `fn`; on an API error keep its messages and resolve to undefined. */
  async function submit<T>(fn: () => Promise<T>): Promise<T | undefined> {
    if (busy.value) return undefined;
    busy.value = true;
    clear();
    try {
      return await fn();
    } catch (e) {
      if (e instanceof ApiError) {
        fields.value = fieldMessages(e.problem);
        error.value = e.problem?.detail ?? e.message;
      } else {
        error.value = e instanceof Error ? e.message : String(e);
      }
      return undefined;
    } finally {
      busy.value = false;
    }
  }

  return { busy, error, fields, submit, clear };
}
