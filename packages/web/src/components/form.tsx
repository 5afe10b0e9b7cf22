// Form controls whose visible label is their accessible name, with the field's error tied to it.
import {
  type InputHTMLAttributes,
  type ReactNode,
  type SelectHTMLAttributes,
  type TextareaHTMLAttributes,
  useId,
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
