// A CSS media query as React state, for the few places where a phone gets different behaviour, not just layout.
import { useSyncExternalStore } from "react";

/** The width below which the dashboard is laid out for a phone (styles.css uses the same breakpoint). */
export const phoneQuery = "(max-width: 759px)";

export function useMedia(query: string): boolean {
  return useSyncExternalStore(
    (onChange) => {
      const list = matchMedia(query);
      list.addEventListener("change", onChange);
      return () => list.removeEventListener("change", onChange);
    },
    () => matchMedia(query).matches,
  );
}

export function usePhone(): boolean {
  return useMedia(phoneQuery);
}
