// Form controls whose visible label is their accessible name, with the field's error tied to it.
import {
  type InputHTMLAttributes,
  type ReactNode,
  type SelectHTMLAttributes,
  type TextareaHTMLAttributes,
  useEffect,
  useId,
  useRef,
} from "react";
import { ApiError, errorMessage } from "../api/client.ts";

interface Decoration {
  label: string;
  error?: string | undefined;
  hint?: ReactNode;
}

function describedBy(id: string, { error, hint }: Decoration): string | undefined {
  const ids = [hint ? `${id}-hint` : "", error ? `${id}-error` : ""].filter(Boolean);
  return ids.length ? ids.join(" ") : undefined;
}

function Decorated({ id, label, error, hint, children }: Decoration & { id: string; children: ReactNode }) {
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      {children}
      {hint ? (
        <small id={`${id}-hint`} className="hint">
          {hint}
        </small>
      ) : null}
      {error ? (
        <small id={`${id}-error`} className="field-error">
          {error}
        </small>
      ) : null}
    </div>
  );
}

export function Field({ label, error, hint, ...input }: Decoration & InputHTMLAttributes<HTMLInputElement>) {
  const id = useId();
  return (
    <Decorated id={id} label={label} error={error} hint={hint}>
      <input
        id={id}
        aria-invalid={error ? true : undefined}
        aria-describedby={describedBy(id, { label, error, hint })}
        {...input}
      />
    </Decorated>
  );
}

export function TextAreaField({
  label,
  error,
  hint,
  ...input
}: Decoration & TextareaHTMLAttributes<HTMLTextAreaElement>) {
  const id = useId();
  return (
    <Decorated id={id} label={label} error={error} hint={hint}>
      <textarea
        id={id}
        aria-invalid={error ? true : undefined}
        aria-describedby={describedBy(id, { label, error, hint })}
        {...input}
      />
    </Decorated>
  );
}

export function SelectField({
  label,
  error,
  hint,
  options,
  ...select
}: Decoration &
  SelectHTMLAttributes<HTMLSelectElement> & { options: ReadonlyArray<string | { value: string; label: string }> }) {
  const id = useId();
  return (
    <Decorated id={id} label={label} error={error} hint={hint}>
      <select
        id={id}
        aria-invalid={error ? true : undefined}
        aria-describedby={describedBy(id, { label, error, hint })}
        {...select}
      >
        {options.map((option) => {
          const { value, label: text } = typeof option === "string" ? { value: option, label: option } : option;
          return (
            <option key={value} value={value}>
              {text}
            </option>
          );
        })}
      </select>
    </Decorated>
  );
}

/** The form-level error: shown unless every problem is already shown beside its field. */
export function FormError({ error, fields = [] }: { error: unknown; fields?: string[] }) {
  if (!error) return null;
  if (error instanceof ApiError) {
    const byField = error.fieldErrors();
    const unplaced = Object.keys(byField).filter((field) => !fields.includes(field));
    if (Object.keys(byField).length > 0 && unplaced.length === 0) return null;
  }
  return (
    <p role="alert" className="form-error">
      {errorMessage(error)}
    </p>
  );
}

export function fieldErrorsOf(error: unknown): Record<string, string> {
  return error instanceof ApiError ? error.fieldErrors() : {};
}

export function formValues(form: HTMLFormElement): Record<string, string> {
  const values: Record<string, string> = {};
  for (const [key, value] of new FormData(form)) if (typeof value === "string") values[key] = value;
  return values;
}

/** Puts the cursor in the first field a person types into. */
export function focusFirstField(container: HTMLElement | null): void {
  container
    ?.querySelector<HTMLElement>(
      "input:not([type=hidden]):not(:disabled), select:not(:disabled), textarea:not(:disabled), button:not(:disabled)",
    )
    ?.focus();
}

/** How a control is told apart from its neighbours: its accessible name, by label or by words. */
function nameOf(element: Element): string {
  return element.getAttribute("aria-label") ?? element.textContent ?? "";
}

// What last had focus, even if the page has since removed it: a page that hides its "New task" button while the
// form shows removes the opener before the form's effect runs, so document.activeElement is already <body>.
let lastFocused: HTMLElement | null = null;
if (typeof document !== "undefined") {
  document.addEventListener("focusin", (event) => {
    if (event.target instanceof HTMLElement) lastFocused = event.target;
  });
}

/**
 * For a form that opens in place: focus moves to its first field when it opens, and back to what opened it when
 * it closes. Pages often hide the opener while the form shows, so it is found again by tag and name.
 */
export function useOpenedForm<T extends HTMLElement>() {
  const container = useRef<T>(null);
  useEffect(() => {
    const active = document.activeElement;
    const opener = active instanceof HTMLElement && active !== document.body ? active : lastFocused;
    const tag = opener?.tagName ?? "";
    const name = opener ? nameOf(opener) : "";
    focusFirstField(container.current);
    return () => {
      if (!opener) return;
      // After the page has rendered without the form, so a re-shown opener exists.
      requestAnimationFrame(() => {
        const target = opener.isConnected
          ? opener
          : [...document.querySelectorAll<HTMLElement>(tag)].find((element) => nameOf(element) === name);
        target?.focus();
      });
    };
  }, []);
  return container;
}
