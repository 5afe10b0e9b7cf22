// `garageswarm worker install|status|start|stop|uninstall|logs`: this machine's worker as a user service
// (systemd user unit, LaunchAgent, Scheduled Task; see ../service). `install` saves the worker flags in the
// state dir's config.json, which the service's `worker --state-dir <dir>` reads.
import { homedir, userInfo } from "node:os";
import { resolve } from "node:path";
import type { WorkerFlags } from "@garageswarm/worker";
import { type Command, Option } from "commander";
import { parseServicePlatform, type ServiceManager, serviceManagerFor } from "../service/service-manager.ts";
import { parseServiceSuffix, serviceStateDir, workerServiceSpec } from "../service/service-spec.ts";
import { addWorkerOptions } from "./worker.ts";

interface ServiceFlags {
  serviceName?: string;
  /** Hidden: which OS's manager to drive (tests drive all three from one machine). */
  platform: string;
}

interface InstallFlags extends ServiceFlags, WorkerFlags {}

export function registerWorkerServiceCommands(worker: Command): void {
  addWorkerOptions(
    withServiceOptions(
      worker
        .command("install")
        .description(
          "Install this worker as a user service that starts at login and restarts when it fails; the flags given are saved in <state-dir>/config.json",
        ),
    ),
  ).action(async (flags: InstallFlags) => {
    const { configOfFlags, resolveWorkerSettings, updateConfigFile } = await import("@garageswarm/worker");
    const suffix = parseServiceSuffix(flags.serviceName);
    const stateDir = resolve(serviceStateDir(flags.stateDir, suffix));
    // Checked as the service will read them: these flags over config.json, without this shell's environment.
    const settings = await resolveWorkerSettings({ ...flags, stateDir }, {});
    const manager = managerOf(flags);
    await updateConfigFile(stateDir, configOfFlags(flags));
    const spec = workerServiceSpec({
      suffix,
      stateDir,
      drainTimeoutSeconds: settings.drainTimeoutSeconds,
      env: process.env,
    });
    await manager.install(spec);
    console.log(`Installed and started ${manager.description} for ${settings.server}.`);
    console.log(`settings  ${resolve(stateDir, "config.json")}`);
    console.log(`file      ${manager.file}`);
    console.log(`logs      ${manager.logs}`);
  });

  withServiceOptions(worker.command("status").description("Say whether the worker service is installed and running"))
    .option("--json", "print the answer as JSON")
    .action(async (flags: ServiceFlags & { json?: boolean }) => {
      const manager = managerOf(flags);
      const status = await manager.status();
      const answer = { ...status, service: manager.description, file: manager.file, logs: manager.logs };
      if (flags.json) return console.log(JSON.stringify(answer, null, 2));
      console.log(`service    ${manager.description}`);
      console.log(`installed  ${status.installed ? "yes" : "no"}`);
      console.log(`running    ${status.running ? "yes" : "no"} (${status.detail})`);
      console.log(`file       ${manager.file}`);
      console.log(`logs       ${manager.logs}`);
    });

  withServiceOptions(worker.command("start").description("Start the installed worker service")).action(
    async (flags: ServiceFlags) => {
      const manager = managerOf(flags);
      await mustBeInstalled(manager);
      await manager.start();
      console.log(`Started ${manager.description}.`);
    },
  );

  withServiceOptions(
    worker.command("stop").description("Stop the worker service (it drains first); it starts again at the next login"),
  ).action(async (flags: ServiceFlags) => {
    const manager = managerOf(flags);
    await mustBeInstalled(manager);
    await manager.stop();
    console.log(`Stopped ${manager.description}.`);
  });

  withServiceOptions(
    worker
      .command("uninstall")
      .description("Stop the worker service and remove it; the state dir (config.json, machine id) is kept"),
  ).action(async (flags: ServiceFlags) => {
    const manager = managerOf(flags);
    await manager.uninstall();
    console.log(`Removed ${manager.description}.`);
  });

  withServiceOptions(worker.command("logs").description("Show the worker service's log"))
    .option("-n, --lines <n>", "how many of the last lines", "100")
    .option("-f, --follow", "keep printing what comes")
    .action(async (flags: ServiceFlags & { lines: string; follow?: boolean }) => {
      const lines = Number(flags.lines);
      if (!Number.isInteger(lines) || lines < 1) throw new Error("--lines must be a whole number of at least 1");
      process.exitCode = await managerOf(flags).showLogs({ lines, follow: flags.follow ?? false });
    });
}

function withServiceOptions(command: Command): Command {
  return command
    .option("--service-name <name>", "one of several workers on this machine (e.g. gpu): its own service and state dir")
    .addOption(new Option("--platform <os>", "the service manager of this OS").default(process.platform).hideHelp());
}

function managerOf(flags: ServiceFlags): ServiceManager {
  const env = process.env;
  return serviceManagerFor(parseServicePlatform(flags.platform), {
    suffix: parseServiceSuffix(flags.serviceName),
    home: homedir(),
    env,
    uid: process.getuid?.() ?? 0,
    windowsUser: env.USERNAME ? `${env.USERDOMAIN ? `${env.USERDOMAIN}\\` : ""}${env.USERNAME}` : userInfo().username,
  });
}

async function mustBeInstalled(manager: ServiceManager): Promise<void> {
  if (!(await manager.status()).installed) {
    throw new Error(`${manager.description} is not installed: run "garageswarm worker install --server … --key …"`);
  }
}
