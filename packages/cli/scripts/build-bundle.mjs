// Builds the single-file worker the server serves: packages/cli/src/bundle.ts (the CLI without the
// server) as one ES module for Node >= 20.19, dist/garageswarm-<version>.mjs, with its SHA-256 in
// dist/garageswarm-<version>.mjs.sha256 and dist/worker-bundle.json (what the server reads).
// Skipped when the bundle is newer than every source it is built from (pass --force to build anyway).
// `--version V --out-dir D` builds the same bundle as version V into D, always (tests build an older worker
// to watch it update itself).
import { createHash } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const cli = dirname(dirname(fileURLToPath(import.meta.url)));
const packages = dirname(cli);
const { values: options } = parseArgs({
  options: { force: { type: "boolean" }, version: { type: "string" }, "out-dir": { type: "string" } },
});
const dist = options["out-dir"] ?? join(cli, "dist");
const version = options.version ?? JSON.parse(readFileSync(join(cli, "package.json"), "utf8")).version;
const file = `garageswarm-${version}.mjs`;
const outfile = join(dist, file);
const manifest = join(dist, "worker-bundle.json");

const sources = ["cli/src", "cli/package.json", "worker/src", "worker/package.json", "protocol/src"].map((path) =>
  join(packages, path),
);

function newestMtime(path) {
  let stats;
  try {
    stats = statSync(path);
  } catch {
    return 0;
  }
  if (!stats.isDirectory()) return stats.mtimeMs;
  let newest = stats.mtimeMs;
  for (const entry of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, entry)));
  return newest;
}

function builtAt() {
  try {
    statSync(outfile);
    return statSync(manifest).mtimeMs;
  } catch {
    return 0;
  }
}

if (!options.force && options["out-dir"] === undefined) {
  const built = builtAt();
  if (built > 0 && built >= Math.max(...sources.map(newestMtime))) process.exit(0);
}

const { build } = await import("esbuild");
// Built aside and renamed into place, file by file, and older versions removed only afterwards: two builds
// at once (two test projects starting together) both end with the same whole files, never a half-written one.
const aside = `.${process.pid}.tmp`;
mkdirSync(dist, { recursive: true });
await build({
  entryPoints: [join(cli, "src", "bundle.ts")],
  outfile: outfile + aside,
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20.19",
  // Packages written as CommonJS call require() for Node's own modules; an ES module has none of its own.
  banner: {
    js: 'import { createRequire as __gsCreateRequire } from "node:module";\nconst require = __gsCreateRequire(import.meta.url);',
  },
  define: { GARAGESWARM_BUNDLE_VERSION: JSON.stringify(version) },
  // ws loads these native add-ons only if they are installed (try/catch) and works without them; left out.
  external: ["bufferutil", "utf-8-validate"],
  legalComments: "none",
  logLevel: "warning",
});

const sha256 = createHash("sha256")
  .update(readFileSync(outfile + aside))
  .digest("hex");
writeFileSync(`${outfile}.sha256${aside}`, `${sha256}  ${file}\n`);
writeFileSync(manifest + aside, `${JSON.stringify({ version, file, sha256 }, null, 2)}\n`);
renameSync(outfile + aside, outfile);
renameSync(`${outfile}.sha256${aside}`, `${outfile}.sha256`);
renameSync(manifest + aside, manifest);
// The default dist holds one version: older ones go (a directory given with --out-dir is left as it is).
if (options["out-dir"] === undefined) {
  for (const entry of readdirSync(dist)) {
    if (/^garageswarm-.*\.mjs(\.sha256)?$/.test(entry) && !entry.startsWith(`${file}`)) rmSync(join(dist, entry));
  }
}
console.log(`Built the worker bundle ${outfile} (sha256 ${sha256})`);
