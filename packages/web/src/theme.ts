// Dark/light: follows the system unless the person picks one; the choice is remembered per browser.
import { createStore } from "./api/store.ts";

export type Theme = "system" | "light" | "dark";
const key = "garageswarm.theme";

function stored(): Theme {
  const value = localStorage.getItem(key);
  return value === "light" || value === "dark" ? value : "system";
}

export const theme = createStore<Theme>(stored());

export function applyTheme(next: Theme): void {
  theme.set(next);
  if (next === "system") {
    localStorage.removeItem(key);
    delete document.documentElement.dataset.theme;
  } else {
    localStorage.setItem(key, next);
    document.documentElement.dataset.theme = next;
  }
}

/** The theme actually showing, resolving "system" through the media query. */
export function effectiveTheme(value: Theme = theme.get()): "light" | "dark" {
  if (value !== "system") return value;
  return matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light";
}
