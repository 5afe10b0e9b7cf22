// Who is signed in. "expired" keeps the user and the page mounted under a sign-in dialog, so nothing
// typed is lost; signing in again as someone else starts from a clean cache.
import type { TokenPair, User } from "@garageswarm/protocol";
import { forgetThisDevice } from "../pwa/device-push.ts";
import { api, onSessionExpired, UnreachableError } from "./client.ts";
import { markUnreachable, onReconnect } from "./connectivity.ts";
import { createStore } from "./store.ts";
import { clearTokens, dropLegacyRefreshToken, hasStoredSession, refreshTokens, storeTokens } from "./tokens.ts";

export type Session =
  | { status: "loading" }
  | { status: "signed_out" }
  | { status: "signed_in"; user: User }
  | { status: "expired"; user: User };

export const session = createStore<Session>({ status: "loading" });

const userChangeListeners = new Set<() => void>();
/** Called when the signed-in user changes or signs out: caches of the previous user must go. */
export function onUserChange(listener: () => void): () => void {
  userChangeListeners.add(listener);
  return () => userChangeListeners.delete(listener);
}

onSessionExpired(() => {
  const current = session.get();
  if (current.status === "signed_in") session.set({ status: "expired", user: current.user });
  else if (current.status === "loading") session.set({ status: "signed_out" });
});

/** On page load: swap the refresh cookie for an access token, then load who we are. */
export async function restoreSession(): Promise<void> {
  dropLegacyRefreshToken();
  if (!hasStoredSession()) return session.set({ status: "signed_out" });
  const outcome = await refreshTokens();
  if (outcome === "rejected") return session.set({ status: "signed_out" });
  if (outcome === "unreachable") {
    // Keep loading behind the banner and try again once the server answers.
    const stop = onReconnect(() => {
      stop();
      void restoreSession();
    });
    markUnreachable();
    return;
  }
  try {
    session.set({ status: "signed_in", user: await api.get<User>("/auth/me") });
  } catch (error) {
    if (!(error instanceof UnreachableError)) session.set({ status: "signed_out" });
  }
}

export async function signIn(username: string, password: string): Promise<User> {
  const pair = await api.post<TokenPair>(
    "/auth/login",
    { username, password, refresh_token_in: "cookie" },
    { auth: false },
  );
  storeTokens(pair);
  const user = await api.get<User>("/auth/me");
  const previous = session.get();
  const sameUser = previous.status === "expired" && previous.user.user_id === user.user_id;
  if (!sameUser) for (const listener of userChangeListeners) listener();
  session.set({ status: "signed_in", user });
  return user;
}

export async function signOut(): Promise<void> {
  // Whoever signs in next on this browser must not get this user's notifications.
  await forgetThisDevice().catch(() => {});
  try {
    // Ends the session's refresh family on the server, which also clears the cookie.
    await api.post("/auth/logout", {});
  } catch {
    // Signing out locally is what matters; the server's token lapses on its own.
  } finally {
    clearTokens();
    for (const listener of userChangeListeners) listener();
    session.set({ status: "signed_out" });
  }
}

export function currentUser(): User | null {
  const current = session.get();
  return current.status === "signed_in" || current.status === "expired" ? current.user : null;
}
