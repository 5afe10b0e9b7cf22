// The Scheduled Task as schtasks would read it: UTF-16 with a byte order mark, parsed back with a maintained XML
// parser; the command line keeps each path with spaces whole.
import { XMLParser, XMLValidator } from "fast-xml-parser";
import { describe, expect, it } from "vitest";
import { scheduledTaskName, scheduledTaskXml, utf16WithBom, windowsCommandArguments } from "./scheduled-task-xml.ts";

const spec = {
  suffix: undefined,
  program: "C:\\Program Files\\nodejs\\node.exe",
  args: [
    "C:\\Users\\Ann Lee\\.garageswarm\\bin\\garageswarm-0.1.0.mjs",
    "worker",
    "--state-dir",
    "C:\\Users\\Ann Lee\\w&<>",
  ],
  stateDir: "C:\\Users\\Ann Lee\\w&<>",
  path: "C:\\Windows",
  stopTimeoutSeconds: 90,
};
const logFile = "C:\\Users\\Ann Lee\\AppData\\Local\\GarageSwarm\\Logs\\worker.log";

describe("scheduledTaskXml", () => {
  it("is UTF-16LE with a BOM and parses to a logon task that runs the worker and appends to its log", () => {
    const bytes = utf16WithBom(scheduledTaskXml(spec, { userId: "LAPTOP\\Ann Lee", logFile }));
    expect([...bytes.subarray(0, 2)]).toEqual([0xff, 0xfe]);
    const xml = bytes.subarray(2).toString("utf16le");
    expect(XMLValidator.validate(xml)).toBe(true);
    const { Task } = new XMLParser({ ignoreAttributes: false, parseTagValue: false }).parse(xml);
    expect(Task.RegistrationInfo.URI).toBe("\\GarageSwarm\\Worker");
    expect(Task.Triggers.LogonTrigger).toEqual({ Enabled: "true", UserId: "LAPTOP\\Ann Lee" });
    expect(Task.Principals.Principal.LogonType).toBe("InteractiveToken");
    expect(Task.Settings.ExecutionTimeLimit).toBe("PT0S");
    expect(Task.Settings.RestartOnFailure).toEqual({ Interval: "PT1M", Count: "999" });
    expect(Task.Actions.Exec.Command).toBe("cmd.exe");
    expect(Task.Actions.Exec.Arguments).toBe(
      '/d /s /c ""C:\\Program Files\\nodejs\\node.exe" "C:\\Users\\Ann Lee\\.garageswarm\\bin\\garageswarm-0.1.0.mjs" ' +
        '"worker" "--state-dir" "C:\\Users\\Ann Lee\\w&<>" >> "C:\\Users\\Ann Lee\\AppData\\Local\\GarageSwarm\\Logs\\worker.log" 2>&1"',
    );
  });

  it("names a second worker's task after its --service-name, and refuses what cmd.exe cannot quote", () => {
    expect(scheduledTaskName(undefined)).toBe("GarageSwarm\\Worker");
    expect(scheduledTaskName("gpu")).toBe("GarageSwarm\\Worker-gpu");
    expect(() => windowsCommandArguments(["C:\\100%\\node.exe"], logFile)).toThrow("%");
    expect(() => windowsCommandArguments(['C:\\a"b'], logFile)).toThrow('"');
  });
});
