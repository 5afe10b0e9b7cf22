// The phone's Menu button, last in the bottom bar: it opens a sheet with the pages that do not fit the bar,
// the theme choice and sign-out. A disclosure, not a modal: Escape, a tap outside or a navigation closes it.
import type { User } from "@garageswarm/protocol";
import { useEffect, useRef, useState } from "react";
import { useLocation } from "wouter";
import { signOut } from "../api/session.ts";
import { type Destination, isCurrent, NavLink } from "./nav-link.tsx";
import { ThemeChoice } from "./theme-choice.tsx";

export function PhoneMenu({ user, pages }: { user: User; pages: readonly Destination[] }) {
  const [open, setOpen] = useState(false);
  const [location] = useLocation();
  const button = useRef<HTMLButtonElement>(null);
  const sheet = useRef<HTMLDivElement>(null);

  // biome-ignore lint/correctness/useExhaustiveDependencies: a change of page is what closes the sheet.
  useEffect(() => setOpen(false), [location]);

  useEffect(() => {
    if (!open) return;
    sheet.current?.querySelector<HTMLElement>("a, button")?.focus();
    const onKey = (event: KeyboardEvent) => {
      if (event.key !== "Escape") return;
      setOpen(false);
      button.current?.focus();
    };
    const onPointer = (event: PointerEvent) => {
      const target = event.target as Node;
      if (!sheet.current?.contains(target) && !button.current?.contains(target)) setOpen(false);
    };
    document.addEventListener("keydown", onKey);
    document.addEventListener("pointerdown", onPointer);
    return () => {
      document.removeEventListener("keydown", onKey);
      document.removeEventListener("pointerdown", onPointer);
    };
  }, [open]);

  const holdsCurrent = pages.some((page) => isCurrent(page.href, location));
  return (
    <>
      <button
        ref={button}
        type="button"
        className={`menu-button${holdsCurrent ? " holds-current" : ""}`}
        aria-expanded={open}
        aria-controls="phone-menu"
        onClick={() => setOpen(!open)}
      >
        Menu
      </button>
      <div ref={sheet} id="phone-menu" className="phone-menu" hidden={!open}>
        {pages.map((page) => (
          <NavLink key={page.href} {...page} />
        ))}
        <div className="phone-menu-account">
          <ThemeChoice />
          <span className="muted">Signed in as {user.username}</span>
          <button type="button" onClick={() => void signOut()}>
            Sign out
          </button>
        </div>
      </div>
    </>
  );
}
