// Opens a URL in the default browser with the system's own opener. Not the `open` package: it ships its
// own xdg-open script next to its code, which a single-file bundle of the worker would not carry.
import { spawn } from "node:child_process";

/** Resolves true once the opener ran and said yes; false when there is none or it failed (print the URL). */
export function openInBrowser(url: string, platform: NodeJS.Platform = process.platform): Promise<boolean> {
  const [command, args]: [string, string[]] =
    platform === "darwin"
      ? ["open", [url]]
      : platform === "win32"
        ? // `start` is a cmd built-in; its first quoted argument is a window title, hence the empty one.
          ["cmd", ["/c", "start", '""', url]]
        : ["xdg-open", [url]];
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: "ignore", windowsHide: true });
    child.once("error", () => resolve(false));
    child.once("exit", (code) => resolve(code === 0));
  });
}
