// A refused request whose body was not read (401 before the body, 413 past the limit) must still end in a
// readable answer. Closing the socket while the client is still sending makes the kernel reset it, and the
// reset can overtake the answer; so the rest of the body is read and dropped, up to a bound, then the
// connection is kept or closed cleanly.
import type { FastifyInstance } from "fastify";

/** Past this many unread bytes (or this long) the client is not worth waiting for: the socket is cut. */
const DRAIN_LIMIT_BYTES = 64 * 1024 * 1024;
const DRAIN_LIMIT_MS = 30_000;

export function drainUnreadBodies(app: FastifyInstance): void {
  // Fastify asks to close the connection after any body error; closing with unread input resets it.
  app.addHook("onSend", async (request, reply, payload) => {
    if (!request.raw.complete && reply.statusCode === 413) reply.removeHeader("connection");
    return payload;
  });
  app.addHook("onResponse", async (request) => {
    const raw = request.raw;
    if (raw.complete || raw.destroyed) return;
    let drained = 0;
    const cut = () => raw.socket?.destroy();
    const timer = setTimeout(cut, DRAIN_LIMIT_MS);
    timer.unref();
    raw.on("data", (chunk: Buffer) => {
      drained += chunk.length;
      if (drained > DRAIN_LIMIT_BYTES) cut();
    });
    raw.once("end", () => clearTimeout(timer));
    raw.once("close", () => clearTimeout(timer));
    raw.resume();
  });
}
