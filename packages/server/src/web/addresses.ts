// Where other machines can reach this server: a dashboard opened at http://127.0.0.1:8000 would otherwise
// hand out commands that only work on the server's own machine.
import { networkInterfaces } from "node:os";
import type { ServerAddresses } from "@garageswarm/protocol";

const loopbackHost = /^(localhost|127(\.\d{1,3}){3}|\[::1\]|::1)$/i;

export function isLoopbackHost(host: string): boolean {
  return loopbackHost.test(host);
}

type Interfaces = ReturnType<typeof networkInterfaces>;

/** The answer for a request that reached the server at `origin`, listening on `listenHost`:`port`. */
export function serverAddresses(
  origin: string,
  listenHost: string,
  port: number,
  interfaces: Interfaces = networkInterfaces(),
): ServerAddresses {
  const url = new URL(origin);
  const loopbackOnly = isLoopbackHost(listenHost);
  const wildcard = listenHost === "0.0.0.0" || listenHost === "::" || listenHost === "";
  const addresses = Object.values(interfaces)
    .flatMap((entries) => entries ?? [])
    // Link-local IPv6 needs a zone id a URL cannot carry; internal ones are loopback.
    .filter((entry) => !entry.internal && !(entry.family === "IPv6" && entry.address.toLowerCase().startsWith("fe80")))
    // Listening on one address: only that one is reachable; on the wildcard, every interface is.
    .filter((entry) => wildcard || entry.address === listenHost)
    .sort((a, b) => (a.family === b.family ? 0 : a.family === "IPv4" ? -1 : 1))
    .map((entry) => `${url.protocol}//${entry.family === "IPv6" ? `[${entry.address}]` : entry.address}:${port}`);
  return {
    origin,
    loopback: isLoopbackHost(url.hostname),
    lan_origins: loopbackOnly ? [] : [...new Set(addresses)],
    loopback_only: loopbackOnly,
  };
}
