/**
 * Answers made on the phone wait here (localStorage) until the server has them: a tap on
 * "Received" without network is kept across reloads and sent once the connection is back.
 * The server's ack is idempotent and feedback carries a `client_id`, so a resend after a
 * lost reply is harmless; a stored item is removed only when the server confirmed it.
 */
import type { KeyValueStore } from "../realtime/client";

export interface QueuedAck {
  kind: "ack";
  id: string;
  warning_id: number;
  person_id: number;
  feedback?: string;
  queued_at: string;
}

export interface QueuedFeedback {
  kind: "feedback";
  id: string; // also the feedback's client_id
  warning_id: number;
  body: {
    person_id: number;
    evacuated: number;
    roads_closed: number;
    sites_checked: number;
    text: string | null;
  };
  /** keys of its photos in the phone's photo store (`phone/photos.ts`), sent with it */
  photos?: string[];
  queued_at: string;
}

export type Queued = QueuedAck | QueuedFeedback;
/** done: the server has it; retry: try again later (no network); drop: refused for good. */
export type SendResult = "done" | "retry" | "drop";

export const MAX_QUEUED = 200;

export class Outbox {
  private flushing: Promise<number> | null = null;
  private listeners = new Set<(items: Queued[]) => void>();

  constructor(
    private readonly storage: KeyValueStore,
    private readonly key: string,
  ) {}

  items(): Queued[] {
    try {
      const parsed = JSON.parse(this.storage.getItem(this.key) ?? "[]");
      return Array.isArray(parsed) ? (parsed as Queued[]) : [];
    } catch {
      return [];
    }
  }

  onChange(fn: (items: Queued[]) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** Queue an answer; the same ack (warning, person) is queued once. */
  add(item: Queued): void {
    const items = this.items();
    if (item.kind === "ack" && items.some((i) => i.kind === "ack" && i.warning_id === item.warning_id && i.person_id === item.person_id)) {
      return;
    }
    if (items.some((i) => i.id === item.id)) return;
    items.push(item);
    this.save(items.slice(-MAX_QUEUED));
  }

  has(predicate: (item: Queued) => boolean): boolean {
    return this.items().some(predicate);
  }

  /** Send the queue in order; stops at the first `retry`. Resolves with how many were sent. */
  flush(send: (item: Queued) => Promise<SendResult>): Promise<number> {
    this.flushing ??= this.run(send).finally(() => {
      this.flushing = null;
    });
    return this.flushing;
  }

  private async run(send: (item: Queued) => Promise<SendResult>): Promise<number> {
    let sent = 0;
    for (const item of this.items()) {
      let result: SendResult;
      try {
        result = await send(item);
      } catch {
        result = "retry";
      }
      if (result === "retry") break;
      this.save(this.items().filter((i) => i.id !== item.id));
      if (result === "done") sent += 1;
    }
    return sent;
  }

  private save(items: Queued[]): void {
    this.storage.setItem(this.key, JSON.stringify(items));
    for (const fn of this.listeners) fn(items);
  }
}

export function newId(): string {
  return `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}`;
}
