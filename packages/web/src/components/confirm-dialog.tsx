// A styled, accessible stand-in for window.confirm(): `await confirmAction({...})` opens a modal <dialog>
// (focus moves into it, Escape cancels, focus returns to the opener) and resolves to the person's answer.
// One host in the shell shows whichever question is asked.
import { useEffect, useRef } from "react";
import { createStore, useStore } from "../api/store.ts";

export interface Question {
  title: string;
  /** What happens, in a sentence, when the person says yes. */
  message?: string;
  /** The yes button's words: the action ("Delete task"), never "OK". */
  confirm: string;
  /** Destructive: the yes button is red and focus starts on Cancel. */
  danger?: boolean;
}

interface Asked extends Question {
  answer: (yes: boolean) => void;
}

const asked = createStore<Asked | null>(null);

export function confirmAction(question: Question): Promise<boolean> {
  asked.get()?.answer(false);
  return new Promise((resolve) => {
    asked.set({
      ...question,
      answer: (yes) => {
        asked.set(null);
        resolve(yes);
      },
    });
  });
}

export function ConfirmHost() {
  const question = useStore(asked);
  return question ? <ConfirmDialog key={question.title} question={question} /> : null;
}

function ConfirmDialog({ question }: { question: Asked }) {
  const dialog = useRef<HTMLDialogElement>(null);
  const cancel = useRef<HTMLButtonElement>(null);
  const confirm = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    const element = dialog.current;
    const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    if (element && !element.open) element.showModal();
    (question.danger ? cancel : confirm).current?.focus();
    return () => {
      element?.close();
      // The opener may have gone with what was deleted; then focus stays where the page puts it.
      if (opener?.isConnected) opener.focus();
    };
  }, [question.danger]);
  return (
    <dialog
      ref={dialog}
      className="card dialog"
      aria-labelledby="confirm-title"
      aria-describedby={question.message ? "confirm-message" : undefined}
      onCancel={(event) => {
        event.preventDefault();
        question.answer(false);
      }}
    >
      <h2 id="confirm-title">{question.title}</h2>
      {question.message ? <p id="confirm-message">{question.message}</p> : null}
      <div className="actions dialog-actions">
        <button ref={cancel} type="button" onClick={() => question.answer(false)}>
          Cancel
        </button>
        <button
          ref={confirm}
          type="button"
          className={question.danger ? "danger-fill" : "primary"}
          onClick={() => question.answer(true)}
        >
          {question.confirm}
        </button>
      </div>
    </dialog>
  );
}
