import { describe, expect, it } from "vitest";
import type { TaskFailure, TaskOutcome } from "../executor/executor.ts";
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

  it("trims a long output so that a report carrying a patch stays under the 12 MiB body limit", () => {
    const patch = `${"+".repeat(99)}\n`.repeat(50_000);
    const code = {
      repo_url: "file:///r.git",
      base_ref: null,
      base_sha: "a".repeat(40),
      head_sha: "b".repeat(40),
      branch: "garageswarm/12345678-1",
      files: [],
      additions: 50_000,
      deletions: 0,
      patch_bytes: patch.length,
      patch_sha256: "c".repeat(64),
      patch,
      setup: null,
      check: null,
      pushed: false,
      behind: null,
      ahead: 1,
    };
    const output = `${"o".repeat(8_999_990)}THE END`;
    const result = {
      output,
      usage: { input_tokens: 1, output_tokens: 2, cost_usd: 0 },
      exit_code: 0,
      artifacts: [],
      detail: {},
      code,
    };
    const report = reportOf({ task_id: "t1", status: "completed", result }, { attempt_token: "a", handedBack: false });
    if (report.kind !== "complete") throw new Error("expected a complete report");
    expect(Buffer.byteLength(JSON.stringify(report))).toBeLessThan(12 * 1024 * 1024);
    expect(report.result.code?.patch).toBe(patch);
    expect(report.result.output).toMatch(
      /^\[output truncated to its last \d+ characters to make room for the patch\]\n/,
    );
    expect(report.result.output.endsWith("THE END")).toBe(true);
    expect(report.result.detail).toMatchObject({ output_truncated: true, output_chars: output.length });

    const small = { ...result, output: "short" };
    const untouched = reportOf(
      { task_id: "t1", status: "completed", result: small },
      { attempt_token: "a", handedBack: false },
    );
    expect(untouched.kind === "complete" && untouched.result).toEqual(small);
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

describe("reportOf with limits and sessions", () => {
  const context = { attempt_token: "a", handedBack: false };
  const limit = {
    kind: "usage_limit" as const,
    resets_at: "2026-12-01T19:00:00+01:00",
    message: "You've hit your limit",
  };
  const failed = (error: Partial<TaskFailure>): TaskOutcome => ({
    task_id: "t1",
    status: "failed",
    error: { message: "boom", kind: "run_error", output: "", exit_code: null, detail: {}, ...error },
  });

  it("reports a limited run as a retryable failure carrying the limit and the agent's session", () => {
    const report = reportOf(
      failed({ kind: "limited", message: "claude_code is limited", limit, session_id: "s-1" }),
      context,
    );
    expect(report).toEqual({
      kind: "fail",
      task_id: "t1",
      attempt_token: "a",
      error: "claude_code is limited",
      retryable: true,
      limit,
      session_id: "s-1",
    });
  });

  it("keeps the session of any failure, but not one longer than the server stores", () => {
    expect(reportOf(failed({ session_id: "s-2" }), context)).toMatchObject({ session_id: "s-2" });
    expect(reportOf(failed({ session_id: "s".repeat(201) }), context)).not.toHaveProperty("session_id");
    expect(reportOf(failed({}), context)).not.toHaveProperty("limit");
  });

  it("does not retry a task the tool cannot take as it is", () => {
    expect(reportOf(failed({ kind: "input" }), context)).toMatchObject({ kind: "fail", retryable: false });
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
