/** The login session, kept in localStorage until the token expires: a phone logged in at the
 * start of a duty period stays logged in through it (token lifetime:
 * YINGJI_ACCESS_TOKEN_MINUTES). */
import { reactive } from "vue";
import type { Me } from "./types";

const KEY = "yingji.session";

export interface Session {
  token: string | null;
  expiresAt: string | null;
  me: Me | null;
}

function load(): Session {
  try {
    const raw = localStorage.getItem(KEY);
    if (raw) {
      const saved = JSON.parse(raw) as Session;
      if (saved.token && saved.expiresAt && Date.parse(saved.expiresAt) > Date.now()) return saved;
    }
  } catch {
    /* unreadable: log in again */
  }
  return { token: null, expiresAt: null, me: null };
}

export const session = reactive<Session>(load());

export function saveSession(token: string, expiresAt: string, me: Me | null): void {
  session.token = token;
  session.expiresAt = expiresAt;
  session.me = me;
  localStorage.setItem(KEY, JSON.stringify(session));
}

export function setMe(me: Me): void {
  session.me = me;
  localStorage.setItem(KEY, JSON.stringify(session));
}

export function clearSession(): void {
  session.token = session.expiresAt = null;
  session.me = null;
  localStorage.removeItem(KEY);
}

export function loggedIn(): boolean {
  return !!session.token && !!session.expiresAt && Date.parse(session.expiresAt) > Date.now();
}

export function wsUrl(): string | null {
  if (!loggedIn()) return null;
  const scheme = location.protocol === "https:" ? "wss:" : "ws:";
  return `${scheme}//${location.host}/ws?token=${encodeURIComponent(session.token!)}`;
}
