import { describe, expect, it } from "vitest";
import { workerCommands } from "./worker-command.ts";

describe("the Add-worker command", () => {
  it("runs npx garageswarm worker with the server and name, the key in the environment", () => {
    expect(workerCommands("http://192.168.1.20:8000", "gs_abc", "laptop")).toEqual({
      sh: "GARAGESWARM_KEY=gs_abc npx garageswarm worker --server http://192.168.1.20:8000 --name laptop",
      ps1: "$env:GARAGESWARM_KEY='gs_abc'; npx garageswarm worker --server http://192.168.1.20:8000 --name laptop",
    });
  });

  it("quotes a name with spaces or quotes for each shell, and leaves out an empty one", () => {
    const commands = workerCommands("http://box:8000", "gs_k", "Ann's box");
    expect(commands.sh).toContain(`--name 'Ann'\\''s box'`);
    expect(commands.ps1).toContain("--name 'Ann''s box'");
    expect(workerCommands("http://box:8000", "gs_k", "").sh).toBe(
      "GARAGESWARM_KEY=gs_k npx garageswarm worker --server http://box:8000",
    );
  });
});
