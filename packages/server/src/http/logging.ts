// What a request looks like in the log. Credentials never reach it at any level: a `?token=` or `?ticket=`
// in a URL is replaced before the line is written (the Authorization header is never logged at all).
import type { FastifyRequest } from "fastify";

const CREDENTIAL_PARAM = /([?&](?:token|ticket|access_token|refresh_token|key|invite)=)[^&#]*/gi;

export function redactUrl(url: string): string {
  return url.replace(CREDENTIAL_PARAM, "$1[redacted]");
}

/** Fastify's own `req` serializer, with the URL redacted. */
export function serializeRequest(request: FastifyRequest) {
  return {
    method: request.method,
    url: redactUrl(request.url),
    host: request.host,
    remoteAddress: request.ip,
    remotePort: request.socket?.remotePort,
  };
}
