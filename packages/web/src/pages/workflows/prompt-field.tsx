// A prompt textarea that completes templates: typing `{{` lists the variables the node may use
// (`{{input.x}}`, `{{nodes.ID.output}}`, …); arrows pick, Enter or Tab inserts, Escape closes.
import { useId, useRef, useState } from "react";
import { matchSuggestions, openTemplateAt, type TemplateSuggestion } from "./variables.ts";

export function PromptField({
  value,
  onChange,
  suggestions,
}: {
  value: string;
  onChange: (next: string) => void;
  suggestions: TemplateSuggestion[];
}) {
  const id = useId();
  const area = useRef<HTMLTextAreaElement>(null);
  const [open, setOpen] = useState<{ start: number; typed: string } | null>(null);
  const [active, setActive] = useState(0);
  const matches = open ? matchSuggestions(suggestions, open.typed).slice(0, 8) : [];
  const shown = matches.length > 0;

  function follow(text: string, caret: number) {
    setOpen(openTemplateAt(text, caret));
    setActive(0);
  }

  function insert(suggestion: TemplateSuggestion) {
    if (!open) return;
    const caret = area.current?.selectionStart ?? value.length;
    const next = value.slice(0, open.start) + suggestion.text + value.slice(caret);
    onChange(next);
    setOpen(null);
    const at = open.start + suggestion.text.length;
    requestAnimationFrame(() => {
      area.current?.focus();
      area.current?.setSelectionRange(at, at);
    });
  }

  return (
    <div className="field prompt-field">
      <label htmlFor={id}>Prompt</label>
      <textarea
        id={id}
        ref={area}
        rows={5}
        value={value}
        aria-describedby={`${id}-hint`}
        aria-controls={shown ? `${id}-list` : undefined}
        aria-autocomplete="list"
        onChange={(event) => {
          onChange(event.target.value);
          follow(event.target.value, event.target.selectionStart);
        }}
        onBlur={() => setOpen(null)}
        onKeyDown={(event) => {
          if (!shown) return;
          if (event.key === "ArrowDown" || event.key === "ArrowUp") {
            event.preventDefault();
            const step = event.key === "ArrowDown" ? 1 : -1;
            setActive((current) => (current + step + matches.length) % matches.length);
          } else if (event.key === "Enter" || event.key === "Tab") {
            event.preventDefault();
            insert(matches[active]!);
          } else if (event.key === "Escape") {
            event.preventDefault();
            setOpen(null);
          }
        }}
      />
      {shown ? (
        <div className="suggestions" id={`${id}-list`} role="listbox" aria-label="Template variables">
          {matches.map((suggestion, index) => (
            <div
              key={suggestion.text}
              role="option"
              tabIndex={-1}
              aria-selected={index === active}
              className={index === active ? "active" : undefined}
              // mousedown, not click: the textarea must not blur (and close the list) first.
              onMouseDown={(event) => {
                event.preventDefault();
                insert(suggestion);
              }}
            >
              <code>{suggestion.text}</code> <span className="muted">{suggestion.detail}</span>
            </div>
          ))}
        </div>
      ) : null}
      <small id={`${id}-hint`} className="hint">
        Type {"{{"} for variables: {"{{input.x}}"}, {"{{context.x}}"}, {"{{nodes.ID.output}}"}, {"{{upstream}}"}
      </small>
    </div>
  );
}
