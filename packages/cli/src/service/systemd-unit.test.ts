// The unit as systemd reads it: `systemd-analyze verify --user` on the generated file (this machine has no user
// systemd bus, so the unit is verified, not run). Paths with spaces, `%` and `$` are quoted as systemd wants.
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ServiceSpec } from "./service-spec.ts";
import { systemdUnit, systemdUnitName } from "./systemd-unit.ts";

const SYSTEMD_ANALYZE = "/usr/bin/systemd-analyze";
const missing = !existsSync(SYSTEMD_ANALYZE);
if (missing && process.env.CI === "true") throw new Error(`${SYSTEMD_ANALYZE} is needed to verify the systemd unit`);

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "gs-unit-"));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

function spec(program: string, stateDir: string): ServiceSpec {
  return {
    suffix: undefined,
    program,
    args: ["/opt/garage swarm/garageswarm-0.1.0.mjs", "worker", "--state-dir", stateDir],
    stateDir,
    path: "/usr/local/bin:/usr/bin:/bin",
    stopTimeoutSeconds: 90,
  };
}

describe("systemdUnit", () => {
  it("quotes every word: spaces, quotes and backslashes escaped, % and $ doubled", () => {
    const unit = systemdUnit(spec("/usr/bin/node", '/home/a b/100%/$HOME/"x"\\y'));
    expect(unit).toContain(
      'ExecStart="/usr/bin/node" "/opt/garage swarm/garageswarm-0.1.0.mjs" "worker" "--state-dir" ' +
        '"/home/a b/100%%/$$HOME/\\"x\\"\\\\y"',
    );
    expect(unit).toContain('Environment="PATH=/usr/local/bin:/usr/bin:/bin"');
    expect(unit).toMatch(/^Restart=on-failure$/m);
    expect(unit).toMatch(/^WantedBy=default\.target$/m);
    expect(unit).toMatch(/^TimeoutStopSec=90$/m);
    expect(() => systemdUnit(spec("/usr/bin/node", "/a\nb"))).toThrow("line break");
  });

  it("names a second worker's unit after its --service-name", () => {
    expect(systemdUnitName(undefined)).toBe("garageswarm-worker.service");
    expect(systemdUnitName("gpu")).toBe("garageswarm-worker-gpu.service");
  });

  it.skipIf(missing)("passes systemd-analyze verify, with Node at a path holding spaces", async () => {
    // Node linked under "my node dir": verify fails with "Command … is not executable" unless the path stays whole.
    const nodeDir = join(dir, "my node dir");
    await mkdir(nodeDir, { recursive: true });
    await symlink(process.execPath, join(nodeDir, "node"));
    const file = join(dir, systemdUnitName(undefined));
    await writeFile(file, systemdUnit(spec(join(nodeDir, "node"), join(dir, "state dir 100%"))));
    const runtime = join(dir, "runtime");
    await mkdir(runtime, { mode: 0o700 });
    const { stdout, stderr } = await promisify(execFile)(SYSTEMD_ANALYZE, ["verify", "--user", file], {
      env: { ...process.env, XDG_RUNTIME_DIR: runtime, SYSTEMD_LOG_COLOR: "0" },
    });
    // Before systemd 254 the two back-off keys are unknown and ignored; nothing else may be said.
    const said = `${stdout}${stderr}`
      .split("\n")
      .filter((line) => line.trim() !== "")
      .filter(
        (line) => !/Unknown key '(RestartSteps|RestartMaxDelaySec)' in section \[Service\], ignoring\.$/.test(line),
      );
    expect(said).toEqual([]);
  });

  it.skipIf(missing)("fails verify when a path is left unquoted (the check above can tell)", async () => {
    const nodeDir = join(dir, "my node dir");
    const file = join(dir, "broken.service");
    const unit = systemdUnit(spec(join(nodeDir, "node"), "/tmp")).replace(
      `"${join(nodeDir, "node")}"`,
      join(nodeDir, "node"),
    );
    await writeFile(file, unit);
    const runtime = join(dir, "runtime");
    const verify = promisify(execFile)(SYSTEMD_ANALYZE, ["verify", "--user", file], {
      env: { ...process.env, XDG_RUNTIME_DIR: runtime },
    });
    await expect(verify).rejects.toMatchObject({ stderr: expect.stringContaining("is not executable") });
  });
});
