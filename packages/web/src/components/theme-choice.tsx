// The theme picker: follow the system (the default), or always light, or always dark.
import { useStore } from "../api/store.ts";
import { applyTheme, type Theme, theme } from "../theme.ts";

// Glyphs, not words, so the header keeps to one row at 1280 px with every page in the nav; the names say it.
const choices: ReadonlyArray<{ value: Theme; text: string; name: string }> = [
  { value: "system", text: "◐", name: "Follow the system theme" },
  { value: "light", text: "☀", name: "Light theme" },
  { value: "dark", text: "☾", name: "Dark theme" },
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
          title={choice.name}
          aria-pressed={current === choice.value}
          onClick={() => applyTheme(choice.value)}
        >
          {choice.text}
        </button>
      ))}
    </fieldset>
  );
}
