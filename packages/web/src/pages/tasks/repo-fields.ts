// The task form's repository fields: when they apply, and how they become the create body's `repo`.
import type { TaskRepo, ToolId } from "@garageswarm/protocol";
import { codeToolIds } from "../../labels.ts";

/** The server's field names for the repository, for the form-level error to leave to the fields. */
export const repoFieldNames = ["repo", "repo.url", "repo.ref", "repo.setup", "repo.check", "repo.push"];

export function canUseRepo(tools: readonly ToolId[]): boolean {
  return tools.length > 0 && tools.every((tool) => codeToolIds.includes(tool));
}

/** The form's repository fields as the create body's `repo`, or nothing when none was given. */
export function repoFromForm(values: Record<string, string>): TaskRepo | undefined {
  const text = (name: string) => values[name]?.trim() ?? "";
  const given = ["repo_url", "repo_ref", "repo_setup", "repo_check"].some((name) => text(name) !== "");
  if (!given) return undefined;
  // Sent even without a URL when other fields are filled: the server then says the URL is required.
  return {
    url: text("repo_url"),
    ...(text("repo_ref") ? { ref: text("repo_ref") } : {}),
    ...(text("repo_setup") ? { setup: text("repo_setup") } : {}),
    ...(text("repo_check") ? { check: text("repo_check") } : {}),
    push: values.repo_push === "on",
  };
}
