import { describe, expect, it } from "vitest";
import { reportOf, splitChunk } from "./reports.ts";

const failure = (status: "failed" | "cancelled" | "timed_out", output = "") => ({
  task_id: "t1",
  status,
  error: { message: "boom", kind: "run_error" as const, output, exit_code: 1, detail: {} },
});

describe("reportOf", () => {
  it("turns a completed run into a complete report with the attempt token", () => {
    const result = {
      output: "hi",
      usage: { input_tokens: 1, output_tokens: 2, cost_usd: 0 },
      exit_code: 0,
      artifacts: [],
      detail: {},
    };
    expect(reportOf({ task_id: "t1", status: "completed", result }, { attempt_token: "a", handedBack: false })).toEqual(
      {
        kind: "complete",
        task_id: "t1",
        attempt_token: "a",
        result,
      },
    );
  });

  it("retries a tool failure but not a cancel or a timeout", () => {
    const context = { attempt_token: "a", handedBack: false };
    expect(reportOf(failure("failed"), context)).toMatchObject({ kind: "fail", retryable: true });
    expect(reportOf(failure("cancelled"), context)).toMatchObject({ kind: "fail", retryable: false });
    expect(reportOf(failure("timed_out"), context)).toMatchObject({ kind: "fail", retryable: false });
  });

  it("hands a task back as retryable whatever stopped it", () => {
    expect(reportOf(failure("cancelled"), { attempt_token: "a", handedBack: true })).toMatchObject({
      kind: "fail",
      retryable: true,
      error: expect.stringContaining("handed back"),
    });
  });

  it("quotes the output's tail in the error, within the REST limit", () => {
    const report = reportOf(failure("failed", "x".repeat(50_000)), { attempt_token: "a", handedBack: false });
    expect(report.kind === "fail" && report.error.length).toBeLessThanOrEqual(20_000);
    expect(report.kind === "fail" && report.error).toContain("boom");
  });
});

describe("splitChunk", () => {
  it("keeps small chunks whole and splits large ones in order", () => {
    expect(splitChunk("abc", 10)).toEqual(["abc"]);
    expect(splitChunk("abcdefg", 3)).toEqual(["abc", "def", "g"]);
  });

  it("never cuts a surrogate pair", () => {
    const pieces = splitChunk("ab😀cd", 3);
    expect(pieces.join("")).toBe("ab😀cd");
    expect(pieces).toEqual(["ab", "😀c", "d"]);
  });
});
