import { dirname } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { WorkerFlags } from "@garageswarm/worker";
import type { Command } from "commander";
import { SelfUpdater } from "../self-update/updater.ts";
import { CLI_VERSION, RUNNING_FROM_BUNDLE } from "../version.ts";
import { registerWorkerEnrolCommand } from "./worker-enrol.ts";
import { registerWorkerServiceCommands } from "./worker-service.ts";

// Spelled out here so `--help` does not load the worker and its tool SDKs.
const workerEnvNames = {
  server: "GARAGESWARM_SERVER",
  key: "GARAGESWARM_KEY",
  stateDir: "GARAGESWARM_WORKER_STATE_DIR",
  name: "GARAGESWARM_WORKER_NAME",
  slots: "GARAGESWARM_WORKER_SLOTS",
  maxConcurrent: "GARAGESWARM_WORKER_MAX_CONCURRENT",
  labels: "GARAGESWARM_WORKER_LABELS",
  passEnv: "GARAGESWARM_PASS_ENV",
  allowUnsafeAgentModes: "GARAGESWARM_ALLOW_UNSAFE_AGENT_MODES",
  workDir: "GARAGESWARM_WORK_DIR",
  workdirRetention: "GARAGESWARM_WORKDIR_RETENTION",
  worktreeRetention: "GARAGESWARM_WORKTREE_RETENTION",
  updateInterval: "GARAGESWARM_WORKER_UPDATE_INTERVAL",
};

interface Flags extends WorkerFlags {
  healthInterval?: string;
  ui?: boolean;
  uiPort?: string;
  updateInterval?: string;
}

export function registerWorkerCommand(program: Command): void {
  // `worker install --server …` must give --server to install, not to `worker`: options are read where they stand.
  program.enablePositionalOptions();
  const worker = addWorkerOptions(
    program
      .command("worker")
      .description("Connect this machine to a GarageSwarm server and run the tasks it is given")
      .enablePositionalOptions(),
  )
    .option("--health-interval <seconds>", "how often the tools are checked again (default 60)")
    .option("--ui", "serve the control panel on 127.0.0.1 (connect, status, tools, settings); works with no server yet")
    .option("--ui-port <port>", "the control panel's port (default the first free one from 8765; implies --ui)")
    .option(
      "--update-interval <seconds>",
      "a worker installed from the server's bundle checks this often whether the server has another version, " +
        `and updates itself after draining (env ${workerEnvNames.updateInterval}, default 600; 0: never)`,
    )
    .addHelpText(
      "after",
      "\nFlags win over env, env over <state-dir>/config.json (keys: server, key, name, slots, max_concurrent\n" +
        '({"claude_code": 2}), labels, enable_shell, pull, drain_timeout_seconds, pass_env,\n' +
        "allow_unsafe_agent_modes, work_dir, workdir_retention_seconds,\n" +
        "worktree_retention_seconds). Tools are found on PATH (claude,\n" +
        "gemini, codex), at OLLAMA_HOST, and through ANTHROPIC_API_KEY, GEMINI_API_KEY, OPENAI_API_KEY /\n" +
        "OPENAI_BASE_URL. Tool processes get PATH, HOME, locale, temp and their own vendor variables only (plus\n" +
        "--pass-env), never GARAGESWARM_*.\n" +
        "Ctrl-C once drains (finish running tasks); twice hands them back at once.",
    )
    .action(async (flags: Flags) => {
      const healthInterval = flags.healthInterval === undefined ? undefined : Number(flags.healthInterval);
      if (healthInterval !== undefined && !(healthInterval > 0)) {
        throw new Error("--health-interval must be a positive number of seconds");
      }
      const { updateInterval: updateFlag, ...otherFlags } = flags;
      const updateIntervalSeconds = Number(updateFlag ?? process.env[workerEnvNames.updateInterval] ?? 600);
      if (!(updateIntervalSeconds >= 0)) {
        throw new Error("--update-interval must be a number of seconds (0: never)");
      }
      if (flags.ui || flags.uiPort !== undefined) {
        const { runWorkerWithPanel } = await import("../worker-panel.ts");
        const { ui: _ui, uiPort, healthInterval: _interval, ...workerFlags } = otherFlags;
        return runWorkerWithPanel(workerFlags, { uiPort, healthCheckIntervalSeconds: healthInterval });
      }
      const { consoleLog, resolveWorkerSettings, startWorker } = await import("@garageswarm/worker");
      const settings = await resolveWorkerSettings(otherFlags);
      const running = await startWorker({
        ...settings,
        healthCheckIntervalSeconds: healthInterval,
        log: consoleLog,
        version: CLI_VERSION,
      });
      // A worker installed from the server's bundle keeps to the server's version: once the new bundle is
      // installed it drains, and the new one starts in this process (a service or a terminal keeps its process).
      let takeOver: string | null = null;
      const updater =
        RUNNING_FROM_BUNDLE && updateIntervalSeconds > 0
          ? new SelfUpdater({
              server: settings.server,
              dir: dirname(fileURLToPath(import.meta.url)),
              runningVersion: CLI_VERSION,
              intervalMs: updateIntervalSeconds * 1000,
              log: consoleLog,
              onReady: (version, path) => {
                consoleLog.info(`worker ${version} is installed: draining, then it takes over`);
                takeOver = path;
                void running.drain();
              },
            })
          : null;
      updater?.start();
      let signals = 0;
      const onSignal = (signal: NodeJS.Signals) => {
        signals += 1;
        if (signals === 1) {
          consoleLog.info(`${signal}: draining (again to hand running tasks back now)`);
          void running.drain();
        } else {
          consoleLog.info(`${signal}: handing running tasks back`);
          void running.stop();
        }
      };
      process.on("SIGINT", onSignal);
      process.on("SIGTERM", onSignal);
      await running.stopped;
      updater?.stop();
      if (takeOver !== null) {
        process.off("SIGINT", onSignal);
        process.off("SIGTERM", onSignal);
        await import(pathToFileURL(takeOver).href);
        return;
      }
      process.exit(0);
    });

  worker
    .command("open")
    .description("Open this machine's worker control panel (started with --ui) in the default browser")
    .option(
      "--state-dir <dir>",
      `the worker's state dir (env ${workerEnvNames.stateDir}, default ~/.garageswarm/worker)`,
    )
    .action(async (options: { stateDir?: string }) => {
      const { openPanel } = await import("../worker-panel.ts");
      await openPanel(options.stateDir);
    });
  registerWorkerEnrolCommand(worker);
  registerWorkerServiceCommands(worker);
}

