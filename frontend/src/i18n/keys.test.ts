import { describe, expect, it } from "vitest";
import { createI18n } from "vue-i18n";
import {
  ANSWER_STATES,
  CONNECTION_STATES,
  DISPATCH_STATUSES,
  FEED_KINDS,
  GRADES,
  HAZARDS,
  INCIDENT_FEED_EVENTS,
  INCIDENT_STATUSES,
  INCIDENT_TASK_STATES,
  INCIDENT_TYPES,
  LEVELS,
  RECIPIENT_STATES,
  REPORT_KINDS,
  REPORT_LEVELS,
  REPORT_STATES,
  TASK_STATES,
  TEAM_KINDS,
  TEAM_STATUSES,
} from "../enums";
import { INCIDENT_KEYS } from "../incidentKeys";
import { missingHandler, MissingTranslation } from "./index";
import { mergeMessages, messages } from "./messages";

const dynamic: [string, readonly string[]][] = [
  ["level", LEVELS],
  ["hazard", HAZARDS],
  ["state", ANSWER_STATES],
  ["recipient", RECIPIENT_STATES],
  ["phone.state", RECIPIENT_STATES],
  ["task", TASK_STATES],
  ["conn", CONNECTION_STATES],
  ["feed.kind", FEED_KINDS],
  ["warning.status", ["draft", "issued", "lifted", "cancelled"]],
  ["duty.post", ["leader", "officer"]],
  ["grade", GRADES],
  ["incident.status", INCIDENT_STATUSES],
  ["incident.type", INCIDENT_TYPES],
  ["incident.task", INCIDENT_TASK_STATES],
  ["incident.activation", ["active", "deactivated"]],
  ["incident.to", ["responding", "stabilized", "closed"]],
  ["report.kind", REPORT_KINDS],
  ["report.level", REPORT_LEVELS],
  ["report.state", REPORT_STATES],
  ["dispatch_status", DISPATCH_STATUSES],
  ["dispatch_status.to", DISPATCH_STATUSES],
  ["team.kind", TEAM_KINDS],
  ["team.status", TEAM_STATUSES],
  ["feed.incident", INCIDENT_FEED_EVENTS],
  ["live.keys", INCIDENT_KEYS.map((k) => k.action)],
];

function i18nFor(locale: string) {
  return createI18n({ legacy: false, locale, fallbackLocale: false, missing: missingHandler, messages });
}

describe("translations", () => {
  for (const locale of ["zh-CN", "en"]) {
    it(`${locale} has every label the screens build from an API value`, () => {
      const { t } = i18nFor(locale).global;
      for (const [prefix, values] of dynamic) {
        for (const value of values) expect(t(`${prefix}.${value}`), `${prefix}.${value}`).not.toBe(`${prefix}.${value}`);
      }
    });
  }

  it("a missing key throws under test instead of showing the key", () => {
    const { t } = i18nFor("en").global;
    expect(() => t("no.such.key")).toThrow(MissingTranslation);
  });

  it("the two languages differ wherever a word is shown", () => {
    const { t: zh } = i18nFor("zh-CN").global;
    const { t: english } = i18nFor("en").global;
    for (const key of ["app.logout", "phone.received", "dispatch.title", "state.escalated", "level.red"]) {
      expect(zh(key)).not.toBe(english(key));
    }
  });

  it("a label defined in two area files is refused", () => {
    expect(() => mergeMessages([["a/en.json", { x: { y: "1" } }], ["b/en.json", { x: { y: "2" } }]])).toThrow(/x\.y/);
    expect(mergeMessages([["a/en.json", { x: { y: "1" } }], ["b/en.json", { x: { z: "2" } }]])).toEqual({ x: { y: "1", z: "2" } });
  });

  it("placeholders are filled", () => {
    const { t } = i18nFor("en").global;
    expect(t("dispatch.issued", { title: "X", n: 3 })).toBe("Issued “X”: 3 people called");
  });
});
