import { describe, expect, it } from "vitest";
import { countdown } from "./format";

const at = Date.parse("2026-12-02T01:00:00Z");
const after = (ms: number) => new Date(at + ms).toISOString();

describe("countdown", () => {
  it("shows the whole seconds left, never more than the deadline's distance", () => {
    // an hour after something reported 0.9 s after the view's last tick: still 1:00:00
    expect(countdown(after(3600_900), at)).toEqual({ text: "1:00:00", overdue: false });
    expect(countdown(after(3599_999), at).text).toBe("59:59");
    expect(countdown(after(61_000), at).text).toBe("01:01");
    expect(countdown(after(0), at)).toEqual({ text: "00:00", overdue: false });
  });

  it("is overdue from the moment the deadline passes", () => {
    expect(countdown(after(-300), at)).toEqual({ text: "-00:01", overdue: true });
    expect(countdown(after(-2 * 3600_000), at)).toEqual({ text: "-2:00:00", overdue: true });
  });

  it("has nothing to count without a deadline", () => {
    expect(countdown(null, at)).toEqual({ text: "—", overdue: false });
  });
});
