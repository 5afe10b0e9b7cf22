// Asking the person at the terminal: a visible line, or a password that is not echoed.
import { stdin, stdout } from "node:process";
import { createInterface } from "node:readline/promises";

export async function promptLine(question: string): Promise<string> {
  const readline = createInterface({ input: stdin, output: stdout });
  try {
    return (await readline.question(question)).trim();
  } finally {
    readline.close();
  }
}

/** Reads a password without echoing it; from a pipe it reads one line. */
export async function promptSecret(question: string): Promise<string> {
  if (!stdin.isTTY) return promptLine(question);
  stdout.write(question);
  stdin.setRawMode(true);
  stdin.resume();
  stdin.setEncoding("utf8");
  return new Promise((resolve, reject) => {
    let value = "";
    const onData = (text: string) => {
      for (const char of text) {
        if (char === "\r" || char === "\n") {
          finish();
          stdout.write("\n");
          resolve(value);
          return;
        }
        if (char === "\u0003") {
          finish();
          stdout.write("\n");
          reject(new Error("cancelled"));
          return;
        }
        if (char === "\u007f" || char === "\b") value = value.slice(0, -1);
        else value += char;
      }
    };
    const finish = () => {
      stdin.off("data", onData);
      stdin.setRawMode(false);
      stdin.pause();
    };
    stdin.on("data", onData);
  });
}
