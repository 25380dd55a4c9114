/**
 * The realtime channel (`/ws`, docs/api.md "Realtime") as the screens use it.
 *
 * - Subscribes with `since` = the highest seq processed, kept in storage, so a dropped
 *   connection, a reload or a closed laptop resumes where it stopped: no event is lost.
 * - Events with a seq at or below it are dropped: none is processed twice.
 * - Reconnects by itself with exponential backoff and jitter; pings to notice a dead link
 *   (a phone that left the network) and treats the browser's `offline` as a drop.
 * - `request()` sends an op (`ack`) with a `ref` and resolves with the server's reply.
 * - 4401 (bad or expired token) stops it: the screen sends the user to log in.
 */

export interface EventFrame {
  seq: number;
  topic: string;
  type: string;
  data: Record<string, any>;
  at: string;
  org_id: number | null;
}

export type ConnectionState = "connecting" | "live" | "reconnecting" | "offline" | "unauthorized" | "stopped";

export interface KeyValueStore {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
}

interface SocketLike {
  readyState: number;
  onopen: ((ev: any) => void) | null;
  onmessage: ((ev: { data: any }) => void) | null;
  onclose: ((ev: { code: number; reason?: string }) => void) | null;
  onerror: ((ev: any) => void) | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}

export type SocketFactory = (url: string) => SocketLike;

export interface RealtimeOptions {
  /** The full ws:// URL with `?token=`; null when there is no session (the client stops). */
  url: () => string | null;
  topics: string[];
  /** Where the last seq is kept (one key per user and screen). */
  storageKey: string;
  storage?: KeyValueStore;
  socket?: SocketFactory;
  minBackoffMs?: number;
  maxBackoffMs?: number;
  pingEveryMs?: number;
  pongTimeoutMs?: number;
  requestTimeoutMs?: number;
  random?: () => number;
  /** Listen to the browser's online/offline events (default: when `window` exists). */
  watchNetwork?: boolean;
}

export const CLOSE_UNAUTHORIZED = 4401;
const OPEN = 1;

interface Pending {
  resolve: (reply: Record<string, any>) => void;
  reject: (error: Error) => void;
  timer: ReturnType<typeof setTimeout>;
}

export class NotConnected extends Error {
  constructor() {
    super("not connected");
  }
}

export class RealtimeClient {
  state: ConnectionState = "stopped";
  lastSeq: number | null;
  /** Reconnects so far (for the indicator and the tests). */
  reconnects = 0;

  private socket: SocketLike | null = null;
  private attempt = 0;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private pingTimer: ReturnType<typeof setInterval> | null = null;
  private pongTimer: ReturnType<typeof setTimeout> | null = null;
  private subscribed = false;
  private refs = 0;
  private pending = new Map<string, Pending>();
  private eventListeners = new Set<(e: EventFrame) => void>();
  private stateListeners = new Set<(s: ConnectionState) => void>();
  private resyncListeners = new Set<() => void>();
  private readonly storage: KeyValueStore | null;
  private readonly opts: Required<
    Pick<RealtimeOptions, "minBackoffMs" | "maxBackoffMs" | "pingEveryMs" | "pongTimeoutMs" | "requestTimeoutMs">
  >;
  private readonly onOnline = () => this.networkBack();
  private readonly onOffline = () => this.networkLost();

  constructor(private readonly options: RealtimeOptions) {
    this.storage = options.storage ?? (typeof localStorage !== "undefined" ? localStorage : null);
    this.opts = {
      minBackoffMs: options.minBackoffMs ?? 500,
      maxBackoffMs: options.maxBackoffMs ?? 15_000,
      pingEveryMs: options.pingEveryMs ?? 15_000,
      pongTimeoutMs: options.pongTimeoutMs ?? 8_000,
      requestTimeoutMs: options.requestTimeoutMs ?? 15_000,
    };
    const stored = Number(this.storage?.getItem(options.storageKey) ?? NaN);
    this.lastSeq = Number.isSafeInteger(stored) && stored >= 0 ? stored : null;
  }

  get connected(): boolean {
    return this.state === "live";
  }

  onEvent(fn: (e: EventFrame) => void): () => void {
    this.eventListeners.add(fn);
    return () => this.eventListeners.delete(fn);
  }

  onState(fn: (s: ConnectionState) => void): () => void {
    this.stateListeners.add(fn);
    return () => this.stateListeners.delete(fn);
  }

  /** Called after every (re)subscription: screens reload what they show, then apply events. */
  onResync(fn: () => void): () => void {
    this.resyncListeners.add(fn);
    return () => this.resyncListeners.delete(fn);
  }

  start(): void {
    if (this.state !== "stopped" && this.state !== "unauthorized") return;
    if (this.watchesNetwork()) {
      window.addEventListener("online", this.onOnline);
      window.addEventListener("offline", this.onOffline);
      if (navigator.onLine === false) {
        this.setState("offline");
        return;
      }
    }
    this.connect();
  }

  stop(): void {
    if (this.watchesNetwork()) {
      window.removeEventListener("online", this.onOnline);
      window.removeEventListener("offline", this.onOffline);
    }
    this.clearTimers();
    this.dropSocket();
    this.setState("stopped");
  }

