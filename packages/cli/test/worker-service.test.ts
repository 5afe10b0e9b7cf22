// `garageswarm worker install|status|start|stop|logs|uninstall` end to end, for each OS's service manager. The
// managers (systemctl, journalctl, launchctl, schtasks, tail) are the outermost edge: fakes of those names come
// first on PATH, record their argv and answer what the test says. Only the Linux unit is checked by the real
// systemd (systemd-analyze verify, in src/service/systemd-unit.test.ts); launchd and Task Scheduler are not here.

import { realpathSync } from "node:fs";
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { XMLParser } from "fast-xml-parser";
import { parse as parsePlist } from "plist";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { runCli } from "./cli.support.ts";

const cliEntry = realpathSync(resolve(dirname(fileURLToPath(import.meta.url)), "../bin/garageswarm.js"));
// Each test spawns the CLI several times; a loaded 2-core machine takes seconds per spawn (a hang guard).
const SPAWNS_TIMEOUT_MS = 150_000;
const managers = ["systemctl", "journalctl", "launchctl", "schtasks", "tail"];

interface Reply {
  stdout?: string;
  code?: number;
}

let root: string;
let home: string;
let calls: string;
let replies: string;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), "gs-service-"));
  // A space in HOME: every path the service files hold has one.
  home = join(root, "home dir");
  await mkdir(home);
  calls = join(root, "calls.jsonl");
  replies = join(root, "replies.json");
  await writeFile(calls, "");
  await writeFile(replies, "{}");
  const bin = join(root, "bin");
  await mkdir(bin);
  const fake = `#!${process.execPath}
const fs = require("node:fs");
const argv = [require("node:path").basename(process.argv[1]), ...process.argv.slice(2)];
fs.appendFileSync(process.env.FAKE_CALLS, JSON.stringify(argv) + "\\n");
const reply = JSON.parse(fs.readFileSync(process.env.FAKE_REPLIES, "utf8"))[argv.join(" ")] ?? {};
process.stdout.write(reply.stdout ?? "");
process.exit(reply.code ?? 0);
`;
  for (const name of managers) {
    await writeFile(join(bin, name), fake);
    await chmod(join(bin, name), 0o755);
  }
});
afterEach(() => rm(root, { recursive: true, force: true }));

function cli(args: string[], env: NodeJS.ProcessEnv = {}) {
  return runCli(args, {
    PATH: `${join(root, "bin")}:${process.env.PATH}`,
    HOME: home,
    FAKE_CALLS: calls,
    FAKE_REPLIES: replies,
    ...env,
  });
}

/** The manager calls made since the last look. */
async function takeCalls(): Promise<string[][]> {
  const text = await readFile(calls, "utf8");
  await writeFile(calls, "");
  return text
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => JSON.parse(line));
}

async function answer(table: Record<string, Reply>): Promise<void> {
  await writeFile(replies, JSON.stringify(table));
}

const stateDir = () => join(home, ".garageswarm", "worker");
const connection = ["--server", "http://127.0.0.1:9/", "--key", "gs_service_test"];

