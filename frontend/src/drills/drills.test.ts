import { describe, expect, it } from "vitest";
import { createI18n } from "vue-i18n";
import {
  ACTION_STATUSES,
  COMPLIANCE_STATES,
  CRITERIA,
  DRILL_SCOPES,
  DRILL_STATUSES,
  DRILL_TYPES,
  STEPS,
  byUrgency,
  duration,
  type ComplianceItem,
} from "../api/drills";
import { missingHandler } from "../i18n/index";
import { messages } from "../i18n/messages";
import { addMonths, byDay, fromLocalInput, localDay, monthGrid, monthRange, toLocalInput } from "./calendar";

const ZONE = "Asia/Shanghai";

/** The labels the drills screens build from an API value. */
const dynamic: [string, readonly string[]][] = [
  ["drills.type", DRILL_TYPES],
  ["drills.scope", DRILL_SCOPES],
  ["drills.status", DRILL_STATUSES],
  ["drills.criterion", CRITERIA],
  ["drills.action_status", ACTION_STATUSES],
  ["drills.compliance_state", COMPLIANCE_STATES],
  ["drills.step", STEPS],
  ["drills.every", ["year", "half", "three_years"]],
];

describe("drills labels", () => {
  for (const locale of ["zh-CN", "en"]) {
    it(`${locale} has a label for every value`, () => {
      const { t } = createI18n({ legacy: false, locale, fallbackLocale: false, missing: missingHandler, messages }).global;
      for (const [prefix, values] of dynamic) {
        for (const value of values) expect(t(`${prefix}.${value}`), `${prefix}.${value}`).not.toBe(`${prefix}.${value}`);
      }
    });
  }
});

describe("the month view in the service's zone", () => {
  it("asks for the month from local midnight to local midnight", () => {
    expect(monthRange(2026, 12, ZONE)).toEqual({ from: "2026-11-30T16:00:00.000Z", to: "2026-12-31T16:00:00.000Z" });
    expect(monthRange(2026, 1, "UTC").from).toBe("2026-01-01T00:00:00.000Z");
  });

  it("lays the month out in weeks from Monday, with the neighbouring days", () => {
    const weeks = monthGrid(2026, 12); // 1 December 2026 is a Tuesday
    expect(weeks[0][0]).toEqual({ date: "2026-11-30", inMonth: false, weekday: 0 });
    expect(weeks[0][1]).toEqual({ date: "2026-12-01", inMonth: true, weekday: 1 });
    expect(weeks.every((w) => w.length === 7)).toBe(true);
    const inMonth = weeks.flat().filter((d) => d.inMonth);
    expect(inMonth).toHaveLength(31);
    expect(inMonth[30].date).toBe("2026-12-31");
    expect(weeks[weeks.length - 1][6].date).toBe("2027-01-03");
  });

  it("moves between months across years", () => {
    expect(addMonths(2026, 12, 1)).toEqual({ year: 2027, month: 1 });
    expect(addMonths(2026, 1, -1)).toEqual({ year: 2025, month: 12 });
  });

  it("puts a drill on each local day it spans, an evening one on its own day", () => {
    const evening = { id: 1, start_at: "2026-12-31T12:00:00Z", end_at: "2026-12-31T15:59:00Z" }; // 20:00–23:59 local
    const overnight = { id: 2, start_at: "2026-12-02T14:00:00Z", end_at: "2026-12-03T16:00:00Z" }; // 22:00 → 00:00 two days later
    const days = byDay([evening, overnight], ZONE);
    expect(days.get("2026-12-31")?.map((d) => d.id)).toEqual([1]);
    expect(days.has("2027-01-01")).toBe(false);
    expect([...days.keys()].filter((k) => days.get(k)!.some((d) => d.id === 2))).toEqual(["2026-12-02", "2026-12-03"]);
    expect(localDay("2026-12-31T16:30:00Z", ZONE)).toBe("2027-01-01");
  });

  it("reads and writes datetime-local values in the zone, not the browser's", () => {
    expect(fromLocalInput("2026-12-10T09:30", ZONE)).toBe("2026-12-10T01:30:00.000Z");
    expect(toLocalInput("2026-12-10T01:30:00Z", ZONE)).toBe("2026-12-10T09:30");
    expect(fromLocalInput("", ZONE)).toBeNull();
    expect(toLocalInput(null, ZONE)).toBe("");
  });
});

describe("timings and the compliance order", () => {
  it("shows seconds as minutes and seconds", () => {
    expect(duration(7)).toBe("0:07");
    expect(duration(95.4)).toBe("1:35");
    expect(duration(3725)).toBe("1:02:05");
    expect(duration(null)).toBe("—");
  });

  it("puts overdue first and met last", () => {
    const item = (state: ComplianceItem["state"], org: string): ComplianceItem => ({
      rule: "r", org_id: 1, org_name: org, plan_id: null, plan_title: null,
      period_start: "2026-01-01", period_end: "2026-12-31", state, drill_ids: [], planned_drill_ids: [],
    });
    const sorted = [item("met", "甲"), item("due", "乙"), item("overdue", "丙"), item("due_soon", "丁")].sort(byUrgency);
    expect(sorted.map((i) => i.state)).toEqual(["overdue", "due_soon", "due", "met"]);
  });
});
