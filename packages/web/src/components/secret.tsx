import { useId, useState } from "react";

/** A value to copy once (a new key, a command): read-only, selectable, with a named copy button. */
export function CopyableValue({
  label,
  value,
  copyLabel = "Copy",
}: {
  label: string;
  value: string;
  copyLabel?: string;
}) {
  const id = useId();
  const [copied, setCopied] = useState(false);
  return (
    <div className="field copyable">
      <label htmlFor={id}>{label}</label>
      <div className="copy-row">
        <input id={id} readOnly value={value} onFocus={(event) => event.currentTarget.select()} className="mono" />
        <button
          type="button"
          onClick={async () => {
            try {
              await navigator.clipboard.writeText(value);
              setCopied(true);
            } catch {
              // No clipboard permission (plain http on a LAN address): the field is selectable instead.
              document.getElementById(id)?.focus();
            }
          }}
        >
          {copyLabel}
        </button>
      </div>
      <span role="status" className="muted">
        {copied ? "Copied to the clipboard." : ""}
      </span>
    </div>
  );
}