describe("worker install on Linux (systemd user unit)", { timeout: SPAWNS_TIMEOUT_MS }, () => {
  it("saves the flags over config.json, writes the unit and enables it; status says so", async () => {
    await mkdir(stateDir(), { recursive: true });
    await writeFile(join(stateDir(), "config.json"), JSON.stringify({ key: "gs_saved_before", name: "laptop" }));
    const installed = await cli([
      "worker",
      "install",
      "--platform",
      "linux",
      "--server",
      "http://127.0.0.1:9/",
      "--slots",
      "2",
    ]);
    expect(installed.stderr).toBe("");
    expect(installed.code).toBe(0);
    expect(JSON.parse(await readFile(join(stateDir(), "config.json"), "utf8"))).toEqual({
      key: "gs_saved_before",
      name: "laptop",
      server: "http://127.0.0.1:9",
      slots: 2,
    });
    const unitFile = join(home, ".config", "systemd", "user", "garageswarm-worker.service");
    const unit = await readFile(unitFile, "utf8");
    expect(unit).toContain(`ExecStart="${process.execPath}" "${cliEntry}" "worker" "--state-dir" "${stateDir()}"`);
    expect(await takeCalls()).toEqual([
      ["systemctl", "--user", "daemon-reload"],
      ["systemctl", "--user", "enable", "--now", "garageswarm-worker.service"],
    ]);
    expect(installed.stdout).toContain(`file      ${unitFile}`);
    expect(installed.stdout).toContain("logs      journalctl --user -u garageswarm-worker.service");

    await answer({ "systemctl --user is-active garageswarm-worker.service": { stdout: "active\n" } });
    const status = await cli(["worker", "status", "--platform", "linux"]);
    expect(status.stdout).toMatch(/^installed {2}yes$/m);
    expect(status.stdout).toMatch(/^running {4}yes \(active\)$/m);
    expect(status.stdout).toContain(`file       ${unitFile}`);
    expect(await takeCalls()).toEqual([["systemctl", "--user", "is-active", "garageswarm-worker.service"]]);
  });

  it("stops, starts, shows the journal, restarts on a new install, and uninstalls keeping the state dir", async () => {
    const unitFile = join(home, ".config", "systemd", "user", "garageswarm-worker.service");
    expect((await cli(["worker", "install", "--platform", "linux", ...connection])).code).toBe(0);
    await takeCalls();
    expect((await cli(["worker", "stop", "--platform", "linux"])).code).toBe(0);
    expect((await cli(["worker", "start", "--platform", "linux"])).code).toBe(0);
    expect((await cli(["worker", "logs", "--platform", "linux", "-n", "20", "--follow"])).code).toBe(0);
    expect(await takeCalls()).toEqual([
      ["systemctl", "--user", "is-active", "garageswarm-worker.service"],
      ["systemctl", "--user", "stop", "garageswarm-worker.service"],
      ["systemctl", "--user", "is-active", "garageswarm-worker.service"],
      ["systemctl", "--user", "start", "garageswarm-worker.service"],
      ["journalctl", "--user", "-u", "garageswarm-worker.service", "-n", "20", "-f"],
    ]);

    // Installed again: the running service restarts so the new settings apply.
    expect((await cli(["worker", "install", "--platform", "linux", "--labels", "gpu"])).code).toBe(0);
    expect(await takeCalls()).toEqual([
      ["systemctl", "--user", "daemon-reload"],
      ["systemctl", "--user", "enable", "--now", "garageswarm-worker.service"],
      ["systemctl", "--user", "restart", "garageswarm-worker.service"],
    ]);

    const removed = await cli(["worker", "uninstall", "--platform", "linux"]);
    expect(removed.code).toBe(0);
    expect(await takeCalls()).toEqual([
      ["systemctl", "--user", "disable", "--now", "garageswarm-worker.service"],
      ["systemctl", "--user", "daemon-reload"],
    ]);
    await expect(readFile(unitFile)).rejects.toMatchObject({ code: "ENOENT" });
    // The state dir stays: installing again needs no key.
    expect(JSON.parse(await readFile(join(stateDir(), "config.json"), "utf8"))).toMatchObject({ labels: ["gpu"] });
  });

  it("refuses without a server or key, or with a bad flag, and writes nothing", async () => {
    const noKey = await cli(["worker", "install", "--platform", "linux", "--server", "http://127.0.0.1:9"]);
    expect(noKey.code).toBe(1);
    expect(noKey.stderr).toContain("no API key");
    const badSlots = await cli(["worker", "install", "--platform", "linux", ...connection, "--slots", "0"]);
    expect(badSlots.code).toBe(1);
    expect(badSlots.stderr).toContain("--slots");
    const badName = await cli(["worker", "install", "--platform", "linux", ...connection, "--service-name", "../x"]);
    expect(badName.code).toBe(1);
    expect(badName.stderr).toContain("--service-name");
    await expect(readFile(join(stateDir(), "config.json"))).rejects.toMatchObject({ code: "ENOENT" });
    expect(await takeCalls()).toEqual([]);
    const stop = await cli(["worker", "stop", "--platform", "linux"]);
    expect(stop.code).toBe(1);
    expect(stop.stderr).toContain("is not installed");
  });

  it("gives a second worker (--service-name) its own unit and state dir", async () => {
    const installed = await cli(["worker", "install", "--platform", "linux", ...connection, "--service-name", "gpu"]);
    expect(installed.code).toBe(0);
    const gpuState = join(home, ".garageswarm", "worker-gpu");
    expect(JSON.parse(await readFile(join(gpuState, "config.json"), "utf8"))).toMatchObject({ key: "gs_service_test" });
    const unit = await readFile(join(home, ".config", "systemd", "user", "garageswarm-worker-gpu.service"), "utf8");
    expect(unit).toContain(`"--state-dir" "${gpuState}"`);
    expect(await takeCalls()).toContainEqual([
      "systemctl",
      "--user",
      "enable",
      "--now",
      "garageswarm-worker-gpu.service",
    ]);
  });
});

