/**
 * The labels of each language: `zh-CN.json` / `en.json` beside this file hold the shared
 * ones, and each screen area may keep its own in `<area>/zh-CN.json` and `<area>/en.json`
 * (so that screens are added without touching one big file). The files of a language are
 * merged; a key defined twice is an error, caught by the tests and `npm run check:i18n`.
 */
export type Messages = { [key: string]: string | Messages };

export const LANGUAGE_FILES = ["zh-CN", "en"] as const;

export function mergeMessages(parts: [string, Messages][]): Messages {
  const out: Messages = {};
  const origin = new Map<string, string>();
  const walk = (target: Messages, source: Messages, prefix: string, file: string) => {
    for (const [key, value] of Object.entries(source)) {
      const path = prefix ? `${prefix}.${key}` : key;
      const existing = target[key];
      if (typeof value === "object") {
        if (typeof existing === "string") throw new Error(`i18n: ${path} in ${file} is also a label in ${origin.get(path)}`);
        if (existing === undefined) origin.set(path, file);
        target[key] = existing ?? {};
        walk(target[key] as Messages, value, path, file);
      } else {
        if (existing !== undefined) throw new Error(`i18n: ${path} in ${file} is also defined in ${origin.get(path)}`);
        origin.set(path, file);
        target[key] = value;
      }
    }
  };
  for (const [file, messages] of parts) walk(out, messages, "", file);
  return out;
}

const files = import.meta.glob<Messages>(["./*.json", "./*/*.json"], { eager: true, import: "default" });

function language(locale: string): Messages {
  const parts = Object.entries(files)
    .filter(([file]) => file.endsWith(`/${locale}.json`))
    .sort(([a], [b]) => a.localeCompare(b));
  return mergeMessages(parts);
}

export const messages = { "zh-CN": language("zh-CN"), en: language("en") };
