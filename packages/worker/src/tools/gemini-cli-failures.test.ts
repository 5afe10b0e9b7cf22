// The failure classifier against what the real Gemini CLI 0.61.0 printed: fixtures recorded by
// packages/worker/test/fixtures/gemini-cli/record.ts (the real CLI against the vendor fake in the sandbox).
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { classifyFailure, parseApiError, retryDelayMs } from "./gemini-cli-failures.ts";
import { GeminiStream } from "./gemini-cli-stream.ts";

const fixtures = new URL("../../test/fixtures/gemini-cli/", import.meta.url);
const cases = JSON.parse(readFileSync(new URL("cases.json", fixtures), "utf8")) as Record<
  string,
  { exit_code: number }
>;
const now = new Date("2026-12-07T12:00:00.000Z");

/** Replays a recorded run: its stdout through the stream reader, then the classifier on what it left. */
function classifyRecorded(name: string) {
  const stream = new GeminiStream(() => {});
  for (const line of readFileSync(new URL(`${name}.jsonl`, fixtures), "utf8").split("\n")) stream.line(line);
  const stderr = readFileSync(new URL(`${name}.stderr.txt`, fixtures), "utf8");
  return classifyFailure({ exitCode: cases[name]!.exit_code, message: stream.resultError(), stderr, now });
}

describe("classifyFailure on the real CLI's failures", () => {
  it("a per-minute 429 the CLI gave up on is a rate limit, resetting when the API said to retry", () => {
    expect(classifyRecorded("429-rate-limit")).toEqual({
      kind: "limited",
      limit: {
        kind: "rate_limit",
        // "Please retry in 21.5s." in the API's message beats the RetryInfo's rounded "21s".
        resets_at: "2026-12-07T12:00:21.500Z",
        message: expect.stringContaining("Quota exceeded for metric"),
      },
    });
  });

  it("a daily quota (TerminalQuotaError) is a quota; its reset comes from the API's message kept on stderr", () => {
    expect(classifyRecorded("429-daily-quota")).toEqual({
      kind: "limited",
      limit: {
        kind: "quota",
        resets_at: "2026-12-07T13:00:00.000Z",
        message: "You have exhausted your daily quota on this model.",
      },
    });
  });

  it("a refused key (400 API_KEY_INVALID) and a 401 say how to sign in", () => {
    for (const name of ["invalid-key", "401"]) {
      const failure = classifyRecorded(name);
      expect(failure.kind).toBe("auth");
      expect((failure as { message: string }).message).toMatch(/refused: .*\. To fix it on the worker's machine/);
    }
    expect((classifyRecorded("invalid-key") as { message: string }).message).toContain(
      "API key not valid. Please pass a valid API key.",
    );
  });

  it("a missing key or a gateway the headless CLI refuses (exit 41) is an auth failure", () => {
    expect(classifyRecorded("no-key")).toEqual({
      kind: "auth",
      message: expect.stringMatching(
        /authentication failed: When using Gemini API, you must specify the GEMINI_API_KEY/,
      ),
    });
    expect(classifyRecorded("gateway")).toEqual({
      kind: "auth",
      message: expect.stringContaining("authentication failed: Invalid auth method selected."),
    });
  });

  it("a 400 is the request's fault: retrying cannot help", () => {
    expect(classifyRecorded("400")).toEqual({
      kind: "input",
      message:
        "Gemini CLI failed: the API refused the request: * GenerateContentRequest.contents: contents is not specified",
    });
  });

  it("the turn limit (exit 53), an untrusted directory (55) and a session that cannot resume (42)", () => {
    expect(classifyRecorded("max-turns")).toEqual({
      kind: "run",
      message: expect.stringMatching(/^Gemini CLI reached its session turn limit .*Reached max session turns/),
    });
    expect(classifyRecorded("untrusted")).toMatchObject({
      kind: "run",
      message: expect.stringContaining("--skip-trust"),
    });
    expect(classifyRecorded("resume-missing")).toEqual({
      kind: "input",
      message: "Gemini CLI refused the input: Error resuming session: No previous sessions found for this project.",
    });
  });
});

describe("classifyFailure on shapes not recorded", () => {
  it("a 429 with limit 0 is no quota at all for the model: waiting would not help", () => {
    const failure = classifyFailure({
      exitCode: 173,
      message:
        "[API Error: Quota exceeded for metric: generativelanguage.googleapis.com/generate_content_free_tier_requests, limit: 0, model: gemini-2.5-pro]",
      stderr: "TerminalQuotaError: …",
      now,
    });
    expect(failure.kind).toBe("run");
  });

  it("a busy model (capacity) is a rate limit, not a quota; no retry time means no reset time", () => {
    const failure = classifyFailure({
      exitCode: 173,
      message: "[API Error: You have exhausted your capacity on this model.]",
      stderr: "TerminalQuotaError: You have exhausted your capacity on this model.",
      now,
    });
    expect(failure).toEqual({
      kind: "limited",
      limit: { kind: "rate_limit", resets_at: null, message: "You have exhausted your capacity on this model." },
    });
  });

  it("reads retry delays as the CLI does, and the API error JSON the CLI wraps", () => {
    expect(retryDelayMs("Please retry in 250ms.")).toBe(250);
    expect(retryDelayMs("no delay here")).toBeNull();
    expect(
      parseApiError('[API Error: {"error":{"code":403,"message":"denied","status":"PERMISSION_DENIED"}}]'),
    ).toEqual({
      code: 403,
      message: "denied",
      reasons: [],
    });
  });
});
