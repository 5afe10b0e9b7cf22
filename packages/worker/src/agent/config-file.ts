// Writes the state dir's config.json (read by readConfigFile, identity.ts) for the control panel and
// `worker install`: the owner changes a few settings and every other key stays. The file holds the API key: written 0600, whole or not
// at all (a temp file renamed into place), never world-readable for a moment.
import { randomUUID } from "node:crypto";
import { rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { readConfigFile, secureStateDir, WorkerConfigFile } from "./identity.ts";

/** A setting given as undefined is removed (back to its default); the merged file is validated first. */
export type ConfigPatch = { [K in keyof WorkerConfigFile]?: WorkerConfigFile[K] | undefined };

/** Merges `patch` into config.json and returns the file as written; throws naming the field when invalid. */
export async function updateConfigFile(stateDir: string, patch: ConfigPatch): Promise<WorkerConfigFile> {
  const current = await readConfigFile(stateDir);
  const merged: Record<string, unknown> = { ...current };
  for (const [name, value] of Object.entries(patch)) {
    if (value === undefined) delete merged[name];
    else merged[name] = value;
  }
  const parsed = WorkerConfigFile.safeParse(merged);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`${issue?.path.join(".") || "config"} ${issue?.message ?? "is invalid"}`);
  }
  await secureStateDir(stateDir);
  const file = join(stateDir, "config.json");
  const temp = `${file}.${randomUUID()}.tmp`;
  try {
    await writeFile(temp, `${JSON.stringify(parsed.data, null, 2)}\n`, { mode: 0o600 });
    await rename(temp, file);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
  return parsed.data;
}
