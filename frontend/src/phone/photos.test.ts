import { describe, expect, it } from "vitest";
import { Outbox, type Queued } from "./outbox";
import { MemoryPhotos } from "./photos";

class MemoryStore {
  data = new Map<string, string>();
  getItem(k: string) {
    return this.data.get(k) ?? null;
  }
  setItem(k: string, v: string) {
    this.data.set(k, v);
  }
}

describe("a queued report with photos", () => {
  it("keeps the photos' keys in the queue and the photos apart until sent", async () => {
    const photos = new MemoryPhotos();
    const store = new MemoryStore();
    await photos.put("r1/0", new Blob(["jpeg bytes"], { type: "image/jpeg" }));
    const report: Queued = {
      kind: "feedback",
      id: "r1",
      warning_id: 3,
      body: { person_id: 2, evacuated: 6, roads_closed: 0, sites_checked: 0, text: null },
      photos: ["r1/0"],
      queued_at: "",
    };
    new Outbox(store, "k").add(report);
    expect(store.data.get("k")).not.toContain("jpeg bytes"); // the queue holds keys only
    const again = new Outbox(store, "k"); // after a reload
    let tries = 0;
    const send = async (item: Queued) => {
      tries += 1;
      if (tries === 1) return "retry" as const; // offline: stays queued, photo kept
      for (const key of item.kind === "feedback" ? item.photos ?? [] : []) {
        expect(await (await photos.get(key))?.text()).toBe("jpeg bytes");
        await photos.remove(key);
      }
      return "done" as const;
    };
    expect(await again.flush(send)).toBe(0);
    expect(await photos.get("r1/0")).not.toBeNull();
    expect(await again.flush(send)).toBe(1);
    expect(again.items()).toEqual([]);
    expect(await photos.get("r1/0")).toBeNull();
  });
});
