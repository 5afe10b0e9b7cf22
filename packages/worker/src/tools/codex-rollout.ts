// What `codex exec --json` leaves out of a failed turn, read from the thread's rollout file
// ($CODEX_HOME/sessions/YYYY/MM/DD/rollout-<time>-<thread>.jsonl, one per thread, appended on resume):
//   {"type":"event_msg","payload":{"type":"token_count","rate_limits":{"primary":{"used_percent":100,
//     "window_minutes":300,"resets_at":<unix s>},"secondary":{…},…}}}   (only with the x-codex-* headers)
//   {"type":"event_msg","payload":{"type":"task_complete","error":{"message":…,"codex_error_info":
//     "usage_limit_exceeded" | "rate_limit_exceeded" | {"response_too_many_failed_attempts":{"http_status_code":429}} | …}}}
//   {"type":"event_msg","payload":{"type":"thread_settings_applied","thread_settings":{"model":"gpt-5.5",
//     "model_provider_id":"openai",…}}}   (each run; before or after its task_started)
// Codex 0.171.0; the file is Codex's own record, so anything missing or unreadable just yields no signals.
import { open, readdir } from "node:fs/promises";
import { homedir } from "node:os";
import { join } from "node:path";

export interface RolloutSignals {
  /** `codex_error_info` of the last turn's error. */
  errorInfo?: unknown;
  /** The last turn's rate-limit snapshot (`token_count.rate_limits`). */
  rateLimits?: Record<string, unknown>;
  /** The model the thread last ran with: the config's default when the task named none. */
  model?: string;
  modelProvider?: string;
}

const tailBytes = 1024 * 1024;
const searchedDays = 62;

/** The signals of the thread's last turn, or null when its rollout file cannot be found or read. */
export async function readRolloutSignals(env: NodeJS.ProcessEnv, threadId: string): Promise<RolloutSignals | null> {
  const home = env.CODEX_HOME || join(env.HOME || homedir(), ".codex");
  try {
    const file = await findRollout(join(home, "sessions"), threadId);
    return file ? rolloutSignalsOf(await readTail(file)) : null;
  } catch {
    return null;
  }
}

/** The signals of the last turn of a rollout's text (a tail of it is enough), and the thread's model. */
export function rolloutSignalsOf(text: string): RolloutSignals {
  let signals: RolloutSignals = {};
  let settings: Pick<RolloutSignals, "model" | "modelProvider"> = {};
  for (const line of text.split("\n")) {
    if (!line.includes('"event_msg"')) continue;
    let payload: Record<string, unknown> | undefined;
    try {
      payload = (JSON.parse(line) as { payload?: Record<string, unknown> }).payload;
    } catch {
      continue;
    }
    if (payload?.type === "task_started") signals = {};
    if (payload?.type === "token_count" && isObject(payload.rate_limits)) signals.rateLimits = payload.rate_limits;
    if (payload?.type === "task_complete" && isObject(payload.error)) {
      signals.errorInfo = payload.error.codex_error_info;
    }
    if (payload?.type === "thread_settings_applied" && isObject(payload.thread_settings)) {
      const { model, model_provider_id: provider } = payload.thread_settings;
      settings = {
        ...(typeof model === "string" ? { model } : {}),
        ...(typeof provider === "string" ? { modelProvider: provider } : {}),
      };
    }
  }
  return { ...signals, ...settings };
}

/** The newest day directories first: a parked thread is recent, and its file is named by its id. */
async function findRollout(sessions: string, threadId: string): Promise<string | null> {
  const suffix = `-${threadId}.jsonl`;
  let days = 0;
  for (const year of await newestFirst(sessions)) {
    for (const month of await newestFirst(join(sessions, year))) {
      for (const day of await newestFirst(join(sessions, year, month))) {
        const dir = join(sessions, year, month, day);
        const name = (await readdir(dir)).find((entry) => entry.startsWith("rollout-") && entry.endsWith(suffix));
        if (name) return join(dir, name);
        if (++days >= searchedDays) return null;
      }
    }
  }
  return null;
}

async function newestFirst(dir: string): Promise<string[]> {
  const entries = await readdir(dir).catch(() => []);
  return entries.filter((entry) => /^\d+$/.test(entry)).sort((a, b) => Number(b) - Number(a));
}

async function readTail(file: string): Promise<string> {
  const handle = await open(file, "r");
  try {
    const { size } = await handle.stat();
    const start = Math.max(0, size - tailBytes);
    const buffer = Buffer.alloc(size - start);
    await handle.read(buffer, 0, buffer.length, start);
    const text = buffer.toString("utf8");
    // A tail starts mid-line: drop the cut line.
    return start === 0 ? text : text.slice(text.indexOf("\n") + 1);
  } finally {
    await handle.close();
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
