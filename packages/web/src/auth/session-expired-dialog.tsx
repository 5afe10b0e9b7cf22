// Over the page, not instead of it: the page stays mounted, so whatever was typed is still there.
import type { User } from "@garageswarm/protocol";
import { useEffect, useRef } from "react";
import { signOut } from "../api/session.ts";
import { LoginForm } from "./login-form.tsx";

export function SessionExpiredDialog({ user }: { user: User }) {
  const dialog = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const element = dialog.current;
    if (element && !element.open) element.showModal();
    return () => element?.close();
  }, []);
  return (
    <dialog
      ref={dialog}
      aria-labelledby="session-expired-title"
      className="card dialog"
      // Escape must not leave the page usable-looking but signed out.
      onCancel={(event) => event.preventDefault()}
    >
      <h2 id="session-expired-title">Your session has expired</h2>
      <p>Sign in again to carry on. Nothing you typed on this page is lost.</p>
      <LoginForm defaultUsername={user.username} />
      <button type="button" className="ghost" onClick={() => void signOut()}>
        Sign out instead
      </button>
    </dialog>
  );
}
