// The command that starts a worker on a machine with a checkout of GarageSwarm, as README.md and
// docs/workers.md say to run it (`npx garageswarm worker` after `npm install`). The key travels in the
// environment, not as an argument, so it does not show in `ps` on that machine.

/** `name` as one shell word: bare when safe, else single-quoted (sh: '\'' inside; PowerShell: ''). */
function shellWord(text: string, shell: "sh" | "ps1"): string {
  if (/^[A-Za-z0-9._@%+=:,/-]+$/.test(text)) return text;
  return shell === "sh" ? `'${text.replaceAll("'", `'\\''`)}'` : `'${text.replaceAll("'", "''")}'`;
}

export function workerCommands(origin: string, key: string, name: string): { sh: string; ps1: string } {
  const flags = (shell: "sh" | "ps1") => `--server ${origin}${name ? ` --name ${shellWord(name, shell)}` : ""}`;
  return {
    sh: `GARAGESWARM_KEY=${key} npx garageswarm worker ${flags("sh")}`,
    ps1: `$env:GARAGESWARM_KEY='${key}'; npx garageswarm worker ${flags("ps1")}`,
  };
}
