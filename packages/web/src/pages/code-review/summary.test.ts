import { describe, expect, it } from "vitest";
import { baseMovedText, commandOutcome, outputTail, patchFileName, shortSha } from "./summary.ts";

describe("review summary", () => {
  it("shortens a SHA to seven characters", () => {
    expect(shortSha("0123456789abcdef0123456789abcdef01234567")).toBe("0123456");
  });

  it("says how far the base moved, and nothing when it did not or nobody knows", () => {
    expect(baseMovedText({ behind: 3, base_ref: "main" })).toBe("Base moved: 3 commits behind main");
    expect(baseMovedText({ behind: 1, base_ref: null })).toBe("Base moved: 1 commit behind the default branch");
    expect(baseMovedText({ behind: 0, base_ref: "main" })).toBeNull();
    expect(baseMovedText({ behind: null, base_ref: "v1.2" })).toBeNull();
  });

  it("keeps the tail of long output and says it was cut", () => {
    const output = `${Array.from({ length: 50 }, (_, i) => `line ${i + 1}`).join("\n")}\n`;
    const tail = outputTail(output, 5);
    expect(tail).toEqual({ text: "line 46\nline 47\nline 48\nline 49\nline 50", cut: true });
    expect(outputTail("ok\n")).toEqual({ text: "ok", cut: false });
  });

  it("names a command's outcome", () => {
    expect(commandOutcome({ exit_code: 0, timed_out: false })).toEqual({ label: "Passed", ok: true });
    expect(commandOutcome({ exit_code: 2, timed_out: false })).toEqual({ label: "Failed (exit 2)", ok: false });
    expect(commandOutcome({ exit_code: null, timed_out: true })).toEqual({ label: "Timed out", ok: false });
    expect(commandOutcome({ exit_code: null, timed_out: false })).toEqual({ label: "Killed", ok: false });
  });

  it("names the patch file after the task and revision", () => {
    expect(patchFileName("1a2b3c4d-0000-4000-8000-000000000000", 2)).toBe("garageswarm-1a2b3c4d-r2.patch");
  });
});
