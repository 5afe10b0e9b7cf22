import { serverReachable } from "../api/connectivity.ts";
import { useStore } from "../api/store.ts";

/** Shown while the server does not answer; requests resume on their own once it does. */
export function ConnectionBanner() {
  const reachable = useStore(serverReachable);
  if (reachable) return null;
  return (
    <div className="banner banner-warning" role="alert">
      The server is unreachable. Reconnecting… Your changes on this page are kept.
    </div>
  );
}
