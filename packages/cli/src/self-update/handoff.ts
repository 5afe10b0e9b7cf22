// At start, a bundle hands over to the version `current` names when that is another one (installed-bundles.ts):
// the launcher and the service keep starting the file they were installed with, and run the newest.
import { currentVersion, verifiedBundle } from "./installed-bundles.ts";

/**
 * The bundle to run instead of this one, or null to run this one: no `current`, `current` is this version, or
 * the bundle it names no longer has the checksum it was installed with (then this one runs, and says why).
 */
export async function bundleToHandOffTo(
  dir: string,
  ownVersion: string,
  warn: (message: string) => void,
): Promise<string | null> {
  const current = await currentVersion(dir);
  if (current === null || current === ownVersion) return null;
  try {
    return await verifiedBundle(dir, current);
  } catch (error) {
    warn(`not running the installed ${current}: ${(error as Error).message}; running ${ownVersion}`);
    return null;
  }
}
