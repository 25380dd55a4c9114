/** A Vite build plugin that writes `dist/sw.js` from `sw.template.js`: the list of files of
 * this build (the app shell to cache) and a version that changes whenever any of them does. */
import { createHash } from "node:crypto";
import { readFileSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import type { Plugin } from "vite";

export function serviceWorker(template: string, publicDir: string): Plugin {
  return {
    name: "yingji-service-worker",
    apply: "build",
    enforce: "post",
    generateBundle(_options, bundle) {
      const hash = createHash("sha256");
      const built = Object.keys(bundle).filter((name) => !name.endsWith(".map") && name !== "sw.js");
      const copied = readdirSync(publicDir).filter((name) => statSync(join(publicDir, name)).isFile());
      for (const name of copied) hash.update(name).update(readFileSync(join(publicDir, name)));
      for (const name of built.sort()) {
        const file = bundle[name];
        hash.update(name).update(file.type === "chunk" ? file.code : file.source);
      }
      const shell = [...new Set(["/index.html", ...built.map((n) => `/${n}`), ...copied.map((n) => `/${n}`)])].sort();
      const source = readFileSync(template, "utf8")
        .replace("__VERSION__", hash.digest("hex").slice(0, 16))
        .replace("__SHELL__", JSON.stringify(shell, null, 2));
      this.emitFile({ type: "asset", fileName: "sw.js", source });
    },
  };
}
