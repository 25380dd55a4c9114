import { afterEach, describe, expect, it, vi } from "vitest";
import type { IncidentReport } from "./api/types";
import { incidentIdOf, nextReport, openIncidents } from "./incidents";

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

  afterEach(() => vi.unstubAllGlobals());

  it("the open incidents with their next report are one request", async () => {
    const due = report(9, "due", "2026-12-02T05:00:00Z");
    const feature = (id: number, next: IncidentReport | null) => ({ type: "Feature", id, geometry: null, properties: { id, title: `#${id}`, status: "reported", next_report: next } });
    const fetch = vi.fn(async () => new Response(JSON.stringify({ type: "FeatureCollection", features: [feature(2, due), feature(1, null)] }), { status: 200 }));
    vi.stubGlobal("fetch", fetch);
    const found = await openIncidents();
    expect(fetch).toHaveBeenCalledTimes(1);
    expect(fetch.mock.calls[0]).toEqual(["/api/v1/incidents/geojson?unlocated=true&limit=30", expect.objectContaining({ method: "GET" })]);
    expect(found.map((i) => [i.id, i.next_report?.id ?? null])).toEqual([[2, 9], [1, null]]);
  });
});
