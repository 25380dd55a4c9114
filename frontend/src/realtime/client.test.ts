import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { BoundedList, BoundedSet } from "./bounded";
import { CLOSE_UNAUTHORIZED, NotConnected, RealtimeClient, type EventFrame } from "./client";

/** A scripted server end of a socket: the test plays the server's frames. */
class FakeSocket {
  static all: FakeSocket[] = [];
  readyState = 0;
  sent: any[] = [];
  onopen: ((ev: any) => void) | null = null;
  onmessage: ((ev: { data: any }) => void) | null = null;
  onclose: ((ev: { code: number }) => void) | null = null;
  onerror: ((ev: any) => void) | null = null;
  constructor(readonly url: string) {
    FakeSocket.all.push(this);
  }
  send(data: string) {
    this.sent.push(JSON.parse(data));
  }
  close(code = 1000) {
    if (this.readyState === 3) return;
    this.readyState = 3;
    this.onclose?.({ code });
  }
  open() {
    this.readyState = 1;
    this.onopen?.({});
  }
  frame(data: object) {
    this.onmessage?.({ data: JSON.stringify(data) });
  }
  drop(code = 1006) {
    this.readyState = 3;
    this.onclose?.({ code });
  }
}

class MemoryStore {
  data = new Map<string, string>();
  getItem(k: string) {
    return this.data.get(k) ?? null;
  }
  setItem(k: string, v: string) {
    this.data.set(k, v);
  }
}

const event = (seq: number): EventFrame => ({ seq, topic: "warnings", type: "warning.acked", data: { warning_id: 1 }, at: "", org_id: 1 });
const last = () => FakeSocket.all[FakeSocket.all.length - 1];

function client(store = new MemoryStore()) {
  const c = new RealtimeClient({
    url: () => "ws://x/ws?token=t",
    topics: ["warnings"],
    storageKey: "seq",
    storage: store,
    socket: (url) => new FakeSocket(url),
    watchNetwork: false,
    random: () => 0.5,
    minBackoffMs: 100,
    maxBackoffMs: 1000,
  });
  const seen: number[] = [];
  c.onEvent((e) => seen.push(e.seq));
  return { c, seen, store };
}

beforeEach(() => {
  FakeSocket.all = [];
  vi.useFakeTimers();
});
afterEach(() => vi.useRealTimers());

