// WebSocket tickets: a browser cannot put a header on a WebSocket, and a token in the URL ends up in
// proxy and server logs. So the dashboard trades its access token for a ticket that lives 30 seconds,
// opens one socket, and is spent (its jti goes on the denylist, which every replica reads).
// Tickets are signed with a key derived from the JWT secret, so a ticket is never an access token.
import { createHmac, randomUUID } from "node:crypto";
import { jwtVerify, SignJWT } from "jose";
import { InvalidInputError, UnauthorizedError } from "../errors.ts";
import type { Resources } from "../resources.ts";
import { type Principal, sessionPrincipal } from "./authenticate.ts";
import { consumeOnce, findSessionUser } from "./queries.ts";

export const WS_TICKET_TTL_SECONDS = 30;
const ISSUER = "garageswarm";
const AUDIENCE = "garageswarm:ws-ticket";

function ticketKey(resources: Resources): Uint8Array {
  return createHmac("sha256", resources.jwtSecret).update("garageswarm ws-ticket").digest();
}

export async function issueWsTicket(resources: Resources, principal: Principal) {
  if (!principal.session) {
    throw new InvalidInputError("tickets are for signed-in sessions; an API key goes in the Authorization header");
  }
  const issuedAt = Math.floor(resources.clock.now().getTime() / 1000);
  const ticket = await new SignJWT({ fam: principal.session.family_id })
    .setProtectedHeader({ alg: "HS256" })
    .setSubject(principal.user_id)
    .setJti(randomUUID())
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setIssuedAt(issuedAt)
    .setExpirationTime(issuedAt + WS_TICKET_TTL_SECONDS)
    .sign(ticketKey(resources));
  return { ticket, expires_in: WS_TICKET_TTL_SECONDS };
}

/** The session a ticket was issued to; the ticket cannot be used again. */
export async function redeemWsTicket(resources: Resources, ticket: string): Promise<Principal> {
  const claims = await jwtVerify(ticket, ticketKey(resources), {
    issuer: ISSUER,
    audience: AUDIENCE,
    algorithms: ["HS256"],
    currentDate: resources.clock.now(),
  }).then(
    ({ payload }) => payload,
    () => null,
  );
  if (!claims?.sub || !claims.jti || typeof claims.fam !== "string" || !claims.exp) {
    throw new UnauthorizedError("invalid or expired ticket");
  }
  const expiresAt = new Date(claims.exp * 1000);
  const session = await findSessionUser(resources.db, { user_id: claims.sub, jti: claims.jti, family_id: claims.fam });
  if (!session || session.family_revoked) throw new UnauthorizedError("the ticket's session has ended");
  if (!session.is_active) throw new UnauthorizedError("user disabled or deleted");
  if (session.denied || !(await consumeOnce(resources.db, claims.jti, expiresAt))) {
    throw new UnauthorizedError("ticket already used");
  }
  return sessionPrincipal(session, { jti: claims.jti, family_id: claims.fam, expires_at: expiresAt });
}
