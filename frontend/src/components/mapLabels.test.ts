import { describe, expect, it } from "vitest";
import { overlaps, placeLabels, rectOf, type LabelBox } from "./mapLabels";

const box = (key: string, x: number, y: number, priority = 1, width = 80): LabelBox => ({ key, x, y, width, height: 20, radius: 9, priority });

describe("map labels", () => {
  it("labels far apart all go to the right", () => {
    const placed = placeLabels([box("a", 0, 0), box("b", 0, 100), box("c", 300, 0)]);
    expect([...placed.values()]).toEqual(["right", "right", "right"]);
  });

  it("a label that would overlap takes another side, and the first placed wins", () => {
    const placed = placeLabels([box("town", -50, 5, 2), box("incident", 0, 0, 0)]);
    expect(placed.get("incident")).toBe("right");
    expect(placed.get("town")).not.toBe("right");
    expect(placed.get("town")).toBe("left");
  });

  it("no placed label overlaps another one or another marker; crowded ones hide", () => {
    const crowd = Array.from({ length: 12 }, (_, i) => box(`t${i}`, (i % 4) * 12, Math.floor(i / 4) * 12, i));
    const placed = placeLabels(crowd);
    const shown = crowd.filter((b) => placed.get(b.key));
    expect(shown.length).toBeGreaterThan(1);
    expect(shown.length).toBeLessThan(crowd.length);
    const rects = shown.map((b) => rectOf(b, placed.get(b.key)!));
    for (let i = 0; i < rects.length; i++) for (let j = i + 1; j < rects.length; j++) expect(overlaps(rects[i], rects[j])).toBe(false);
    expect(placed.get("t0")).toBe("left"); // the first placed still finds a free side
  });

  it("an incident's label is never hidden, and the others avoid it", () => {
    const crowd = Array.from({ length: 9 }, (_, i) => box(`t${i}`, (i % 3) * 12, Math.floor(i / 3) * 12, 5 + i));
    const pin = { ...box("pin", 12, 12, 0), keep: true };
    const placed = placeLabels([...crowd, pin], { left: -200, top: -200, right: 200, bottom: 200 });
    expect(placed.get("pin")).not.toBeNull();
    const pinRect = rectOf(pin, placed.get("pin")!);
    for (const b of crowd) if (placed.get(b.key)) expect(overlaps(rectOf(b, placed.get(b.key)!), pinRect)).toBe(false);
  });

  it("labels stay inside the map", () => {
    const placed = placeLabels([box("edge", 390, 50)], { left: 0, top: 0, right: 400, bottom: 300 });
    expect(placed.get("edge")).toBe("left");
  });
});
