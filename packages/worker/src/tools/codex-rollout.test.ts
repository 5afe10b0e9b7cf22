// Finding and reading a thread's rollout file as Codex 0.171 lays it out:
// $CODEX_HOME/sessions/2026/12/07/rollout-2026-12-07T11-36-15-<thread>.jsonl (else ~/.codex/sessions/…).
import { mkdir, mkdtemp, readFile, rename, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readRolloutSignals } from "./codex-rollout.ts";

const thread = "01a2504a-4ab2-7a00-abc7-ccc54a9a5f05";
const recorded = () =>
  readFile(new URL("../../test/fixtures/codex/usage-limit-today.rollout.jsonl", import.meta.url), "utf8");

async function codexHome(days: string[], content: string): Promise<string> {
  const home = await mkdtemp(join(tmpdir(), "gs-codex-home-"));
  for (const day of days) await mkdir(join(home, "sessions", day), { recursive: true });
  const last = days.at(-1)!;
  await writeFile(
    join(home, "sessions", last, `rollout-${last.replaceAll("/", "-")}T11-36-15-${thread}.jsonl`),
    content,
  );
  return home;
}

describe("readRolloutSignals", () => {
  it("finds the thread's file under CODEX_HOME, newest days first, and reads its last turn", async () => {
    const home = await codexHome(["2025/01/31", "2026/11/30", "2026/12/07"], await recorded());
    const signals = await readRolloutSignals({ CODEX_HOME: home }, thread);
    expect(signals?.errorInfo).toBe("usage_limit_exceeded");
    expect(signals?.rateLimits?.primary).toMatchObject({ used_percent: 100, window_minutes: 300 });
    expect(signals).toMatchObject({ model: "gpt-5.5", modelProvider: "fake" });
  });

  it("falls back to ~/.codex, and reads only the tail of a long session", async () => {
    const home = await mkdtemp(join(tmpdir(), "gs-home-"));
    const filler = `${JSON.stringify({ type: "response_item", payload: { text: "x".repeat(1000) } })}\n`.repeat(1500);
    const codex = await codexHome(["2026/12/07"], filler + (await recorded()));
    await mkdir(join(home, ".codex"));
    await rename(join(codex, "sessions"), join(home, ".codex", "sessions"));
    const signals = await readRolloutSignals({ HOME: home }, thread);
    expect(signals?.errorInfo).toBe("usage_limit_exceeded");
  });

  it("no file, no signals", async () => {
    const home = await codexHome(["2026/12/07"], await recorded());
    expect(await readRolloutSignals({ CODEX_HOME: home }, "01a2504a-0000-7000-8000-000000000000")).toBeNull();
    expect(await readRolloutSignals({ CODEX_HOME: join(home, "nowhere") }, thread)).toBeNull();
  });
});
