import { useEffect } from "react";
import { serverReachable } from "../api/connectivity.ts";
import { liveStatus } from "../api/realtime.ts";
import { useStore } from "../api/store.ts";
import "./connection-banner.css";

/**
 * Shown while the server does not answer, or the live feed is reconnecting; requests resume on their own
 * once it does. Meanwhile the page's data is greyed out (html[data-stale]): it may no longer be true.
 */
export function ConnectionBanner() {
  const reachable = useStore(serverReachable);
  const live = useStore(liveStatus);
  const stale = !reachable || live === "reconnecting";
  useEffect(() => {
    if (!stale) return;
    document.documentElement.dataset.stale = "true";
    return () => {
      delete document.documentElement.dataset.stale;
    };
  }, [stale]);
  if (!reachable) {
    return (
      <div className="banner banner-warning" role="alert">
        The server is unreachable. Reconnecting… Your changes on this page are kept.
      </div>
    );
  }
  if (live === "reconnecting") {
    return (
      <div className="banner banner-warning" role="status">
        Live updates paused. Reconnecting… What you see may be out of date.
      </div>
    );
  }
  return null;
}
