// install.sh and install.ps1 are kept as real scripts (checked with `sh -n`, `dash -n`) with four
// placeholders the server fills: its origin, the bundle's version and SHA-256, and an optional code.
// Every value is checked to hold only characters that need no quoting in either language.
import { readFileSync } from "node:fs";
import { ENROLMENT_CODE_PATTERN } from "@garageswarm/protocol";

export type InstallScript = "install.sh" | "install.ps1";

const templates: Record<InstallScript, string> = {
  "install.sh": readFileSync(new URL("./install.sh", import.meta.url), "utf8"),
  "install.ps1": readFileSync(new URL("./install.ps1", import.meta.url), "utf8"),
};

export interface InstallValues {
  server: string;
  version: string;
  sha256: string;
  /** A normalised pairing code, or "" when the script is fetched without one. */
  code: string;
}

const safe: Record<keyof InstallValues, RegExp> = {
  server: /^https?:\/\/[A-Za-z0-9.[\]:-]+(\/[A-Za-z0-9._~/-]*)?$/,
  version: /^[0-9A-Za-z.+-]{1,50}$/,
  sha256: /^[0-9a-f]{64}$/,
  code: new RegExp(`^(${ENROLMENT_CODE_PATTERN.source.slice(1, -1)})?$`),
};

export function renderInstallScript(script: InstallScript, values: InstallValues): string {
  for (const [name, pattern] of Object.entries(safe)) {
    if (!pattern.test(values[name as keyof InstallValues])) throw new Error(`unsafe ${name} for ${script}`);
  }
  return templates[script]
    .replaceAll("@@SERVER@@", values.server)
    .replaceAll("@@VERSION@@", values.version)
    .replaceAll("@@SHA256@@", values.sha256)
    .replaceAll("@@CODE@@", values.code);
}