/** The flags a worker takes; `worker install` takes the same and saves them in config.json. */
export function addWorkerOptions(command: Command): Command {
  return command
    .option("--server <url>", `the server, e.g. http://host:8000 (env ${workerEnvNames.server})`)
    .option("--key <gs_…>", `an API key of the worker's owner (env ${workerEnvNames.key})`)
    .option(
      "--state-dir <dir>",
      `machine id, config.json and undelivered reports (env ${workerEnvNames.stateDir}, default ~/.garageswarm/worker)`,
    )
    .option("--name <name>", `how the worker is shown (env ${workerEnvNames.name}, default the host name)`)
    .option("--slots <n>", `tasks run at once (env ${workerEnvNames.slots}, default 1)`)
    .option(
      "--max-concurrent <tool=n>",
      "at most n tasks of this tool at once, e.g. claude_code=2; repeat it for more tools " +
        `(env ${workerEnvNames.maxConcurrent}: claude_code=2,codex_cli=1)`,
      (value: string, previous: string[] = []) => [...previous, value],
    )
    .option("--pull", "never use the WebSocket: ask for work over HTTP long-poll only")
    .option("--labels <a,b>", `labels tasks can require, comma-separated (env ${workerEnvNames.labels})`)
    .option("--enable-shell", "offer the shell tool: tasks may run any command as this user")
    .option(
      "--allow-unsafe-agent-modes [tools]",
      "let task options widen the agents' powers (Claude Code bypassPermissions or Bash, codex danger-full-access, " +
        `gemini yolo): all agents, or the comma-separated tool ids given (env ${workerEnvNames.allowUnsafeAgentModes})`,
    )
    .option(
      "--pass-env <names>",
      `extra environment variables tool processes get, comma-separated (env ${workerEnvNames.passEnv})`,
    )
    .option(
      "--work-dir <dir>",
      `where task workdirs go (env ${workerEnvNames.workDir}, default <temp dir>/garageswarm-<uid>)`,
    )
    .option(
      "--workdir-retention <seconds>",
      `how long a finished task's workdir is kept (env ${workerEnvNames.workdirRetention}, default 0: removed at once)`,
    )
    .option(
      "--worktree-retention <seconds>",
      `how long a code task's git worktree is kept for a review's follow-up (env ${workerEnvNames.worktreeRetention}, default 604800: a week); its branch stays in the clone`,
    )
    .option(
      "--drain-timeout <seconds>",
      "on Ctrl-C/SIGTERM, how long running tasks may finish before they are handed back (default 60)",
    );
}
