// Secrets and their fingerprints. Stored secrets (refresh tokens, API keys) are kept as SHA-256:
// they are long random strings, so a fast hash is enough and lets lookups use an index.
import { createHash, randomBytes } from "node:crypto";

export function sha256(value: string): string {
  return createHash("sha256").update(value).digest("hex");
}

/** A URL-safe random secret with a readable prefix (`gs_…` for API keys, `gsr_…` for refresh tokens). */
export function randomSecret(prefix: string, bytes = 32): string {
  return `${prefix}${randomBytes(bytes).toString("base64url")}`;
}
