// Token handling: the access token lives only in memory; the refresh token in localStorage, so a reload
// or a new tab stays signed in. Refresh tokens rotate with reuse detection on the server, so refreshes are
// serialized across tabs (Web Locks) and always use the newest stored token.
import type { TokenPair } from "@garageswarm/protocol";

const refreshKey = "garageswarm.refresh_token";
let accessToken: string | null = null;
let accessExpiresAt = 0;
let inFlight: Promise<RefreshOutcome> | null = null;

export function getAccessToken(): string | null {
  return accessToken;
}

export function hasStoredSession(): boolean {
  return localStorage.getItem(refreshKey) !== null;
}

export function storedRefreshToken(): string | undefined {
  return localStorage.getItem(refreshKey) ?? undefined;
}

export function storeTokens(pair: TokenPair): void {
  accessToken = pair.access_token;
  // Refresh a little early so a request never leaves with a token about to lapse.
  accessExpiresAt = Date.now() + Math.max(pair.expires_in - 30, 1) * 1000;
  localStorage.setItem(refreshKey, pair.refresh_token);
}

export function clearTokens(): void {
  accessToken = null;
  accessExpiresAt = 0;
  localStorage.removeItem(refreshKey);
}

export function accessTokenFresh(): boolean {
  return accessToken !== null && Date.now() < accessExpiresAt;
}

export type RefreshOutcome = "refreshed" | "rejected" | "unreachable";

/** Swaps the stored refresh token for a new pair. One refresh at a time per tab, and across tabs. */
export function refreshTokens(): Promise<RefreshOutcome> {
  inFlight ??= withLock(doRefresh).finally(() => {
    inFlight = null;
  });
  return inFlight;
}

async function doRefresh(): Promise<RefreshOutcome> {
  const token = localStorage.getItem(refreshKey);
  if (!token) return "rejected";
  let response: Response;
  try {
    response = await fetch("/api/v1/auth/refresh", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ refresh_token: token }),
    });
  } catch {
    return "unreachable";
  }
  if (response.status >= 500) return "unreachable";
  if (!response.ok) {
    // Another tab may have rotated the token meanwhile; only forget the one that was refused.
    if (localStorage.getItem(refreshKey) === token) clearTokens();
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
