// Builds the dashboard when dist/ is missing or older than its sources, so `npm start` serves it
// and a second start is instant; then the worker bundle the server serves (packages/cli/scripts/
// build-bundle.mjs, which has its own freshness check). A failed build never stops the server from starting.
import { spawnSync } from "node:child_process";
import { readdirSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const web = dirname(dirname(fileURLToPath(import.meta.url)));
const sources = [
  join(web, "src"),
  join(web, "index.html"),
  join(web, "public"),
  join(web, "vite.config.ts"),
  join(web, "package.json"),
  join(web, "..", "protocol", "src"),
];

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
    return statSync(join(web, "dist", "index.html")).mtimeMs;
  } catch {
    return 0;
  }
}

function buildDashboard() {
  const built = builtAt();
  const changed = Math.max(...sources.map(newestMtime));
  if (built > 0 && built >= changed) return;

  console.log(built === 0 ? "Building the dashboard (first start)…" : "Dashboard sources changed: rebuilding…");
  let vite;
  try {
    vite = join(dirname(createRequire(join(web, "package.json")).resolve("vite/package.json")), "bin", "vite.js");
  } catch {
    console.warn("Vite is not installed (run `npm install`): the server starts without the dashboard.");
    return;
  }
  // NODE_ENV pinned: run from a test runner it would be "test", and Vite would ship React's development build.
  const result = spawnSync(process.execPath, [vite, "build", "--logLevel", "warn"], {
    cwd: web,
    stdio: "inherit",
    env: { ...process.env, NODE_ENV: "production" },
  });
  if (result.status !== 0) {
    console.warn("The dashboard could not be built; the server starts without it (the API still works).");
  }
}

function buildWorkerBundle() {
  const script = join(web, "..", "cli", "scripts", "build-bundle.mjs");
  const result = spawnSync(process.execPath, [script], { stdio: "inherit" });
  if (result.status !== 0) {
    console.warn("The worker bundle could not be built; the server starts without it (install.sh answers 503).");
  }
}

buildDashboard();
buildWorkerBundle();
