// What a code task made, read from its branch: the files changed between base and head (numstat for the
// line counts and binaries, name-status for adds, deletes and renames), and the patch that rebuilds head
// from base (`git diff --binary`), with its size and sha256.
import { createHash } from "node:crypto";
import { type DiffFile, MAX_PATCH_BYTES } from "@garageswarm/protocol";
import { type GitContext, git, gitBytes } from "./git.ts";

/** A user's diff settings must not change what the patch looks like: `git apply` reads a/ b/ prefixes. */
const plainDiff = [
  "-c",
  "diff.noprefix=false",
  "-c",
  "diff.mnemonicPrefix=false",
  "-c",
  "diff.relative=false",
  "-c",
  "diff.renames=true",
  "-c",
  "core.quotePath=true",
];
const diffFlags = ["--no-ext-diff", "--no-textconv", "--no-color", "-M"];

export class PatchTooLargeError extends Error {
  constructor(
    readonly bytes: number,
    readonly branch: string,
  ) {
    super(
      `the change's patch is ${bytes} bytes, over the ${MAX_PATCH_BYTES}-byte limit; ` +
        `its branch ${branch} is kept on this worker`,
    );
    this.name = "PatchTooLargeError";
  }
}

export class PatchNotTextError extends Error {
  constructor(readonly branch: string) {
    super(
      `the change's patch is not UTF-8 text (a file in another encoding); its branch ${branch} is kept on this worker`,
    );
    this.name = "PatchNotTextError";
  }
}

export interface Patch {
  text: string;
  bytes: number;
  sha256: string;
}

const statusNames: Record<string, DiffFile["status"]> = {
  A: "added",
  M: "modified",
  D: "deleted",
  R: "renamed",
  C: "copied",
  T: "type_changed",
};

/** The files changed from `base` to `head`, with line counts; binaries count no lines. */
export async function diffFiles(context: GitContext, cwd: string, base: string, head: string): Promise<DiffFile[]> {
  const range = [base, head, "--"];
  const numstat = await git(context, [...plainDiff, "diff", ...diffFlags, "--numstat", "-z", ...range], { cwd });
  const nameStatus = await git(context, [...plainDiff, "diff", ...diffFlags, "--name-status", "-z", ...range], {
    cwd,
  });
  const counts = parseNumstat(numstat);
  return parseNameStatus(nameStatus).map((entry, index) => {
    const count = counts[index];
    return {
      path: entry.path,
      old_path: entry.oldPath,
      status: entry.status,
      additions: count?.additions ?? 0,
      deletions: count?.deletions ?? 0,
      binary: count?.binary ?? false,
    };
  });
}

/** `git diff --numstat -z`: "add\tdel\tpath\0", or for a rename "add\tdel\t\0old\0new\0"; "-" for a binary. */
export function parseNumstat(out: string): Array<{ additions: number; deletions: number; binary: boolean }> {
  const fields = out.split("\0");
  const entries: Array<{ additions: number; deletions: number; binary: boolean }> = [];
  for (let i = 0; i < fields.length; i++) {
    const field = fields[i];
    if (!field) continue;
    const [added, deleted, path] = field.split("\t");
    const binary = added === "-" && deleted === "-";
    entries.push({ additions: binary ? 0 : Number(added), deletions: binary ? 0 : Number(deleted), binary });
    // A rename's paths follow in the next two fields.
    if (path === "") i += 2;
  }
  return entries;
}

/** `git diff --name-status -z`: "M\0path\0", or for a rename or copy "R100\0old\0new\0". */
export function parseNameStatus(
  out: string,
): Array<{ status: DiffFile["status"]; path: string; oldPath: string | null }> {
  const fields = out.split("\0");
  const entries: Array<{ status: DiffFile["status"]; path: string; oldPath: string | null }> = [];
  let i = 0;
  while (i < fields.length) {
    const code = fields[i];
    if (!code) {
      i += 1;
      continue;
    }
    const status = statusNames[code[0] ?? ""] ?? "modified";
    if (status === "renamed" || status === "copied") {
      entries.push({ status, oldPath: fields[i + 1] ?? "", path: fields[i + 2] ?? "" });
      i += 3;
    } else {
      entries.push({ status, oldPath: null, path: fields[i + 1] ?? "" });
      i += 2;
    }
  }
  return entries;
}

/** The patch from `base` to `head`; over MAX_PATCH_BYTES or not text, the task cannot carry it. */
export async function makePatch(
  context: GitContext,
  cwd: string,
  base: string,
  head: string,
  branch: string,
): Promise<Patch> {
  const bytes = await gitBytes(
    context,
    [...plainDiff, "diff", ...diffFlags, "--binary", "--full-index", base, head, "--"],
    {
      cwd,
    },
  );
  if (bytes.length > MAX_PATCH_BYTES) throw new PatchTooLargeError(bytes.length, branch);
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new PatchNotTextError(branch);
  }
  if (text.includes("\0")) throw new PatchNotTextError(branch);
  return { text, bytes: bytes.length, sha256: createHash("sha256").update(bytes).digest("hex") };
}
