/** `fetch` for the API: the bearer token, the UI language, problem+json errors. */
import { clearSession, session } from "./session";
import type { Me } from "./types";
import { saveSession } from "./session";

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly problem: Record<string, any> | null = null,
  ) {
    super(message);
  }
}

let language = "zh-CN";
export function setApiLanguage(lang: string): void {
  language = lang;
}

let onUnauthorized: () => void = () => {};
export function whenUnauthorized(fn: () => void): void {
  onUnauthorized = fn;
}

export async function api<T>(
  path: string,
  init: {
    method?: string;
    json?: unknown;
    form?: Record<string, string>;
    /** A file as the body (`File`: its own type) or multipart (`FormData`: the browser sets the boundary). */
    body?: Blob | FormData;
    /** What to read from the answer: JSON (the default), text (an HTML page), a blob (a download). */
    as?: "json" | "text" | "blob";
    signal?: AbortSignal;
  } = {},
): Promise<T> {
  const headers: Record<string, string> = { Accept: "application/json", "Accept-Language": language };
  let body: BodyInit | undefined;
  if (init.json !== undefined) {
    headers["Content-Type"] = "application/json";
    body = JSON.stringify(init.json);
  } else if (init.form) {
    body = new URLSearchParams(init.form);
  } else if (init.body) {
    body = init.body;
  }
  if (init.as && init.as !== "json") headers.Accept = "*/*";
  if (session.token) headers.Authorization = `Bearer ${session.token}`;
  let response: Response;
  try {
    response = await fetch(`/api/v1${path}`, { method: init.method ?? "GET", headers, body, signal: init.signal });
  } catch (error) {
    throw new ApiError(0, "network", error instanceof Error ? error.message : String(error));
  }
  if (response.status === 401 && session.token) {
    clearSession();
    onUnauthorized();
  }
  if (!response.ok) {
    let problem: Record<string, any> | null = null;
    try {
      problem = await response.json();
    } catch {
      /* not JSON */
    }
    const first = problem?.errors?.[0];
    const message = [problem?.detail ?? problem?.title ?? response.statusText, first?.message && `${first.field}: ${first.message}`]
      .filter(Boolean)
      .join(" — ");
    throw new ApiError(response.status, problem?.code ?? `status_${response.status}`, message, problem);
  }
  if (response.status === 204) return undefined as T;
  if (init.as === "text") return (await response.text()) as T;
  if (init.as === "blob") return (await response.blob()) as T;
  return (await response.json()) as T;
}

export async function login(username: string, password: string): Promise<Me> {
  const token = await api<{ access_token: string; expires_at: string }>("/auth/token", {
    method: "POST",
    form: { username, password },
  });
  saveSession(token.access_token, token.expires_at, null);
  const me = await api<Me>("/auth/me");
  saveSession(token.access_token, token.expires_at, me);
  return me;
}

/** Every page of a list (the lists cap `limit` at 500). */
export async function all<T>(path: string): Promise<T[]> {
  const out: T[] = [];
  const sep = path.includes("?") ? "&" : "?";
  for (let offset = 0; ; offset += 500) {
    const page = await api<{ data: T[]; count: number }>(`${path}${sep}limit=500&offset=${offset}`);
    out.push(...page.data);
    if (out.length >= page.count || page.data.length === 0) return out;
  }
}
