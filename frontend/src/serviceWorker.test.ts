import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { serviceWorker } from "../scripts/serviceWorker";

const template = join(__dirname, "../scripts/sw.template.js");

/** The sw.js a build with these files would get. */
function build(files: Record<string, string>, publicFiles: Record<string, string> = { "icon.svg": "<svg/>" }): string {
  const dir = mkdtempSync(join(tmpdir(), "sw-public-"));
  for (const [name, text] of Object.entries(publicFiles)) writeFileSync(join(dir, name), text);
  const plugin = serviceWorker(template, dir);
  const bundle = Object.fromEntries(Object.entries(files).map(([name, code]) => [name, name.endsWith(".js") ? { type: "chunk", code } : { type: "asset", source: code }]));
  let emitted = "";
  const context = { emitFile: (file: { source: string }) => void (emitted = file.source) };
  (plugin.generateBundle as unknown as (this: unknown, o: unknown, b: unknown) => void).call(context, {}, bundle);
  return emitted;
}

const version = (sw: string) => /const VERSION = "([0-9a-f]+)"/.exec(sw)?.[1];
const shell = (sw: string) => JSON.parse(/const SHELL = (\[[\s\S]*?\]);/.exec(sw)![1]) as string[];

describe("service worker build", () => {
  const files = { "index.html": "<html>", "assets/index-a1.js": "app()", "assets/index-a1.css": "body{}", "assets/index-a1.js.map": "{}" };

  it("caches the app shell: index.html, the built files and the public ones, never a map", () => {
    const sw = build(files);
    expect(shell(sw)).toEqual(["/assets/index-a1.css", "/assets/index-a1.js", "/icon.svg", "/index.html"]);
    expect(sw).toContain("NEVER = /^\\/(api|ws|");
    expect(readFileSync(template, "utf8")).toContain("__SHELL__");
  });

  it("a new build gets a new version (and so a new cache); the same build the same", () => {
    const first = version(build(files));
    expect(first).toMatch(/^[0-9a-f]{16}$/);
    expect(version(build(files))).toBe(first);
    expect(version(build({ ...files, "assets/index-a1.js": "app(2)" }))).not.toBe(first);
    expect(version(build(files, { "icon.svg": "<svg>new</svg>" }))).not.toBe(first);
  });
});
