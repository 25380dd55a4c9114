// Fails (exit 1) when the locales differ in keys, a value is empty, or the source uses a
// static key that a locale lacks. Dynamic keys (`level.${x}`) are checked by
// src/i18n/keys.test.ts against the enumerations in src/enums.ts. A language is the merge
// of src/i18n/<locale>.json and every src/i18n/<area>/<locale>.json (src/i18n/messages.ts);
// a key defined in two of its files is a problem too.
import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const locales = ["zh-CN", "en"];
const i18nDir = join(root, "src/i18n");
const problems = [];

function files(locale) {
  const found = [join(i18nDir, `${locale}.json`)];
  for (const name of readdirSync(i18nDir).sort()) {
    const path = join(i18nDir, name, `${locale}.json`);
    if (statSync(join(i18nDir, name)).isDirectory() && existsSync(path)) found.push(path);
  }
  return found;
}

function flatten(value, file, prefix = "", out = new Map()) {
  for (const [key, child] of Object.entries(value)) {
    const path = prefix ? `${prefix}.${key}` : key;
    if (child && typeof child === "object") flatten(child, file, path, out);
    else if (out.has(path)) problems.push(`${relative(root, file)}: ${path} is also defined elsewhere`);
    else out.set(path, child);
  }
  return out;
}

function language(locale) {
  const out = new Map();
  for (const file of files(locale)) flatten(JSON.parse(readFileSync(file, "utf8")), file, "", out);
  return out;
}

function sources(dir, out = []) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) sources(path, out);
    else if (/\.(vue|ts)$/.test(name) && !name.endsWith(".test.ts")) out.push(path);
  }
  return out;
}

const flat = Object.fromEntries(locales.map((locale) => [locale, language(locale)]));
const [first, ...others] = Object.keys(flat);
for (const other of others) {
  for (const key of flat[first].keys()) if (!flat[other].has(key)) problems.push(`${other} lacks ${key} (in ${first})`);
  for (const key of flat[other].keys()) if (!flat[first].has(key)) problems.push(`${first} lacks ${key} (in ${other})`);
}
for (const [locale, keys] of Object.entries(flat)) {
  for (const [key, value] of keys) {
    if (typeof value !== "string" || !value.trim()) problems.push(`${locale}: ${key} is empty`);
    else if (/[|@]/.test(value)) problems.push(`${locale}: ${key} has | or @ (vue-i18n syntax): ${value}`);
  }
}
let used = 0;
for (const file of sources(join(root, "src"))) {
  const text = readFileSync(file, "utf8");
  for (const match of text.matchAll(/\bt\(\s*["']([\w.]+)["']/g)) {
    used += 1;
    for (const [locale, keys] of Object.entries(flat)) {
      if (!keys.has(match[1])) problems.push(`${relative(root, file)} uses ${match[1]}, missing in ${locale}`);
    }
  }
}
if (problems.length) {
  console.error(`i18n check failed:\n  ${problems.join("\n  ")}`);
  process.exit(1);
}
console.log(`i18n: ${flat[first].size} keys in ${Object.keys(flat).length} locales, ${used} static uses checked`);