describe("RealtimeClient", () => {
  it("subscribes without since the first time and remembers where the stream starts", () => {
    const { c, store } = client();
    c.start();
    last().open();
    expect(last().sent[0]).toEqual({ op: "subscribe", topics: ["warnings"] });
    last().frame({ op: "subscribed", topics: ["warnings"], since: 41 });
    expect(c.state).toBe("live");
    expect(store.getItem("seq")).toBe("41");
  });

  it("resumes with since after a drop, and drops replayed duplicates", async () => {
    const { c, seen } = client();
    const resyncs = vi.fn();
    c.onResync(resyncs);
    c.start();
    last().open();
    last().frame({ op: "subscribed", since: 10 });
    last().frame(event(11));
    last().frame(event(12));
    last().drop();
    expect(c.state).toBe("reconnecting");
    await vi.advanceTimersByTimeAsync(100);
    expect(FakeSocket.all).toHaveLength(2);
    last().open();
    expect(last().sent[0]).toEqual({ op: "subscribe", topics: ["warnings"], since: 12 });
    last().frame({ op: "subscribed", since: 12 });
    // a replay that overlaps what was seen (and a live frame racing it) stays exactly-once
    for (const seq of [12, 13, 13, 11, 14]) last().frame(event(seq));
    expect(seen).toEqual([11, 12, 13, 14]);
    expect(resyncs).toHaveBeenCalledTimes(2);
  });

  it("keeps the seq across a reload (storage)", () => {
    const store = new MemoryStore();
    store.setItem("seq", "99");
    const { c } = client(store);
    c.start();
    last().open();
    expect(last().sent[0].since).toBe(99);
  });

  it("backs off exponentially up to the ceiling and resets once subscribed", async () => {
    const { c } = client();
    c.start();
    const delays: number[] = [];
    for (let i = 0; i < 6; i += 1) {
      const before = FakeSocket.all.length;
      last().drop();
      let waited = 0;
      while (FakeSocket.all.length === before) {
        await vi.advanceTimersByTimeAsync(25);
        waited += 25;
      }
      delays.push(waited);
    }
    // random 0.5: 3/4 of min(1000, 100·2^n)
    expect(delays).toEqual([75, 150, 300, 600, 750, 750]);
    last().open();
    last().frame({ op: "subscribed", since: 1 });
    last().drop();
    await vi.advanceTimersByTimeAsync(75);
    expect(c.reconnects).toBe(7);
  });

  it("stops on 4401 (expired token) instead of retrying", async () => {
    const { c } = client();
    c.start();
    last().open();
    last().drop(CLOSE_UNAUTHORIZED);
    expect(c.state).toBe("unauthorized");
    await vi.advanceTimersByTimeAsync(60_000);
    expect(FakeSocket.all).toHaveLength(1);
  });

  it("notices a dead link when nothing answers its pings", async () => {
    const { c } = client();
    c.start();
    last().open();
    last().frame({ op: "subscribed", since: 1 });
    await vi.advanceTimersByTimeAsync(15_000);
    expect(last().sent.at(-1)).toEqual({ op: "ping" });
    await vi.advanceTimersByTimeAsync(8_100);
    expect(c.state).toBe("reconnecting");
    await vi.advanceTimersByTimeAsync(100);
    expect(FakeSocket.all).toHaveLength(2);
  });

  it("matches a request's reply by ref, and fails requests when not connected", async () => {
    const { c } = client();
    await expect(c.request({ op: "ack" })).rejects.toBeInstanceOf(NotConnected);
    c.start();
    last().open();
    last().frame({ op: "subscribed", since: 1 });
    const reply = c.request({ op: "ack", warning_id: 1, person_id: 2 });
    const sent = last().sent.at(-1);
    expect(sent).toMatchObject({ op: "ack", warning_id: 1, person_id: 2 });
    last().frame({ op: "acked", state: "acknowledged", ref: sent.ref });
    await expect(reply).resolves.toMatchObject({ op: "acked", ref: sent.ref });
    const lost = c.request({ op: "ack", warning_id: 1, person_id: 3 });
    last().drop();
    await expect(lost).rejects.toBeInstanceOf(NotConnected);
  });
});

describe("bounded lists", () => {
  it("keep only the newest items", () => {
    const list = new BoundedList<number>(3);
    for (let i = 0; i < 10_000; i += 1) list.push(i);
    expect(list.size).toBe(3);
    expect(list.toArray()).toEqual([9999, 9998, 9997]);
  });

  it("forget the oldest keys", () => {
    const set = new BoundedSet<number>(2);
    expect([set.add(1), set.add(1), set.add(2), set.add(3), set.add(1)]).toEqual([true, false, true, true, true]);
    expect(set.size).toBe(2);
  });
});

describe("keyedThrottle", () => {
  it("turns a burst into one call per key and keeps calling under a steady stream", async () => {
    const { keyedThrottle } = await import("./debounce");
    const calls: number[] = [];
    const reload = keyedThrottle((id: number) => calls.push(id), 300);
    for (let i = 0; i < 500; i += 1) reload(1);
    reload(2);
    await vi.advanceTimersByTimeAsync(300);
    expect(calls).toEqual([1, 2]);
    for (let t = 0; t < 3000; t += 100) {
      reload(1);
      await vi.advanceTimersByTimeAsync(100);
    }
    expect(calls.filter((id) => id === 1).length).toBeGreaterThanOrEqual(10);
  });
});
