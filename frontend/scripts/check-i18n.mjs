// Fails (exit 1) when the locales differ in keys, a value is empty, or the source uses a
// static key that a locale lacks. Dynamic keys (`level.${x}`) are checked by
// src/i18n/keys.test.ts against the enumerations in src/enums.ts.
import { readFileSync, readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const locales = { "zh-CN": "src/i18n/zh-CN.json", en: "src/i18n/en.json" };

function flatten(value, prefix = "", out = new Map()) {
  for (const [key, child] of Object.entries(value)) {
    const path = prefix ? `${prefix}.${key}` : key;
    if (child && typeof child === "object") flatten(child, path, out);
    else out.set(path, child);
  }
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

const problems = [];
const flat = Object.fromEntries(
  Object.entries(locales).map(([locale, file]) => [locale, flatten(JSON.parse(readFileSync(join(root, file), "utf8")))]),
);
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
