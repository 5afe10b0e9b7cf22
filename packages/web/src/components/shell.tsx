// The signed-in frame: header, navigation named after the pages, live-connection status, theme, sign out.
// On a phone the pages become a bottom bar whose Menu button holds the rest (phone-menu.tsx).
import type { User } from "@garageswarm/protocol";
import type { ReactNode } from "react";
import { liveStatus } from "../api/realtime.ts";
import { signOut } from "../api/session.ts";
import { useStore } from "../api/store.ts";
import { ConfirmHost } from "./confirm-dialog.tsx";
import { destinations, NavLink } from "./nav-link.tsx";
import { PhoneMenu } from "./phone-menu.tsx";
import { ThemeChoice } from "./theme-choice.tsx";
import { usePhone } from "./use-media.ts";

const liveText = { off: "Offline", connecting: "Connecting", live: "Live", reconnecting: "Reconnecting" } as const;

export function Shell({ user, children }: { user: User; children: ReactNode }) {
  const live = useStore(liveStatus);
  const phone = usePhone();
  const pages = destinations.filter((page) => !page.adminOnly || user.is_admin);
  const inBar = phone ? pages.filter((page) => page.primary) : pages;
  return (
    <div className="shell">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <span className="brand">GarageSwarm</span>
        <nav aria-label="Main">
          {inBar.map((page) => (
            <NavLink key={page.href} {...page} />
          ))}
          {phone ? <PhoneMenu user={user} pages={pages.filter((page) => !page.primary)} /> : null}
        </nav>
        <div className="topbar-end">
          <span className={`live live-${live}`} title="Live updates">
            {liveText[live]}
          </span>
          {phone ? null : (
            <>
              <ThemeChoice />
              <span className="muted">{user.username}</span>
              <button type="button" className="ghost" onClick={() => void signOut()}>
                Sign out
              </button>
            </>
          )}
        </div>
      </header>
      <main id="main">{children}</main>
      <ConfirmHost />
    </div>
  );
}
