// Builds the single-file worker the server serves: packages/cli/src/bundle.ts (the CLI without the
// server) as one ES module for Node >= 20.19, dist/garageswarm-<version>.mjs, with its SHA-256 in
// dist/garageswarm-<version>.mjs.sha256 and dist/worker-bundle.json (what the server reads).
// Skipped when the bundle is newer than every source it is built from (pass --force to build anyway).
import { createHash } from "node:crypto";
import { readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const cli = dirname(dirname(fileURLToPath(import.meta.url)));
const packages = dirname(cli);
const dist = join(cli, "dist");
const version = JSON.parse(readFileSync(join(cli, "package.json"), "utf8")).version;
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

if (!process.argv.includes("--force")) {
  const built = builtAt();
  if (built > 0 && built >= Math.max(...sources.map(newestMtime))) process.exit(0);
}

const { build } = await import("esbuild");
rmSync(dist, { recursive: true, force: true });
await build({
  entryPoints: [join(cli, "src", "bundle.ts")],
  outfile,
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

const sha256 = createHash("sha256").update(readFileSync(outfile)).digest("hex");
writeFileSync(`${outfile}.sha256`, `${sha256}  ${file}\n`);
writeFileSync(manifest, `${JSON.stringify({ version, file, sha256 }, null, 2)}\n`);
console.log(`Built the worker bundle ${join("packages/cli/dist", file)} (sha256 ${sha256})`);
