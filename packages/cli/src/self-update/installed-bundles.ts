// The bundles installed on this machine, in the directory the running bundle sits in (install.sh's
// ~/.garageswarm/bin): garageswarm-<version>.mjs, each with garageswarm-<version>.mjs.sha256 as checked
// against what the server published, and `current`, the version to run. The launcher and the service keep
// naming the file they were installed with; that file hands over to `current` when it starts (handoff.ts),
// so an update needs no rewrite of either.
import { createHash } from "node:crypto";
import { readFile, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";

const VERSION = /^[0-9A-Za-z.+-]{1,50}$/;

export function bundleFile(dir: string, version: string): string {
  if (!VERSION.test(version)) throw new Error(`not a bundle version: ${JSON.stringify(version)}`);
  return join(dir, `garageswarm-${version}.mjs`);
}

export function sha256Of(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/** The version `current` names, or null when there is none (or it is not a version). */
export async function currentVersion(dir: string): Promise<string | null> {
  const text = await readFile(join(dir, "current"), "utf8").catch(() => null);
  const version = text?.trim() ?? "";
  return VERSION.test(version) ? version : null;
}

/**
 * The installed bundle of `version` if its bytes still have the checksum recorded when it was installed;
 * throws otherwise (missing, or changed since: not what the server published).
 */
export async function verifiedBundle(dir: string, version: string): Promise<string> {
  const path = bundleFile(dir, version);
  const [bytes, recorded] = await Promise.all([readFile(path), readFile(`${path}.sha256`, "utf8")]);
  const expected = recorded.trim().split(/\s+/)[0] ?? "";
  const actual = sha256Of(bytes);
  if (actual !== expected) {
    throw new Error(`${path} has SHA-256 ${actual}, but ${expected} was recorded when it was installed`);
  }
  return path;
}

/**
 * Installs a downloaded bundle once its bytes match the checksum the server published, then points `current`
 * at it. Every file is written beside its final name and renamed, so a crash leaves the old state whole.
 */
export async function installBundle(dir: string, version: string, bytes: Uint8Array, publishedSha256: string) {
  const actual = sha256Of(bytes);
  if (actual !== publishedSha256) {
    throw new Error(`the download of ${version} has SHA-256 ${actual}, the server published ${publishedSha256}`);
  }
  const path = bundleFile(dir, version);
  await writeAtomically(path, bytes, 0o644);
  await writeAtomically(`${path}.sha256`, `${actual}  garageswarm-${version}.mjs\n`, 0o644);
  await writeAtomically(join(dir, "current"), `${version}\n`, 0o644);
  return path;
}

async function writeAtomically(path: string, data: Uint8Array | string, mode: number): Promise<void> {
  const partial = `${path}.partial.${process.pid}`;
  try {
    await writeFile(partial, data, { mode });
    await rename(partial, path);
  } finally {
    await rm(partial, { force: true });
  }
}
