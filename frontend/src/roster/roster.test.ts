import { describe, expect, it } from "vitest";
import { createI18n } from "vue-i18n";
import { DAY_FILTERS, MATTER_KINDS, postLabel, ROTATION_KINDS, SHIFT_SOURCES, SWAP_STATES, SWAP_STEPS, swapSteps, type Schedule, type Swap } from "../api/roster";
import { missingHandler } from "../i18n/index";
import { messages } from "../i18n/messages";
import { buildDays } from "./calendar";
import { addMonths, atZoned, daysTouched, dutyDay, fromLocalInput, monthRange, toLocalInput, weeks } from "./month";

const SH = "Asia/Shanghai";

describe("roster labels", () => {
  const dynamic: [string, readonly (string | number)[]][] = [
    ["roster.swap_state", SWAP_STATES],
    ["roster.swap_step", SWAP_STEPS],
    ["roster.rotation_kind", ROTATION_KINDS],
    ["roster.day_filter", DAY_FILTERS],
    ["roster.matter", MATTER_KINDS],
    ["roster.shift_source", SHIFT_SOURCES],
    ["roster.weekday", [1, 2, 3, 4, 5, 6, 7]],
    ["roster.import_field", ["file", "header", "date", "post", "person", "day"]],
  ];
  for (const locale of ["zh-CN", "en"]) {
    it(`${locale} has a label for every value`, () => {
      const { t } = createI18n({ legacy: false, locale, fallbackLocale: false, missing: missingHandler, messages }).global;
      for (const [prefix, values] of dynamic) {
        for (const value of values) expect(t(`${prefix}.${value}`), `${prefix}.${value}`).not.toBe(`${prefix}.${value}`);
      }
      // the standard posts in the UI language, an org's own post by its name
      expect(postLabel({ key: "leader", name: "带班领导" }, t)).toBe(locale === "en" ? "Leader" : "带班领导");
      expect(postLabel({ key: "driver", name: "驾驶员" }, t)).toBe("驾驶员");
    });
  }
});

describe("duty days in the org's zone", () => {
  it("starts a duty day at its first changeover, whatever the browser's zone", () => {
    expect(atZoned("2026-10-01", "08:30", SH).toISOString()).toBe("2026-10-01T00:30:00.000Z");
    // a 24-hour shift from 08:30 belongs to the day it starts; 03:00 the next night too
    expect(dutyDay("2026-10-01T00:30:00Z", "08:30", SH)).toBe("2026-10-01");
    expect(dutyDay("2026-10-01T19:00:00Z", "08:30", SH)).toBe("2026-10-01");
    expect(dutyDay("2026-10-02T00:29:00Z", "08:30", SH)).toBe("2026-10-01");
    expect(dutyDay("2026-10-02T00:30:00Z", "08:30", SH)).toBe("2026-10-02");
  });

  it("covers a month from its first changeover to the next month's", () => {
    const range = monthRange("2026-02", "08:30", SH);
    expect(range.start.toISOString()).toBe("2026-02-01T00:30:00.000Z");
    expect(range.end.toISOString()).toBe("2026-03-01T00:30:00.000Z");
  });

  it("lists the days a gap touches (the end is exclusive)", () => {
    expect(daysTouched("2026-10-01T00:30:00Z", "2026-10-02T00:30:00Z", "08:30", SH)).toEqual(["2026-10-01"]);
    expect(daysTouched("2026-10-01T12:00:00Z", "2026-10-03T01:00:00Z", "08:30", SH)).toEqual(["2026-10-01", "2026-10-02", "2026-10-03"]);
  });

  it("reads and writes datetime-local values in the org's zone", () => {
    expect(fromLocalInput("2026-12-24T08:30", SH)).toBe("2026-12-24T00:30:00.000Z");
    expect(toLocalInput("2026-12-24T00:30:00Z", SH)).toBe("2026-12-24T08:30");
  });

  it("lays months out from Monday", () => {
    const october = weeks("2026-10"); // 1 October 2026 is a Thursday
    expect(october[0]).toEqual([null, null, null, "2026-10-01", "2026-10-02", "2026-10-03", "2026-10-04"]);
    expect(october.flat().filter(Boolean)).toHaveLength(31);
    expect(addMonths("2026-12", 1)).toBe("2027-01");
    expect(addMonths("2027-01", -1)).toBe("2026-12");
  });
});

describe("calendar cells", () => {
  const schedule: Schedule = {
    org_id: 1,
    changeovers: ["08:30"],
    timezone: SH,
    updated_at: null,
    posts: [
      { id: 10, org_id: 1, key: "leader", name: "带班领导", min_count: 1, max_count: 1 },
      { id: 11, org_id: 1, key: "officer", name: "值班员", min_count: 1, max_count: null },
    ],
  };
  const shift = (id: number, post: number, person: number, start: string, end: string) => ({
    id, org_id: 1, post_id: post, person_id: person, start_at: start, end_at: end, source: "rotation",
    rotation_id: 1, override_id: null, note: null, provisional: false, checked_in_at: null, sequence: 0,
  });

  it("puts people on their duty day and marks the days with gaps", () => {
    const days = buildDays(
      "2026-10",
      schedule,
      [shift(1, 10, 7, "2026-10-01T00:30:00Z", "2026-10-02T00:30:00Z"), shift(2, 11, 8, "2026-10-01T00:30:00Z", "2026-10-01T19:00:00Z")],
      [{ post_id: 11, post_key: "officer", start_at: "2026-10-01T19:00:00Z", end_at: "2026-10-02T00:30:00Z", count: 0, min_count: 1 }],
      [{ date: "2026-10-01", workday: false, statutory: true, adjusted: false, name: "National Day", name_zh: "国庆节", known: true }],
      [{ id: 3, org_id: 1, name: "国庆安保", start_date: "2026-09-30", end_date: "2026-10-01", report_time: "08:00" }],
      (id) => `P${id}`,
    );
    expect(days).toHaveLength(31);
    const first = days[0]!;
    expect(first.posts.map((p) => p.holders.map((h) => h.name))).toEqual([["P7"], ["P8"]]);
    expect(first.gap).toBe(true);
    expect(first.posts[1]!.gaps).toHaveLength(1);
    expect(first.holiday?.name_zh).toBe("国庆节");
    expect(first.keyPeriods.map((p) => p.name)).toEqual(["国庆安保"]);
    expect(days[1]!.gap).toBe(false);
    expect(days[1]!.keyPeriods).toEqual([]);
  });
});

describe("swap steps", () => {
  const swap = { id: 1, requester_id: 1, counterpart_id: 2, state: "requested" } as Swap;
  it("offers each person the steps that are theirs", () => {
    expect(swapSteps(swap, { person_id: 2, roles: ["viewer"] })).toEqual(["accept", "reject"]);
    expect(swapSteps(swap, { person_id: 1, roles: ["viewer"] })).toEqual(["cancel"]);
    expect(swapSteps({ ...swap, state: "accepted" }, { person_id: 9, roles: ["leader"] })).toEqual(["approve", "reject", "cancel"]);
    // a leader who is a party never approves their own swap
    expect(swapSteps({ ...swap, state: "accepted" }, { person_id: 1, roles: ["leader"] })).toEqual(["cancel"]);
    expect(swapSteps({ ...swap, state: "approved" }, { person_id: 9, roles: ["admin"] })).toEqual([]);
  });
});
