import { describe, expect, it } from "vitest";
import { overLimit } from "./liveStore";

describe("live store", () => {
  it("keeps the newest ids and drops the oldest over the limit", () => {
    expect(overLimit([5, 1, 9, 3], 2)).toEqual([1, 3]);
    expect(overLimit([5, 1], 2)).toEqual([]);
    expect(overLimit([], 0)).toEqual([]);
  });
});
