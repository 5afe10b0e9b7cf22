import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { updateConfigFile } from "./config-file.ts";

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

async function stateDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "gs-config-"));
  dirs.push(dir);
  return dir;
}

describe("updateConfigFile", () => {
  it("merges into config.json, keeping other keys, removing the ones given as undefined, 0600", async () => {
    const dir = await stateDir();
    await writeFile(
      join(dir, "config.json"),
      JSON.stringify({ server: "http://box:8000", key: "gs_k", slots: 4, pull: true }),
    );
    const written = await updateConfigFile(dir, { slots: 2, pull: undefined, labels: ["gpu"] });
    expect(written).toEqual({ server: "http://box:8000", key: "gs_k", slots: 2, labels: ["gpu"] });
    expect(JSON.parse(await readFile(join(dir, "config.json"), "utf8"))).toEqual(written);
    expect((await stat(join(dir, "config.json"))).mode & 0o777).toBe(0o600);
  });

  it("refuses an invalid result, naming the field, and leaves the file as it was", async () => {
    const dir = await stateDir();
    const before = JSON.stringify({ server: "http://box:8000", slots: 4 });
    await writeFile(join(dir, "config.json"), before);
    await expect(updateConfigFile(dir, { slots: 0 })).rejects.toThrow(/^slots /);
    await expect(updateConfigFile(dir, { key: "not-a-key" })).rejects.toThrow(/^key must be an API key/);
    expect(await readFile(join(dir, "config.json"), "utf8")).toBe(before);
  });
});
