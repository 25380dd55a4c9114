import { describe, expect, it } from "vitest";
import { createI18n } from "vue-i18n";
import {
  CHANGES,
  LEVEL_NAMES,
  PLAN_HAZARDS,
  PLAN_KINDS,
  TRIGGER_KINDS,
  VERSION_ACTIONS,
  VERSION_STATUSES,
  itemsFromApi,
  itemsToApi,
  sideBySide,
} from "../api/plans";
import { AVAILABILITIES, IMPORT_KINDS, MOVEMENT_KINDS, STOCK_OPS, dayFromToday, type Item } from "../api/resources";
import { missingHandler } from "../i18n/index";
import { messages } from "../i18n/messages";
import { fromEdit, move, own, toEdit } from "./editing";

/** The labels the plans and resources screens build from an API value. */
const dynamic: [string, readonly string[]][] = [
  ["plans.kind", PLAN_KINDS],
  ["plans.hazard", PLAN_HAZARDS],
  ["plans.status", VERSION_STATUSES],
  ["plans.step", VERSION_ACTIONS],
  ["plans.trigger", TRIGGER_KINDS],
  ["plans.change", CHANGES],
  ["plans.level", LEVEL_NAMES],
  ["plans.level_field", ["name", "triggers", "command"]],
  ["resources.avail", AVAILABILITIES],
  ["resources.import_kind", IMPORT_KINDS],
  ["resources.columns", IMPORT_KINDS],
  ["resources.kind_of", MOVEMENT_KINDS],
  ["resources.op", STOCK_OPS],
  ["resources.op_done", STOCK_OPS],
  ["resources.item_field", ["category", "name", "spec", "unit"]],
];

describe("plans and resources labels", () => {
  for (const locale of ["zh-CN", "en"]) {
    it(`${locale} has a label for every value`, () => {
      const { t } = createI18n({ legacy: false, locale, fallbackLocale: false, missing: missingHandler, messages }).global;
      for (const [prefix, values] of dynamic) {
        for (const value of values) expect(t(`${prefix}.${value}`), `${prefix}.${value}`).not.toBe(`${prefix}.${value}`);
      }
    });
  }
});

const CATALOGUE: Item[] = [
  { id: 1, category: "防汛", name: "编织袋", spec: "50×80cm", unit: "条" },
  { id: 2, category: "防汛", name: "潜水泵", spec: "", unit: "台" },
  { id: 3, category: "救灾", name: "帐篷", spec: "12㎡", unit: "顶" },
];

describe("required items against the catalogue", () => {
  it("shows the saved name and sends the catalogue id and quantity back", () => {
    const picks = itemsFromApi(
      [
        { item_id: 1, quantity: 5000, name: "编织袋", spec: "50×80cm", unit: "条" },
        { item_id: 3, quantity: 20 },
      ],
      CATALOGUE,
    );
    expect(picks).toEqual([
      { item_id: 1, name: "编织袋", quantity: 5000, unit: "条" },
      { item_id: 3, name: "帐篷（12㎡）", quantity: 20, unit: "顶" },
    ]);
    expect(itemsToApi([...picks, { item_id: null, name: "", quantity: 2, unit: "" }])).toEqual([
      { item_id: 1, quantity: 5000 },
      { item_id: 3, quantity: 20 },
      { item_id: null, quantity: 2 },
    ]);
  });

  it("round-trips a version through the editor's working copy", () => {
    const content = {
      sections: [{ key: "general", title: " 总则 ", body: "正文" }],
      levels: [
        {
          level: "IV" as const,
          name: "",
          triggers: [" 24 小时降雨量超过 50 毫米 "],
          command: [{ role: "总指挥", post: " ", person_id: null, duties: null }],
          actions: [{ key: "IV-1", action: "通知", responsible: "值班员", responsible_org_id: null, within_min: "30" as unknown as number }],
          resources: { teams: [{ team_type: "flood", count: 2, note: "" }], items: [{ item_id: 2, quantity: 4, name: "潜水泵", unit: "台" }] },
        },
      ],
    };
    const edit = toEdit({ content } as never, CATALOGUE);
    expect(edit.levels[0].resources.items[0].item_id).toBe(2);
    const back = fromEdit(edit);
    expect(back.sections[0].title).toBe("总则");
    expect(back.levels[0]).toMatchObject({
      name: null,
      triggers: ["24 小时降雨量超过 50 毫米"],
      command: [{ role: "总指挥", post: null, duties: null }],
      actions: [{ key: "IV-1", within_min: 30 }],
      resources: { teams: [{ team_type: "flood", count: 2, note: null }], items: [{ item_id: 2, quantity: 4 }] },
    });
  });
});

describe("editing helpers", () => {
  it("shows a list's own message only when no entry of it has one", () => {
    const fields = { "content.levels.0.triggers": "required", "content.levels.0": "required", content: "required" };
    expect(own(fields, "content.levels.0.triggers")).toBe(fields);
    expect(own(fields, "content.levels.0")).toEqual({});
  });

  it("moves entries within bounds", () => {
    const list = ["a", "b", "c"];
    move(list, 0, -1);
    move(list, 2, -1);
    expect(list).toEqual(["a", "c", "b"]);
  });
});

describe("side-by-side diff", () => {
  it("pairs removed and added lines and keeps context on both sides", () => {
    const rows = sideBySide(["--- general", "+++ general", "@@ -1,3 +1,3 @@", " # 总则", "-旧的一行", "+新的一行", "+又一行", " 末行"]);
    expect(rows).toEqual([
      { kind: "hunk", left: null, right: null },
      { kind: "same", left: "# 总则", right: "# 总则" },
      { kind: "changed", left: "旧的一行", right: "新的一行" },
      { kind: "added", left: null, right: "又一行" },
      { kind: "same", left: "末行", right: "末行" },
    ]);
  });
});

describe("local days", () => {
  it("counts from the day in Asia/Shanghai", () => {
    const lateUtc = new Date("2026-03-31T20:00:00Z"); // already 1 April in Beijing
    expect(dayFromToday(0, lateUtc)).toBe("2026-04-01");
    expect(dayFromToday(30, lateUtc)).toBe("2026-05-01");
  });
});
