/**
 * zh-CN by default, English switchable (kept in localStorage). A missing key is an error:
 * it throws under test (vitest, or `localStorage["yingji.i18n.strict"]`) and is logged as
 * `[i18n] missing key` otherwise, which the browser tests treat as a failure.
 */
import { createI18n } from "vue-i18n";
import { messages } from "./messages";
import { setApiLanguage } from "../api/http";

export const LOCALES = ["zh-CN", "en"] as const;
export type Locale = (typeof LOCALES)[number];
const KEY = "yingji.locale";

export class MissingTranslation extends Error {}

function strict(): boolean {
  if (import.meta.env.MODE === "test") return true;
  try {
    return localStorage.getItem("yingji.i18n.strict") === "1";
  } catch {
    return false;
  }
}

export function missingHandler(locale: string, key: string): string {
  const message = `[i18n] missing key ${key} for ${locale}`;
  if (strict()) throw new MissingTranslation(message);
  console.error(message);
  return key;
}

function initial(): Locale {
  try {
    const saved = localStorage.getItem(KEY);
    if (saved && (LOCALES as readonly string[]).includes(saved)) return saved as Locale;
  } catch {
    /* no storage */
  }
  return "zh-CN";
}

export { messages };

export const i18n = createI18n({
  legacy: false,
  locale: initial(),
  fallbackLocale: false,
  fallbackWarn: false,
  missingWarn: false,
  missing: missingHandler,
  messages,
});

export function setLocale(locale: Locale): void {
  i18n.global.locale.value = locale;
  setApiLanguage(locale === "en" ? "en" : "zh-CN");
  document.documentElement.lang = locale;
  try {
    localStorage.setItem(KEY, locale);
  } catch {
    /* no storage */
  }
}

export function currentLocale(): Locale {
  return i18n.global.locale.value as Locale;
}
