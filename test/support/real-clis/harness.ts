// Everything a test of the real agent CLIs needs: the CLIs installed by `npm run test:setup-clis`, a
// network namespace that lets them reach only our vendor fakes, and a fresh HOME per test with each CLI
// configured for its fake and with telemetry, update checks and analytics off. `close()` fails the test
// file when any CLI tried to reach beyond loopback.
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe } from "vitest";
import { claudeGatewayToken, type FakeAnthropic, startFakeAnthropic } from "../../fakes/vendor-apis/anthropic.ts";
import { type FakeGemini, startFakeGemini } from "../../fakes/vendor-apis/gemini.ts";
import { type FakeResponses, startFakeResponses } from "../../fakes/vendor-apis/openai-responses.ts";
import { inCi } from "../env.ts";
import { type CliSandbox, namespaceUnavailableReason, startCliSandbox } from "./sandbox.ts";

const binDir = fileURLToPath(new URL("../../clis/node_modules/.bin/", import.meta.url));

/** The real CLIs, as npm installed them under test/clis. */
export const realCliBinaries = {
  claude: join(binDir, "claude"),
  gemini: join(binDir, "gemini"),
  codex: join(binDir, "codex"),
} as const;

/** Where each fake answers inside the sandbox's namespace. */
const ports = { anthropic: 8001, gemini: 8002, openai: 8003 } as const;

/** Why the real-CLI tests cannot run here, or null when they can. */
export function realClisUnavailableReason(): string | null {
  const missing = Object.values(realCliBinaries).filter((path) => !existsSync(path));
  if (missing.length > 0) return "the real agent CLIs are not installed: run `npm run test:setup-clis`";
  return namespaceUnavailableReason();
}

/**
 * A describe block that needs the real CLIs: skipped with the reason outside CI when they are missing,
 * failing with CI=true.
 */
export function describeWithRealClis(name: string, body: () => void): void {
  const reason = realClisUnavailableReason();
  if (reason !== null && inCi) throw new Error(`CI=true and the real agent CLIs cannot run: ${reason}`);
  describe.skipIf(reason !== null)(reason === null ? name : `${name} (skipped: ${reason})`, body);
}

/** The environment each CLI runs with: its fake, a key the fake accepts, and nothing that phones home. */
export interface CliEnvironments {
  home: string;
  claude_code: NodeJS.ProcessEnv;
  gemini_cli: NodeJS.ProcessEnv;
  codex_cli: NodeJS.ProcessEnv;
}

export interface NewHomeOptions {
  /**
   * Claude Code signed in to an LLM gateway (a bearer token it takes for one, see claudeGatewayToken)
   * instead of an API key: it then reads the fake's `anthropic-ratelimit-unified-*` headers as a
   * subscriber's usage windows (`rate_limit_event`, "You've hit your 5-hour limit · resets …").
   */
  claudeSubscription?: boolean;
}

export interface RealCliHarness {
  anthropic: FakeAnthropic;
  gemini: FakeGemini;
  responses: FakeResponses;
  /** Commands that run each real CLI inside the sandbox: give these to the adapters. */
  commands: { claude: string; gemini: string; codex: string };
  /** A fresh HOME with every CLI configured; each call gets its own. */
  newHome(options?: NewHomeOptions): Promise<CliEnvironments>;
  sandbox: CliSandbox;
  /** Throws when a CLI tried to reach beyond loopback; closes everything either way. */
  close(): Promise<void>;
}

export async function startRealCliHarness(): Promise<RealCliHarness> {
  const dir = await mkdtemp(join(tmpdir(), "gs-real-clis-"));
  const [anthropic, gemini, responses] = await Promise.all([
    startFakeAnthropic(dir),
    startFakeGemini(dir),
    startFakeResponses(dir),
  ]);
  const sandbox = await startCliSandbox([
    { port: ports.anthropic, socket: anthropic.socket },
    { port: ports.gemini, socket: gemini.socket },
    { port: ports.openai, socket: responses.socket },
  ]);
  const commands = {
    claude: await sandbox.wrap("claude", realCliBinaries.claude),
    gemini: await sandbox.wrap("gemini", realCliBinaries.gemini),
    codex: await sandbox.wrap("codex", realCliBinaries.codex),
  };
  let homes = 0;

  return {
    anthropic,
    gemini,
    responses,
    commands,
    sandbox,
    async newHome(options = {}) {
      homes += 1;
      const home = join(dir, `home-${homes}`);
      await mkdir(home);
      const base = { PATH: process.env.PATH, HOME: home, LANG: "C.UTF-8" };
      return {
        home,
        claude_code: { ...base, ...(await claudeHome(home, options.claudeSubscription === true)) },
        gemini_cli: { ...base, ...(await geminiHome(home)) },
        codex_cli: { ...base, ...(await codexHome(home)) },
      };
    },
    async close() {
      try {
        await sandbox.assertLoopbackOnly();
      } finally {
        await sandbox.close();
        await Promise.all([anthropic.close(), gemini.close(), responses.close()]);
        await rm(dir, { recursive: true, force: true });
      }
    },
  };
}

