import { describe, expect, it } from "vitest";
import { createI18n } from "vue-i18n";
import {
  adminTabs,
  AUDIT_ACTIONS,
  AUDIT_OBJECTS,
  CHANNEL_KINDS,
  changedKeys,
  dayStart,
  DELIVERY_STATES,
  nextDay,
  ORG_KINDS,
  ROLES,
  splitList,
} from "../api/admin";
import { missingHandler } from "../i18n/index";
import { messages } from "../i18n/messages";

const dynamic: [string, readonly string[]][] = [
  ["admin.tab", adminTabs(["admin"])],
  ["admin.role", ROLES],
  ["admin.org_kind", ORG_KINDS],
  ["admin.channel_kind", CHANNEL_KINDS],
  ["admin.channel.address_hint", CHANNEL_KINDS],
  ["admin.delivery_state", DELIVERY_STATES],
  ["admin.object", AUDIT_OBJECTS],
  ["admin.action", AUDIT_ACTIONS],
];

describe("administration labels", () => {
  for (const locale of ["zh-CN", "en"]) {
    it(`${locale} has a label for every value`, () => {
      const { t } = createI18n({ legacy: false, locale, fallbackLocale: false, missing: missingHandler, messages }).global;
      for (const [prefix, values] of dynamic) {
        for (const value of values) expect(t(`${prefix}.${value}`), `${prefix}.${value}`).not.toBe(`${prefix}.${value}`);
      }
    });
  }
});

describe("administration helpers", () => {
  it("opens the tabs each role may use", () => {
    expect(adminTabs(["admin"])).toEqual(["orgs", "people", "users", "tokens", "channels", "deliveries", "audit"]);
    expect(adminTabs(["duty_officer"])).toEqual(["orgs", "people", "tokens", "channels", "deliveries"]);
    expect(adminTabs(["viewer"])).toEqual(["orgs", "people", "tokens", "channels"]);
  });

  it("names the fields an audit row changed", () => {
    expect(changedKeys({ id: 1, name: "a", kind: "village", updated_at: "x" }, { id: 1, name: "b", kind: "village", updated_at: "y" })).toEqual(["name"]);
    expect(changedKeys(null, { id: 1, grants: [{ role: "viewer" }] })).toEqual(["grants"]);
  });

  it("splits typed lists at Chinese and Latin separators", () => {
    expect(splitList("139 0000 0001，0356-1234567, ;")).toEqual(["139 0000 0001", "0356-1234567"]);
  });

  it("starts a day in the service's zone", () => {
    expect(dayStart("2026-12-02", "Asia/Shanghai")).toBe("2026-12-02T00:00:00+08:00");
    expect(dayStart("2026-07-01", "UTC")).toBe("2026-07-01T00:00:00+00:00");
    expect(nextDay("2026-12-31")).toBe("2027-01-01");
  });
});
