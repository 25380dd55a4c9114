import { describe, expect, it } from "vitest";
import { INCIDENT_KEYS, incidentAction } from "./incidentKeys";

describe("incident shortcuts", () => {
  it("each key has one action, in either case", () => {
    expect(new Set(INCIDENT_KEYS.map((k) => k.keys)).size).toBe(INCIDENT_KEYS.length);
    expect(incidentAction({ key: "s" }, false)).toBe("status");
    expect(incidentAction({ key: "S" }, false)).toBe("status");
    expect(incidentAction({ key: "Escape" }, false)).toBe("back");
    expect(incidentAction({ key: "?" }, false)).toBe("help");
  });

  it("nothing happens while typing or with a modifier", () => {
    expect(incidentAction({ key: "r" }, true)).toBeNull();
    expect(incidentAction({ key: "r", ctrlKey: true }, false)).toBeNull();
    expect(incidentAction({ key: "q" }, false)).toBeNull();
  });
});
