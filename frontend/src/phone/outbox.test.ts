import { describe, expect, it } from "vitest";
import { Outbox, type Queued, type SendResult } from "./outbox";

class MemoryStore {
  data = new Map<string, string>();
  getItem(k: string) {
    return this.data.get(k) ?? null;
  }
  setItem(k: string, v: string) {
    this.data.set(k, v);
  }
}

const ack = (id: string, warning = 1, person = 2): Queued => ({ kind: "ack", id, warning_id: warning, person_id: person, queued_at: "" });

describe("Outbox", () => {
  it("keeps answers across a reload until they are sent", async () => {
    const store = new MemoryStore();
    new Outbox(store, "k").add(ack("a"));
    const again = new Outbox(store, "k");
    expect(again.items()).toHaveLength(1);
    const sent: string[] = [];
    expect(await again.flush(async (item) => (sent.push(item.id), "done"))).toBe(1);
    expect(again.items()).toEqual([]);
    expect(sent).toEqual(["a"]);
  });

  it("queues the same answer once", () => {
    const box = new Outbox(new MemoryStore(), "k");
    box.add(ack("a"));
    box.add(ack("b"));
    box.add(ack("c", 1, 3));
    expect(box.items().map((i) => i.id)).toEqual(["a", "c"]);
  });

  it("stops at the first retry and keeps the rest in order", async () => {
    const box = new Outbox(new MemoryStore(), "k");
    ["a", "b", "c"].forEach((id, n) => box.add(ack(id, n + 1)));
    const results: Record<string, SendResult> = { a: "done", b: "retry", c: "done" };
    expect(await box.flush(async (item) => results[item.id])).toBe(1);
    expect(box.items().map((i) => i.id)).toEqual(["b", "c"]);
  });

  it("drops what the server refused for good, and treats a throw as retry", async () => {
    const box = new Outbox(new MemoryStore(), "k");
    box.add(ack("a", 1));
    box.add(ack("b", 2));
    await box.flush(async (item) => {
      if (item.id === "a") return "drop";
      throw new Error("network");
    });
    expect(box.items().map((i) => i.id)).toEqual(["b"]);
  });

  it("runs one flush at a time: concurrent flushes send nothing twice", async () => {
    const box = new Outbox(new MemoryStore(), "k");
    box.add(ack("a"));
    let calls = 0;
    const send = async () => {
      calls += 1;
      await new Promise((r) => setTimeout(r, 5));
      return "done" as const;
    };
    await Promise.all([box.flush(send), box.flush(send), box.flush(send)]);
    expect(calls).toBe(1);
  });

  it("survives a damaged store", () => {
    const store = new MemoryStore();
    store.setItem("k", "{not json");
    expect(new Outbox(store, "k").items()).toEqual([]);
  });
});
