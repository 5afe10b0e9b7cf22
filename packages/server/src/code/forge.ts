// Opening a pull request for an accepted code task through a forge's REST API (GitHub's shape: Gitea and
// Forgejo answer it too). Only the forges the operator configured (`GARAGESWARM_FORGES`) are called, matched
// by the repository URL's host, and no redirect is followed: no user can make the server call elsewhere.
import type { CodeResult } from "@garageswarm/protocol";
import type { Forge } from "../config.ts";
import { ConflictError, UpstreamError } from "../errors.ts";

export interface ForgeRepo {
  forge: Forge;
  owner: string;
  name: string;
}

export interface PullRequest {
  url: string;
  number: number;
}

const FORGE_TIMEOUT_MS = 15_000;

/** The forge and `owner/name` of a repository URL (https, ssh or `git@host:owner/name.git`), or null. */
export function repoOnForge(url: string, forges: readonly Forge[]): ForgeRepo | null {
  const scp = /^[^@/]+@([^:/]+):(.+)$/.exec(url);
  let host: string;
  let path: string;
  if (scp && !url.includes("://")) {
    host = scp[1] ?? "";
    path = scp[2] ?? "";
  } else {
    try {
      const parsed = new URL(url);
      host = parsed.host;
      path = parsed.pathname;
    } catch {
      return null;
    }
  }
  const forge = forges.find((candidate) => candidate.host === host.toLowerCase());
  const parts = path
    .replace(/^\/+/, "")
    .replace(/\.git$/, "")
    .split("/");
  if (!forge || parts.length !== 2 || !parts[0] || !parts[1]) return null;
  return { forge, owner: parts[0], name: parts[1] };
}

/** Opens the pull request of a pushed code task's branch onto its base branch. */
export async function openPullRequest(
  repo: ForgeRepo,
  code: CodeResult,
  title: string,
  body: string,
): Promise<PullRequest> {
  const base = isBranchName(code.base_ref) ? code.base_ref : await defaultBranch(repo);
  const created = await call(repo, "POST", "/pulls", { title: title.slice(0, 250), head: code.branch, base, body });
  const url = (created as { html_url?: unknown }).html_url;
  const number = (created as { number?: unknown }).number;
  if (typeof url !== "string" || typeof number !== "number") {
    throw new UpstreamError(`${repo.forge.host} answered the pull request without its html_url and number`);
  }
  return { url, number };
}

/** A ref that names a branch (not a commit SHA, not absent). */
function isBranchName(ref: string | null): ref is string {
  return ref !== null && !/^[0-9a-f]{40}([0-9a-f]{24})?$/.test(ref) && !ref.startsWith("refs/tags/");
}

async function defaultBranch(repo: ForgeRepo): Promise<string> {
  const found = (await call(repo, "GET", "", undefined)) as { default_branch?: unknown };
  if (typeof found.default_branch !== "string") {
    throw new UpstreamError(`${repo.forge.host} did not say ${repo.owner}/${repo.name}'s default branch`);
  }
  return found.default_branch;
}

async function call(repo: ForgeRepo, method: string, path: string, body: unknown): Promise<unknown> {
  const url = `${repo.forge.api_url}/repos/${encodeURIComponent(repo.owner)}/${encodeURIComponent(repo.name)}${path}`;
  let response: Response;
  try {
    response = await fetch(url, {
      method,
      redirect: "error",
      signal: AbortSignal.timeout(FORGE_TIMEOUT_MS),
      headers: {
        accept: "application/vnd.github+json",
        authorization: `Bearer ${repo.forge.token}`,
        "user-agent": "garageswarm",
        "x-github-api-version": "2022-11-28",
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  } catch (error) {
    throw new UpstreamError(`cannot reach ${repo.forge.host}'s API: ${(error as Error).message}`);
  }
  const text = await response.text();
  let answer: unknown = text;
  try {
    answer = JSON.parse(text);
  } catch {
    // not JSON: the text is the message
  }
  if (response.ok) return answer;
  const message = forgeMessage(answer) ?? `HTTP ${response.status}`;
  if (response.status === 422) throw new ConflictError(`${repo.forge.host} refused the pull request: ${message}`);
  throw new UpstreamError(`${repo.forge.host} answered ${response.status}: ${message}`);
}

/** GitHub's error shape: `{message, errors: [{message}]}`. */
function forgeMessage(answer: unknown): string | null {
  if (!answer || typeof answer !== "object") return typeof answer === "string" && answer ? answer.slice(0, 300) : null;
  const { message, errors } = answer as { message?: unknown; errors?: Array<{ message?: unknown }> };
  const details = Array.isArray(errors)
    ? errors.flatMap((error) => (typeof error?.message === "string" ? [error.message] : []))
    : [];
  const text = [typeof message === "string" ? message : null, ...details].filter(Boolean).join(": ");
  return text ? text.slice(0, 500) : null;
}
