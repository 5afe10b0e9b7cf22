// The CLI's version: fixed at build time in the single-file bundle (esbuild's define), read from
// package.json when running from a checkout.
import { readFileSync } from "node:fs";

declare const GARAGESWARM_BUNDLE_VERSION: string | undefined;

export const CLI_VERSION: string =
  typeof GARAGESWARM_BUNDLE_VERSION === "string"
    ? GARAGESWARM_BUNDLE_VERSION
    : (JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string }).version;

/** True in the single-file bundle the server serves (which can update itself), false in a checkout. */
export const RUNNING_FROM_BUNDLE = typeof GARAGESWARM_BUNDLE_VERSION === "string";
