// Token handling: the access token lives only in memory; the refresh token in an httpOnly cookie that no
// script can read (the server sets it, scoped to the refresh route). localStorage keeps only a flag saying
// a session may exist, so a signed-out load does not try a refresh. Refresh tokens rotate with reuse
// detection on the server, so refreshes are serialized across tabs (Web Locks).
import type { TokenPair } from "@garageswarm/protocol";

const sessionFlag = "garageswarm.session";

let accessToken: string | null = null;
let accessExpiresAt = 0;
let inFlight: Promise<RefreshOutcome> | null = null;

export function getAccessToken(): string | null {
  return accessToken;
}

/** Drops the refresh token an older version kept in localStorage, where any script could read it. */
export function dropLegacyRefreshToken(): void {
  localStorage.removeItem("garageswarm.refresh_token");
}

export function hasStoredSession(): boolean {
  return localStorage.getItem(sessionFlag) !== null;
}

export function storeTokens(pair: TokenPair): void {
  accessToken = pair.access_token;
  // Refresh a little early so a request never leaves with a token about to lapse.
  accessExpiresAt = Date.now() + Math.max(pair.expires_in - 30, 1) * 1000;
  localStorage.setItem(sessionFlag, "cookie");
}

export function clearTokens(): void {
  accessToken = null;
  accessExpiresAt = 0;
  localStorage.removeItem(sessionFlag);
}

export function accessTokenFresh(): boolean {
  return accessToken !== null && Date.now() < accessExpiresAt;
}

export type RefreshOutcome = "refreshed" | "rejected" | "unreachable";

/** Swaps the refresh cookie for a new access token (and cookie). One refresh at a time per tab, and across tabs. */
export function refreshTokens(): Promise<RefreshOutcome> {
  inFlight ??= withLock(doRefresh).finally(() => {
    inFlight = null;
  });
  return inFlight;
}

async function doRefresh(): Promise<RefreshOutcome> {
  if (!hasStoredSession()) return "rejected";
  let response: Response;
  try {
    // An empty JSON body: the cookie carries the token, and a JSON content type is what no cross-site form can send.
    response = await fetch("/api/v1/auth/refresh", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{}",
      credentials: "same-origin",
    });
  } catch {
    return "unreachable";
  }
  if (response.status >= 500) return "unreachable";
  if (!response.ok) {
    clearTokens();
    return "rejected";
  }
  storeTokens((await response.json()) as TokenPair);
  return "refreshed";
}

function withLock<T>(work: () => Promise<T>): Promise<T> {
  if (typeof navigator !== "undefined" && navigator.locks) {
    return navigator.locks.request("garageswarm.refresh", work) as Promise<T>;
  }
  return work();
}
