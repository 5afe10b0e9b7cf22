// schema.ts and the migrations agree: `drizzle-kit generate`, run over a copy of the migrations folder, must
// find nothing to migrate. The copy lives in a temp dir, so the check never writes into the repo.
import { execFile } from "node:child_process";
import { cp, mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { expect, it } from "vitest";

const run = promisify(execFile);
const repo = fileURLToPath(new URL("../../../../", import.meta.url));
const migrations = join(repo, "packages/server/migrations");
const drizzleKit = join(repo, "node_modules/drizzle-kit/bin.cjs");

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)))
    .sort();
}

it("drizzle-kit generate finds nothing to migrate: every schema.ts change has its migration", async () => {
  const copy = await mkdtemp(join(tmpdir(), "gs-schema-drift-"));
  try {
    await cp(migrations, copy, { recursive: true });
    const journal = await readFile(join(copy, "meta/_journal.json"), "utf8");
    // drizzle-kit reads `--out` as "./" + the path, so an absolute one breaks: it gets one relative to the repo.
    // Without a terminal, a change it would have to ask about (a rename) fails the command, as drift should.
    const { stdout } = await run(
      process.execPath,
      [
        drizzleKit,
        "generate",
        "--dialect=postgresql",
        "--schema=packages/server/src/db/schema.ts",
        `--out=${relative(repo, copy)}`,
      ],
      { cwd: repo, timeout: 120_000 },
    );
    const written = (await filesUnder(copy)).filter((file) => !file.startsWith("meta/"));
    const expected = (await filesUnder(migrations)).filter((file) => !file.startsWith("meta/"));
    expect(written, `drizzle-kit generated a migration; run npm run db:generate\n${stdout}`).toEqual(expected);
    expect(await readFile(join(copy, "meta/_journal.json"), "utf8")).toBe(journal);
    expect(stdout).toContain("No schema changes");
  } finally {
    await rm(copy, { recursive: true, force: true });
  }
});
