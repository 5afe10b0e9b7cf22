// Asks before unsaved work is lost: closing or reloading the tab (the browser's own prompt), and following
// an in-app link (a dialog: stay, or leave and discard). wouter has no navigation blocker, so links are
// caught in the capture phase before its handler sees them.
import { useEffect, useRef, useState } from "react";
import { useLocation } from "wouter";

export function UnsavedChangesGuard({ dirty }: { dirty: boolean }) {
  const [, navigate] = useLocation();
  const [leavingTo, setLeavingTo] = useState<string | null>(null);
  const dialog = useRef<HTMLDialogElement>(null);

  useEffect(() => {
    if (!dirty) return;
    const beforeUnload = (event: BeforeUnloadEvent) => {
      event.preventDefault();
      // Older browsers show the prompt only when returnValue is set.
      event.returnValue = "";
    };
    const click = (event: MouseEvent) => {
      if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey) return;
      const link = (event.target as Element | null)?.closest?.("a[href]");
      if (!(link instanceof HTMLAnchorElement) || link.target === "_blank") return;
      const url = new URL(link.href, location.href);
      if (url.origin !== location.origin || url.pathname === location.pathname) return;
      event.preventDefault();
      event.stopPropagation();
      setLeavingTo(`${url.pathname}${url.search}${url.hash}`);
    };
    window.addEventListener("beforeunload", beforeUnload);
    document.addEventListener("click", click, true);
    return () => {
      window.removeEventListener("beforeunload", beforeUnload);
      document.removeEventListener("click", click, true);
    };
  }, [dirty]);

  useEffect(() => {
    const element = dialog.current;
    if (!element) return;
    if (leavingTo && !element.open) element.showModal();
    if (!leavingTo && element.open) element.close();
  }, [leavingTo]);

  return (
    <dialog
      ref={dialog}
      className="card dialog"
      aria-labelledby="unsaved-title"
      aria-describedby="unsaved-text"
      // showModal() focuses the first button, "Stay": the safe choice.
      onClose={() => setLeavingTo(null)}
    >
      <h2 id="unsaved-title">Leave without saving?</h2>
      <p id="unsaved-text">This workflow has unsaved changes. Leaving discards them.</p>
      <div className="actions">
        <button type="button" className="primary" onClick={() => setLeavingTo(null)}>
          Stay and keep editing
        </button>
        <button
          type="button"
          className="danger"
          onClick={() => {
            const to = leavingTo;
            setLeavingTo(null);
            if (to) navigate(to);
          }}
        >
          Leave and discard changes
        </button>
      </div>
    </dialog>
  );
}
