// Bundles every view (src/<view>/index.js) into ../nbviz/static/<view>.js as one ESM file,
// and the CSS it imports (its style.css and lib's) into ../nbviz/static/<view>.css.
// A new view is a new folder under src/ with an index.js; nothing here needs editing.
//
//   node build.mjs            production build (minified, no source map: anywidget loads
//                             the bundle from a string, where a .map file is unreachable)
//   node build.mjs --watch    rebuild on change (unminified, inline source maps)

import { existsSync, readdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";

const here = dirname(fileURLToPath(import.meta.url));
const srcDir = join(here, "src");
const outDir = resolve(here, "..", "nbviz", "static");
const watch = process.argv.includes("--watch");

/** Every `src/<view>/index.js`, keyed by view name (the output file's stem). */
function findEntries(dir = srcDir) {
  const entries = {};
  for (const d of readdirSync(dir, { withFileTypes: true })) {
    const index = join(dir, d.name, "index.js");
    if (d.isDirectory() && existsSync(index)) entries[d.name] = index;
  }
  return entries;
}

const entryPoints = findEntries();
if (Object.keys(entryPoints).length === 0) {
  console.error(`build: no src/<view>/index.js entries found under ${srcDir}`);
  process.exit(1);
}

const options = {
  entryPoints,
  outdir: outDir,
  bundle: true,
  format: "esm",
  target: ["es2020"],
  minify: !watch,
  sourcemap: watch ? "inline" : false,
  logLevel: "info",
};

if (watch) {
  const ctx = await esbuild.context(options);
  await ctx.watch();
} else {
  await esbuild.build(options);
}