describe("worker install on macOS (LaunchAgent)", { timeout: SPAWNS_TIMEOUT_MS }, () => {
  it("writes the plist, bootstraps it in the gui domain; status, stop, logs, uninstall", async () => {
    const uid = process.getuid?.() ?? 0;
    const target = `gui/${uid}/com.garageswarm.worker`;
    const plistFile = join(home, "Library", "LaunchAgents", "com.garageswarm.worker.plist");
    const logFile = join(home, "Library", "Logs", "GarageSwarm", "worker.log");
    await answer({ [`launchctl print ${target}`]: { code: 113 } });
    const installed = await cli(["worker", "install", "--platform", "darwin", ...connection]);
    expect(installed.stderr).toBe("");
    expect(await takeCalls()).toEqual([
      ["launchctl", "print", target],
      ["launchctl", "enable", target],
      ["launchctl", "bootstrap", `gui/${uid}`, plistFile],
    ]);
    expect(parsePlist(await readFile(plistFile, "utf8"))).toMatchObject({
      Label: "com.garageswarm.worker",
      ProgramArguments: [process.execPath, cliEntry, "worker", "--state-dir", stateDir()],
      StandardOutPath: logFile,
      KeepAlive: { SuccessfulExit: false },
    });

    await answer({ [`launchctl print ${target}`]: { stdout: "\tstate = running\n\tpid = 4242\n" } });
    const status = await cli(["worker", "status", "--platform", "darwin", "--json"]);
    expect(JSON.parse(status.stdout)).toEqual({
      installed: true,
      running: true,
      detail: "state = running",
      service: "LaunchAgent com.garageswarm.worker",
      file: plistFile,
      logs: logFile,
    });
    await takeCalls();
    expect((await cli(["worker", "stop", "--platform", "darwin"])).code).toBe(0);
    expect((await cli(["worker", "logs", "--platform", "darwin"])).code).toBe(0);
    expect(await takeCalls()).toEqual([
      ["launchctl", "print", target],
      ["launchctl", "print", target],
      ["launchctl", "bootout", target],
      ["tail", "-n", "100", logFile],
    ]);

    await answer({ [`launchctl print ${target}`]: { code: 113 } });
    expect((await cli(["worker", "start", "--platform", "darwin"])).code).toBe(0);
    expect(await takeCalls()).toEqual([
      ["launchctl", "print", target],
      ["launchctl", "print", target],
      ["launchctl", "bootstrap", `gui/${uid}`, plistFile],
    ]);
    expect((await cli(["worker", "uninstall", "--platform", "darwin"])).code).toBe(0);
    expect(await takeCalls()).toEqual([["launchctl", "print", target]]);
    await expect(readFile(plistFile)).rejects.toMatchObject({ code: "ENOENT" });
  });
});

describe("worker install on Windows (Scheduled Task)", { timeout: SPAWNS_TIMEOUT_MS }, () => {
  it("creates the task from UTF-16 XML and runs it; status, stop, logs, uninstall", async () => {
    const local = join(root, "Local AppData");
    const env = { LOCALAPPDATA: local, USERNAME: "ann", USERDOMAIN: "LAPTOP" };
    const task = "GarageSwarm\\Worker";
    const query = `schtasks /Query /TN ${task} /FO CSV /NH`;
    const xmlFile = join(local, "GarageSwarm", "worker-task.xml");
    const logFile = join(local, "GarageSwarm", "Logs", "worker.log");
    await answer({ [query]: { code: 1 } });
    const installed = await cli(["worker", "install", "--platform", "win32", ...connection], env);
    expect(installed.stderr).toBe("");
    expect(await takeCalls()).toEqual([
      ["schtasks", "/Query", "/TN", task, "/FO", "CSV", "/NH"],
      ["schtasks", "/Create", "/TN", task, "/XML", xmlFile, "/F"],
      ["schtasks", "/Run", "/TN", task],
    ]);
    const bytes = await readFile(xmlFile);
    expect([...bytes.subarray(0, 2)]).toEqual([0xff, 0xfe]);
    const { Task } = new XMLParser({ parseTagValue: false }).parse(bytes.subarray(2).toString("utf16le"));
    expect(Task.Triggers.LogonTrigger.UserId).toBe("LAPTOP\\ann");
    expect(Task.Actions.Exec.Arguments).toBe(
      `/d /s /c ""${process.execPath}" "${cliEntry}" "worker" "--state-dir" "${stateDir()}" >> "${logFile}" 2>&1"`,
    );

    await answer({ [query]: { stdout: '"\\GarageSwarm\\Worker","N/A","Running"\r\n' } });
    const status = await cli(["worker", "status", "--platform", "win32"], env);
    expect(status.stdout).toMatch(/^running {4}yes \(Running\)$/m);
    expect(status.stdout).toContain(`logs       ${logFile}`);
    await takeCalls();
    expect((await cli(["worker", "stop", "--platform", "win32"], env)).code).toBe(0);
    expect(await takeCalls()).toEqual([
      ["schtasks", "/Query", "/TN", task, "/FO", "CSV", "/NH"],
      ["schtasks", "/End", "/TN", task],
    ]);

    await writeFile(logFile, "line 1\nline 2\nline 3\n");
    const logs = await cli(["worker", "logs", "--platform", "win32", "-n", "2"], env);
    expect(logs.stdout).toBe("line 2\nline 3\n");

    expect((await cli(["worker", "uninstall", "--platform", "win32"], env)).code).toBe(0);
    expect(await takeCalls()).toEqual([
      ["schtasks", "/Query", "/TN", task, "/FO", "CSV", "/NH"],
      ["schtasks", "/End", "/TN", task],
      ["schtasks", "/Delete", "/TN", task, "/F"],
    ]);
    await expect(readFile(xmlFile)).rejects.toMatchObject({ code: "ENOENT" });
  });
});
