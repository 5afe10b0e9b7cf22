// The signed-in frame: header, navigation named after the pages, live-connection status, sign out.
import type { User } from "@garageswarm/protocol";
import type { ReactNode } from "react";
import { Link, useRoute } from "wouter";
import { liveStatus } from "../api/realtime.ts";
import { signOut } from "../api/session.ts";
import { useStore } from "../api/store.ts";
import { ApprovalsBadge } from "../pages/approvals/approvals-badge.tsx";
import { documentLoadedAtPhonePage } from "../pages/phone-worker/address.ts";
import { applyTheme, effectiveTheme, theme } from "../theme.ts";

const pages = [
  { href: "/", label: "Overview" },
  { href: "/tasks", label: "Tasks" },
  { href: "/repositories", label: "Repositories" },
  { href: "/workflows", label: "Workflows" },
  { href: "/approvals", label: "Approvals", badge: ApprovalsBadge },
  { href: "/workers", label: "Workers" },
  // A document load, not an in-app link (pages/phone-worker/address.ts says why).
  { href: "/phone", label: "Phone", document: true },
  { href: "/settings", label: "Settings" },
  { href: "/users", label: "Users", adminOnly: true },
];

function NavLink({
  href,
  label,
  document,
  badge: Badge,
}: {
  href: string;
  label: string;
  document?: boolean;
  badge?: () => ReactNode;
}) {
  const [exact] = useRoute(href);
  const [nested] = useRoute(`${href}/*`);
  const active = exact || (href !== "/" && nested);
  if (document && !documentLoadedAtPhonePage()) {
    return (
      <a href={href} aria-current={active ? "page" : undefined}>
        {label}
      </a>
    );
  }
  return (
    <Link href={href} aria-current={active ? "page" : undefined}>
      {label}
      {Badge ? <Badge /> : null}
    </Link>
  );
}

const liveText = { off: "Offline", connecting: "Connecting", live: "Live", reconnecting: "Reconnecting" } as const;

export function Shell({ user, children }: { user: User; children: ReactNode }) {
  const live = useStore(liveStatus);
  const current = effectiveTheme(useStore(theme));
  const next = current === "dark" ? "light" : "dark";
  return (
    <div className="shell">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <span className="brand">GarageSwarm</span>
        <nav aria-label="Main">
          {pages
            .filter((page) => !page.adminOnly || user.is_admin)
            .map((page) => (
              <NavLink
                key={page.href}
                href={page.href}
                label={page.label}
                document={page.document}
                badge={page.badge}
              />
            ))}
        </nav>
        <div className="topbar-end">
          <span className={`live live-${live}`} title="Live updates">
            {liveText[live]}
          </span>
          <button type="button" className="ghost" onClick={() => applyTheme(next)}>
            {next === "dark" ? "Dark theme" : "Light theme"}
          </button>
          <span className="muted">{user.username}</span>
          <button type="button" className="ghost" onClick={() => void signOut()}>
            Sign out
          </button>
        </div>
      </header>
      <main id="main">{children}</main>
    </div>
  );
}
