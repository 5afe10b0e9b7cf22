// The dashboard's destinations and the link to each, marked when it is the current page.
import type { ReactNode } from "react";
import { Link, useRoute } from "wouter";
import { ApprovalsBadge } from "../pages/approvals/approvals-badge.tsx";
import { documentLoadedAtPhonePage } from "../pages/phone-worker/address.ts";

export interface Destination {
  href: string;
  label: string;
  /** Loaded as a new document rather than routed in the app. */
  document?: boolean;
  adminOnly?: boolean;
  /** Kept in the phone's bottom bar; the others sit behind its Menu button. */
  primary?: boolean;
  /** A count beside the label (approvals waiting for a person). */
  badge?: () => ReactNode;
}

export const destinations: readonly Destination[] = [
  { href: "/", label: "Overview", primary: true },
  { href: "/tasks", label: "Tasks", primary: true },
  { href: "/repositories", label: "Repositories" },
  { href: "/workflows", label: "Workflows", primary: true },
  { href: "/approvals", label: "Approvals", badge: ApprovalsBadge },
  { href: "/workers", label: "Workers", primary: true },
  // A document load, not an in-app link (pages/phone-worker/address.ts says why).
  { href: "/phone", label: "Phone", document: true },
  { href: "/settings", label: "Settings" },
  { href: "/users", label: "Users", adminOnly: true },
];

export function isCurrent(href: string, location: string): boolean {
  return location === href || (href !== "/" && location.startsWith(`${href}/`));
}

export function NavLink({ href, label, document, badge: Badge }: Destination) {
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