  /** Send an op frame and wait for its reply (matched by `ref`). */
  request(frame: Record<string, unknown>, timeoutMs = this.opts.requestTimeoutMs): Promise<Record<string, any>> {
    if (!this.socket || !this.subscribed || this.socket.readyState !== OPEN) {
      return Promise.reject(new NotConnected());
    }
    const ref = `r${Date.now().toString(36)}-${++this.refs}`;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(ref);
        reject(new Error("request timed out"));
      }, timeoutMs);
      this.pending.set(ref, { resolve, reject, timer });
      try {
        this.socket!.send(JSON.stringify({ ...frame, ref }));
      } catch (error) {
        clearTimeout(timer);
        this.pending.delete(ref);
        reject(error instanceof Error ? error : new Error(String(error)));
      }
    });
  }

  private watchesNetwork(): boolean {
    return (this.options.watchNetwork ?? typeof window !== "undefined") && typeof window !== "undefined";
  }

  private connect(): void {
    const url = this.options.url();
    if (url === null) {
      this.setState("unauthorized");
      return;
    }
    this.setState(this.attempt === 0 && this.reconnects === 0 ? "connecting" : "reconnecting");
    const factory: SocketFactory = this.options.socket ?? ((u) => new WebSocket(u) as unknown as SocketLike);
    let socket: SocketLike;
    try {
      socket = factory(url);
    } catch {
      this.scheduleRetry();
      return;
    }
    this.socket = socket;
    this.subscribed = false;
    socket.onopen = () => {
      if (socket !== this.socket) return;
      const frame: Record<string, unknown> = { op: "subscribe", topics: this.options.topics };
      if (this.lastSeq !== null) frame.since = this.lastSeq;
      socket.send(JSON.stringify(frame));
    };
    socket.onmessage = (message) => {
      if (socket !== this.socket) return;
      this.received(String(message.data));
    };
    socket.onerror = () => {
      /* onclose follows */
    };
    socket.onclose = (event) => {
      if (socket !== this.socket) return;
      this.socket = null;
      this.subscribed = false;
      this.failPending();
      this.clearHeartbeat();
      if (event.code === CLOSE_UNAUTHORIZED) {
        this.setState("unauthorized");
        return;
      }
      if (this.state === "offline" || this.state === "stopped") return;
      this.scheduleRetry();
    };
  }

  private received(text: string): void {
    this.armPongTimeout(); // any frame proves the link is alive
    let frame: Record<string, any>;
    try {
      frame = JSON.parse(text);
    } catch {
      return;
    }
    if (typeof frame.seq === "number") {
      this.deliver(frame as EventFrame);
      return;
    }
    if (frame.op === "subscribed") {
      this.subscribed = true;
      this.attempt = 0;
      if (this.lastSeq === null && typeof frame.since === "number") this.remember(frame.since);
      this.setState("live");
      this.startHeartbeat();
      for (const fn of this.resyncListeners) fn();
      return;
    }
    if (typeof frame.ref === "string" && this.pending.has(frame.ref)) {
      const waiting = this.pending.get(frame.ref)!;
      this.pending.delete(frame.ref);
      clearTimeout(waiting.timer);
      waiting.resolve(frame);
    }
  }

  private deliver(event: EventFrame): void {
    if (this.lastSeq !== null && event.seq <= this.lastSeq) return; // seen: no duplicate
    this.remember(event.seq);
    for (const fn of this.eventListeners) {
      try {
        fn(event);
      } catch (error) {
        console.error("realtime listener failed", error);
      }
    }
  }

  private remember(seq: number): void {
    this.lastSeq = seq;
    try {
      this.storage?.setItem(this.options.storageKey, String(seq));
    } catch {
      /* storage full or denied: the in-memory seq still dedupes */
    }
  }

  private scheduleRetry(): void {
    this.clearTimers();
    const ceiling = Math.min(this.opts.maxBackoffMs, this.opts.minBackoffMs * 2 ** this.attempt);
    const delay = ceiling / 2 + (this.options.random ?? Math.random)() * (ceiling / 2);
    this.attempt += 1;
    this.setState("reconnecting");
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.reconnects += 1;
      this.connect();
    }, delay);
  }

  private networkLost(): void {
    this.clearTimers();
    this.dropSocket();
    this.setState("offline");
  }

  private networkBack(): void {
    if (this.state !== "offline") return;
    this.attempt = 0;
    this.reconnects += 1;
    this.connect();
  }

  private startHeartbeat(): void {
    this.clearHeartbeat();
    this.pingTimer = setInterval(() => {
      if (this.socket?.readyState === OPEN) this.socket.send('{"op":"ping"}');
    }, this.opts.pingEveryMs);
    this.armPongTimeout();
  }

  private armPongTimeout(): void {
    if (this.pongTimer) clearTimeout(this.pongTimer);
    if (!this.subscribed) return;
    this.pongTimer = setTimeout(() => {
      // nothing heard for a ping period and then some: the link is dead
      const dead = this.socket;
      this.socket = null;
      this.subscribed = false;
      this.failPending();
      dead?.close(4000, "no answer to ping");
      this.scheduleRetry();
    }, this.opts.pingEveryMs + this.opts.pongTimeoutMs);
  }

  private clearHeartbeat(): void {
    if (this.pingTimer) clearInterval(this.pingTimer);
    if (this.pongTimer) clearTimeout(this.pongTimer);
    this.pingTimer = this.pongTimer = null;
  }

  private clearTimers(): void {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.clearHeartbeat();
  }

  private dropSocket(): void {
    const socket = this.socket;
    this.socket = null;
    this.subscribed = false;
    this.failPending();
    if (socket) {
      try {
        socket.close(1000, "client closed");
      } catch {
        /* already closed */
      }
    }
  }

  private failPending(): void {
    for (const waiting of this.pending.values()) {
      clearTimeout(waiting.timer);
      waiting.reject(new NotConnected());
    }
    this.pending.clear();
  }

  private setState(state: ConnectionState): void {
    if (this.state === state) return;
    this.state = state;
    for (const fn of this.stateListeners) fn(state);
  }
}
