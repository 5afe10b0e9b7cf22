// The origin machines should reach this server at, for install lines and the install scripts. A configured
// public URL wins. Without one, the request's Host is used: the person fetching a script or making a code
// names the server they already trust by typing its address, and whoever can rewrite Host on that path can
// rewrite the answer too. The answers are never cached (no-store), so one client's Host never reaches
// another, and the Host is checked to be a plain host[:port] so nothing else can be spliced into a script.
import type { FastifyRequest } from "fastify";
import type { ServerConfig } from "../config.ts";
import { InvalidInputError } from "../errors.ts";

const plainHost = /^([A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*|\[[0-9A-Fa-f:.]+\])(:\d{1,5})?$/;

export function publicOrigin(request: FastifyRequest, config: Pick<ServerConfig, "publicUrl">): string {
  if (config.publicUrl) return config.publicUrl;
  const host = request.host;
  if (!plainHost.test(host))
    throw new InvalidInputError("the Host header must be a host name or address", "header.host");
  return `${request.protocol}://${host}`;
}

/** The one-liners that enrol a machine with `code`, per OS, and the installer's link carrying the code. */
export function installCommands(origin: string, code: string) {
  return {
    sh: `curl -fsSL ${origin}/install.sh | sh -s -- --code ${code}`,
    ps1: `& ([scriptblock]::Create((irm ${origin}/install.ps1))) -Code ${code}`,
    url: `${origin}/install.sh?code=${code}`,
  };
}
