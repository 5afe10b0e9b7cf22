// What the agent is told in a review round: the reviewer's message and comments, batched, with the task it
// did. A follow-up on another worker starts a fresh session, so the original task is always restated.
import type { CodeResult } from "@garageswarm/protocol";

export interface SentComment {
  body: string;
  path: string | null;
  line: number | null;
  side: "old" | "new";
}

/** The original prompt is restated up to this many characters (a resumed session has it in full). */
const ORIGINAL_PROMPT_MAX = 20_000;

export function followUpPrompt(input: {
  originalPrompt: string;
  code: Pick<CodeResult, "branch">;
  revision: number;
  message: string | undefined;
  comments: readonly SentComment[];
}): string {
  const original =
    input.originalPrompt.length > ORIGINAL_PROMPT_MAX
      ? `${input.originalPrompt.slice(0, ORIGINAL_PROMPT_MAX)}\n[…]`
      : input.originalPrompt;
  const lines = [
    `A reviewer read revision ${input.revision} of your work on branch ${input.code.branch} and asks for changes.`,
    "",
    "The task was:",
    original,
    "",
  ];
  if (input.message) lines.push("The reviewer says:", input.message, "");
  if (input.comments.length > 0) {
    lines.push("Review comments:");
    input.comments.forEach((comment, index) => {
      lines.push(`${index + 1}. ${where(comment)}: ${comment.body}`);
    });
    lines.push("");
  }
  lines.push(
    "Make these changes in this working tree, on the same branch. Do not rewrite the branch's history; " +
      "new commits (or uncommitted changes, which are committed for you) are the next revision.",
  );
  return lines.join("\n");
}

function where(comment: SentComment): string {
  if (comment.path === null) return "On the whole change";
  if (comment.line === null) return comment.path;
  return `${comment.path}:${comment.line}${comment.side === "old" ? " (the line as it was before)" : ""}`;
}
