// The worker bundle this server serves: a single-file build of the CLI without the server
// (packages/cli/scripts/build-bundle.mjs), found through the manifest the build writes beside it.
// The manifest is read on each request, so a rebuild is served without a restart.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { z } from "zod";

export const defaultBundleDir = fileURLToPath(new URL("../../../cli/dist/", import.meta.url));

const BundleManifest = z.object({
  version: z.string().regex(/^[0-9A-Za-z.+-]{1,50}$/),
  file: z.string(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
});

export interface BuiltBundle {
  version: string;
  /** `garageswarm-<version>.mjs`: the only name served. */
  file: string;
  sha256: string;
  path: string;
}

/** The built bundle, or null when there is none (not built yet, or a manifest that does not match). */
export async function findBundle(dir: string): Promise<BuiltBundle | null> {
  const text = await readFile(join(dir, "worker-bundle.json"), "utf8").catch(() => null);
  if (text === null) return null;
  let parsed: z.infer<typeof BundleManifest>;
  try {
    parsed = BundleManifest.parse(JSON.parse(text));
  } catch {
    return null;
  }
  if (parsed.file !== bundleFileName(parsed.version)) return null;
  return { ...parsed, path: join(dir, parsed.file) };
}

export function bundleFileName(version: string): string {
  return `garageswarm-${version}.mjs`;
}

export const BUNDLE_MISSING =
  "The worker bundle is not built on this server: run `npm run build` (or restart with `npm start`, which builds it)";
