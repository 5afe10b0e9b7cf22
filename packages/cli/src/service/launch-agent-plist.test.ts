// The LaunchAgent as launchd would read it: parsed back with a maintained plist parser.
import { parse } from "plist";
import { describe, expect, it } from "vitest";
import { launchAgentLabel, launchAgentPlist } from "./launch-agent-plist.ts";

describe("launchAgentPlist", () => {
  it("parses to the program, its arguments word by word, restart on failure and the log file", () => {
    const xml = launchAgentPlist(
      {
        suffix: "gpu",
        program: "/Users/a b/.nvm/versions/node/v22/bin/node",
        args: ["/Users/a b/.garageswarm/bin/garageswarm-0.1.0.mjs", "worker", "--state-dir", "/Users/a b/<&>\"'%$"],
        stateDir: "/Users/a b/<&>\"'%$",
        path: "/opt/homebrew/bin:/usr/bin:/bin",
        stopTimeoutSeconds: 90,
      },
      "/Users/a b/Library/Logs/GarageSwarm/worker-gpu.log",
    );
    expect(parse(xml)).toEqual({
      Label: "com.garageswarm.worker.gpu",
      ProgramArguments: [
        "/Users/a b/.nvm/versions/node/v22/bin/node",
        "/Users/a b/.garageswarm/bin/garageswarm-0.1.0.mjs",
        "worker",
        "--state-dir",
        "/Users/a b/<&>\"'%$",
      ],
      EnvironmentVariables: { PATH: "/opt/homebrew/bin:/usr/bin:/bin" },
      RunAtLoad: true,
      KeepAlive: { SuccessfulExit: false },
      ThrottleInterval: 10,
      ExitTimeOut: 90,
      ProcessType: "Background",
      StandardOutPath: "/Users/a b/Library/Logs/GarageSwarm/worker-gpu.log",
      StandardErrorPath: "/Users/a b/Library/Logs/GarageSwarm/worker-gpu.log",
    });
    expect(launchAgentLabel(undefined)).toBe("com.garageswarm.worker");
  });
});
