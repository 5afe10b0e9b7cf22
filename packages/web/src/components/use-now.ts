import { useEffect, useState } from "react";

/** The time now, refreshed every `everyMs`: for "2 minutes ago" and running durations that must not freeze. */
export function useNow(everyMs = 1000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(timer);
  }, [everyMs]);
  return now;
}
