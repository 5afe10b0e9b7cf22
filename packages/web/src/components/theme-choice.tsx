// The theme picker: follow the system (the default), or always light, or always dark.
import { useStore } from "../api/store.ts";
import { applyTheme, type Theme, theme } from "../theme.ts";

const choices: ReadonlyArray<{ value: Theme; text: string; name: string }> = [
  { value: "system", text: "System", name: "Follow the system theme" },
  { value: "light", text: "Light", name: "Light theme" },
  { value: "dark", text: "Dark", name: "Dark theme" },
];

export function ThemeChoice() {
  const current = useStore(theme);
  return (
    <fieldset className="toggle theme-choice">
      <legend className="visually-hidden">Theme</legend>
      {choices.map((choice) => (
        <button
          key={choice.value}
          type="button"
          aria-label={choice.name}
          aria-pressed={current === choice.value}
          onClick={() => applyTheme(choice.value)}
        >
          {choice.text}
        </button>
      ))}
    </fieldset>
  );
}
