import { describe, expect, it } from "vitest";
import { needRows } from "./live";

describe("a level's required resources against what was dispatched", () => {
  it("matches catalogue items by id and team types by kind", () => {
    const rows = needRows(
      { teams: [{ team_type: "flood", count: 2 }], items: [{ item_id: 7, name: "编织袋", quantity: 200, unit: "条" }] },
      { teams: { flood: 1 }, items: { 编织袋: 999 }, item_ids: { "7": 250 } },
    );
    expect(rows.map((r) => [r.key, r.sent, r.met])).toEqual([
      ["team-flood", 1, false],
      ["item-编织袋", 250, true],
    ]);
  });

  it("falls back to the name for items without a catalogue id", () => {
    const rows = needRows({ teams: [], items: [{ name: "帐篷", quantity: 10, unit: "顶" }] }, { teams: {}, items: { 帐篷: 4 } });
    expect(rows[0]).toMatchObject({ sent: 4, met: false });
  });
});
