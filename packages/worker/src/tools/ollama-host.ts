// OLLAMA_HOST read the way Ollama's own client reads it (envconfig Host() and ConnectableHost() in
// ollama/ollama), so a value that works for `ollama run` works for the worker:
//   ""                 → http://127.0.0.1:11434
//   host, host:port    → http, port 11434 when none     (ollama.com alone → https://ollama.com:443)
//   http://host        → port 80;  https://host → 443
//   :11434             → 127.0.0.1:11434;  0.0.0.0 / :: (listen on all) → 127.0.0.1 / ::1
//   host/prefix        → requests go to host/prefix/api/…
// An invalid port falls back to the default port, as Ollama does.

const loopback = "127.0.0.1";

/** The base URL for Ollama's API, without a trailing slash. */
export function ollamaBaseUrl(value: string): string {
  const trimmed = value.trim();
  let scheme = "http";
  let rest = trimmed;
  let defaultPort = "11434";
  const separator = trimmed.indexOf("://");
  if (separator < 0) {
    if (trimmed === "ollama.com") [scheme, rest] = ["https", "ollama.com:443"];
  } else {
    scheme = trimmed.slice(0, separator);
    rest = trimmed.slice(separator + 3);
    if (scheme === "http") defaultPort = "80";
    if (scheme === "https") defaultPort = "443";
  }

  const slash = rest.indexOf("/");
  const hostPort = slash < 0 ? rest : rest.slice(0, slash);
  const path = slash < 0 ? "" : rest.slice(slash + 1);
  let { host, port } = splitHostPort(hostPort) ?? { host: hostPort.replace(/^\[(.*)\]$/, "$1"), port: defaultPort };
  if (!/^\d+$/.test(port) || Number(port) > 65535) port = defaultPort;
  // A listen address (all interfaces, or none given) is not one a client can connect to.
  if (host === "" || host === "0.0.0.0") host = loopback;
  if (host === "::" || host === "[::]") host = "::1";

  const hostText = host.includes(":") ? `[${host}]` : host;
  const prefix = path.replace(/\/+$/, "");
  return `${scheme}://${hostText}:${port}${prefix ? `/${prefix}` : ""}`;
}

/** Go's net.SplitHostPort: `host:port` or `[v6]:port`; null when there is no port or too many colons. */
function splitHostPort(hostPort: string): { host: string; port: string } | null {
  if (hostPort.startsWith("[")) {
    const match = /^\[([^\]]*)\]:(.*)$/.exec(hostPort);
    return match ? { host: match[1]!, port: match[2]! } : null;
  }
  const colon = hostPort.lastIndexOf(":");
  if (colon < 0 || hostPort.indexOf(":") !== colon) return null;
  return { host: hostPort.slice(0, colon), port: hostPort.slice(colon + 1) };
}

/** `<base>/api/…`: the base's path prefix kept, as Go's url.JoinPath keeps it. */
export function ollamaUrl(base: string, path: string): string {
  return `${base.replace(/\/+$/, "")}/${path.replace(/^\/+/, "")}`;
}
