// How a code result's facts read in the review header.
import type { CodeResult } from "@garageswarm/protocol";

export function shortSha(sha: string): string {
  return sha.slice(0, 7);
}

/** Says when the base branch moved on since the work started (the change may no longer apply cleanly). */
export function baseMovedText(code: Pick<CodeResult, "behind" | "base_ref">): string | null {
  if (code.behind === null || code.behind === 0) return null;
  const commits = `${code.behind} commit${code.behind === 1 ? "" : "s"}`;
  return `Base moved: ${commits} behind ${code.base_ref ?? "the default branch"}`;
}

/** The last lines of a command's output: what a reader looks at first. */
export function outputTail(output: string, lines = 40): { text: string; cut: boolean } {
  const all = output.replace(/\n$/, "").split("\n");
  return all.length <= lines ? { text: all.join("\n"), cut: false } : { text: all.slice(-lines).join("\n"), cut: true };
}

/** A command's outcome in a word: passed, failed (with its code), timed out or killed. */
export function commandOutcome(result: Pick<NonNullable<CodeResult["check"]>, "exit_code" | "timed_out">): {
  label: string;
  ok: boolean;
} {
  if (result.timed_out) return { label: "Timed out", ok: false };
  if (result.exit_code === null) return { label: "Killed", ok: false };
  return result.exit_code === 0
    ? { label: "Passed", ok: true }
    : { label: `Failed (exit ${result.exit_code})`, ok: false };
}

export function patchFileName(taskId: string, revision: number | null): string {
  return `garageswarm-${taskId.slice(0, 8)}${revision ? `-r${revision}` : ""}.patch`;
}
