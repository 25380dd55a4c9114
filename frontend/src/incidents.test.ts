import { describe, expect, it } from "vitest";
import type { IncidentReport } from "./api/types";
import { incidentIdOf, nextReport } from "./incidents";

const report = (id: number, state: IncidentReport["state"], due_at: string | null): IncidentReport => ({
  id, incident_id: 1, kind: "initial", level: "county", state, due_at, sent_at: null, sent_to: null, via: null,
});
const frame = (topic: string, data: Record<string, unknown>) => ({ seq: 1, topic, type: "incident.log", data, at: "", org_id: null });

describe("incidents", () => {
  it("the next report is the open one due soonest", () => {
    const reports = [
      report(1, "sent", "2026-12-02T01:00:00Z"),
      report(2, "due", "2026-12-02T05:00:00Z"),
      report(3, "overdue", "2026-12-02T03:00:00Z"),
      report(4, "cancelled", "2026-12-02T02:00:00Z"),
    ];
    expect(nextReport(reports)?.id).toBe(3);
    expect(nextReport([report(1, "sent", null)])).toBeNull();
  });

  it("finds the incident of an event, only on the incidents topic", () => {
    expect(incidentIdOf(frame("incidents", { incident_id: 7, id: 99 }))).toBe(7);
    expect(incidentIdOf(frame("incidents", { id: 5 }))).toBe(5);
    expect(incidentIdOf(frame("warnings", { id: 5 }))).toBeNull();
    expect(incidentIdOf(frame("incidents", {}))).toBeNull();
  });
});
