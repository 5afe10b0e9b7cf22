// The dashboard's refresh token lives in an httpOnly cookie, so no script (an XSS included) can read it.
// SameSite=Strict keeps other sites from sending it, and the path scopes it to the refresh route only.
// The CLI, which keeps its token in a 0600 file, asks for it in the body as before.
import { parse, serialize } from "cookie";
import type { FastifyReply, FastifyRequest } from "fastify";

export const REFRESH_COOKIE = "gs_refresh";
export const REFRESH_COOKIE_PATH = "/api/v1/auth/refresh";

export function refreshTokenFromCookie(request: FastifyRequest): string | undefined {
  const header = request.headers.cookie;
  return header ? parse(header)[REFRESH_COOKIE] : undefined;
}

export function setRefreshCookie(request: FastifyRequest, reply: FastifyReply, token: string, maxAgeSeconds: number) {
  reply.header("set-cookie", cookieFor(request, token, Math.floor(maxAgeSeconds)));
}

export function clearRefreshCookie(request: FastifyRequest, reply: FastifyReply) {
  reply.header("set-cookie", cookieFor(request, "", 0));
}

function cookieFor(request: FastifyRequest, value: string, maxAge: number): string {
  return serialize(REFRESH_COOKIE, value, {
    httpOnly: true,
    sameSite: "strict",
    path: REFRESH_COOKIE_PATH,
    maxAge,
    // Behind TLS (directly, or a trusted proxy saying so) the cookie never travels in clear.
    secure: request.protocol === "https",
  });
}