/**
 * Claude Code: the fake's URL and a key (or a gateway token) in ~/.claude/settings.json, as a user sets them,
 * so that they reach the CLI whatever the worker passes from its own environment; telemetry, error
 * reporting, update checks and other nonessential traffic off in the process env.
 */
async function claudeHome(home: string, subscription: boolean): Promise<NodeJS.ProcessEnv> {
  await mkdir(join(home, ".claude"));
  const auth = subscription ? { ANTHROPIC_AUTH_TOKEN: claudeGatewayToken() } : { ANTHROPIC_API_KEY: "sk-ant-fake-key" };
  const settings = { env: { ANTHROPIC_BASE_URL: `http://127.0.0.1:${ports.anthropic}`, ...auth } };
  await writeFile(join(home, ".claude", "settings.json"), JSON.stringify(settings, null, 2));
  return {
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: "1",
    DISABLE_AUTOUPDATER: "1",
    DISABLE_TELEMETRY: "1",
    DISABLE_ERROR_REPORTING: "1",
  };
}

/**
 * Gemini CLI: an API key and the fake's URL. `GOOGLE_GEMINI_BASE_URL` alone makes the CLI choose the
 * "gateway" auth type, which headless runs reject, so settings.json names the API-key auth; usage
 * statistics and update checks are off. The URL sits in the CLI's own `~/.gemini/.env`, as a user with a
 * gateway keeps it: the worker does not pass its own GOOGLE_GEMINI_BASE_URL (gemini_api's) to the CLI.
 */
async function geminiHome(home: string): Promise<NodeJS.ProcessEnv> {
  await mkdir(join(home, ".gemini"));
  const settings = {
    security: { auth: { selectedType: "gemini-api-key" } },
    privacy: { usageStatisticsEnabled: false },
    general: { disableAutoUpdate: true, disableUpdateNag: true },
    telemetry: { enabled: false },
  };
  await writeFile(join(home, ".gemini", "settings.json"), JSON.stringify(settings, null, 2));
  await writeFile(join(home, ".gemini", ".env"), `GOOGLE_GEMINI_BASE_URL=http://127.0.0.1:${ports.gemini}\n`);
  // The reports the CLI writes of every API error (gemini-client-error-*.json) go to the run's own temp dir,
  // which runCli makes beside the workdir and removes: none lands in the machine's /tmp.
  return { GEMINI_API_KEY: "fake-gemini-key" };
}

/**
 * Codex: a `model_providers` entry for the fake (OPENAI_BASE_URL is not honoured), retrying a failed request
 * once instead of 4 times (HTTP) and 5 times (stream) with backoff, and the features that look up github.com
 * and chatgpt.com at every start (plugins, apps) and the metrics exporter turned off.
 */
async function codexHome(home: string): Promise<NodeJS.ProcessEnv> {
  const codexHome = join(home, ".codex");
  await mkdir(codexHome);
  const config = `model = "gpt-5.5"
model_provider = "fake"

[analytics]
enabled = false

[otel]
exporter = "none"
metrics_exporter = "none"
trace_exporter = "none"

[model_providers.fake]
name = "fake"
base_url = "http://127.0.0.1:${ports.openai}/v1"
env_key = "OPENAI_API_KEY"
wire_api = "responses"
request_max_retries = 1
stream_max_retries = 1

[features]
plugins = false
remote_plugin = false
plugin_sharing = false
apps = false
`;
  await writeFile(join(codexHome, "config.toml"), config);
  return { CODEX_HOME: codexHome, OPENAI_API_KEY: "sk-fake-openai-key" };
}
