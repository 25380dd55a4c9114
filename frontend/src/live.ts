/** The app's one realtime connection and the UI config, shared by every screen. */
import { reactive } from "vue";
import { api } from "./api/http";
import { session, wsUrl } from "./api/session";
import type { UiConfig } from "./api/types";
import { RealtimeClient, type ConnectionState, type EventFrame } from "./realtime/client";

/** Every topic the user may see: the office screens follow plans, resources, orgs … too. */
export const TOPICS = ["*"];

export const live = reactive<{ state: ConnectionState; lastSeq: number | null; reconnects: number }>({
  state: "stopped",
  lastSeq: null,
  reconnects: 0,
});

let client: RealtimeClient | null = null;
let onExpired: () => void = () => {};
/** What to do when the server refuses the token (4401: expired or revoked). */
export function whenRealtimeUnauthorized(fn: () => void): void {
  onExpired = fn;
}
let clientUser: number | null = null;

/** The connection of the logged-in user (started on first use, restarted for another user). */
export function realtime(): RealtimeClient {
  const user = session.me?.id ?? null;
  if (client && clientUser === user) {
    client.start();
    return client;
  }
  client?.stop();
  clientUser = user;
  const created = new RealtimeClient({
    url: wsUrl,
    topics: TOPICS,
    storageKey: `yingji.seq.${user ?? "anonymous"}`,
  });
  created.onState((state) => {
    live.state = state;
    live.reconnects = created.reconnects;
    if (state === "unauthorized") onExpired();
  });
  created.onEvent((event: EventFrame) => {
    live.lastSeq = event.seq;
  });
  client = created;
  live.lastSeq = created.lastSeq;
  created.start();
  return created;
}

export function stopRealtime(): void {
  client?.stop();
  client = null;
  clientUser = null;
}

const fallback: UiConfig = {
  version: "",
  timezone: "Asia/Shanghai",
  tile_url: null,
  tile_attribution: null,
  tile_max_zoom: 18,
  map_center: null,
  map_zoom: 10,
};
export const uiConfig = reactive<UiConfig>({ ...fallback });
let configLoaded: Promise<void> | null = null;

export function loadUiConfig(): Promise<void> {
  configLoaded ??= api<UiConfig>("/ui-config")
    .then((config) => void Object.assign(uiConfig, config))
    .catch(() => {
      configLoaded = null; // try again on the next screen
    });
  return configLoaded;
}
