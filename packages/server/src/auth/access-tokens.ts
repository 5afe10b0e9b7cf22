// Short-lived JWT access tokens (HS256). Each carries a jti so logout can revoke it before expiry.
import { randomUUID } from "node:crypto";
import { errors, jwtVerify, SignJWT } from "jose";
import { UnauthorizedError } from "../errors.ts";

export interface AccessClaims {
  user_id: string;
  jti: string;
  /** The refresh-token family this session belongs to, so logout ends both. */
  family_id: string;
  expires_at: Date;
}

const ISSUER = "garageswarm";
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export async function signAccessToken(
  secret: Uint8Array,
  claims: { user_id: string; family_id: string },
  ttlSeconds: number,
  now: Date,
): Promise<{ token: string; jti: string }> {
  const jti = randomUUID();
  const issuedAt = Math.floor(now.getTime() / 1000);
  const token = await new SignJWT({ fam: claims.family_id })
    .setProtectedHeader({ alg: "HS256" })
    .setSubject(claims.user_id)
    .setJti(jti)
    .setIssuer(ISSUER)
    .setIssuedAt(issuedAt)
    .setExpirationTime(issuedAt + Math.round(ttlSeconds))
    .sign(secret);
  return { token, jti };
}

export async function verifyAccessToken(secret: Uint8Array, token: string, now: Date): Promise<AccessClaims> {
  try {
    const { payload } = await jwtVerify(token, secret, {
      issuer: ISSUER,
      algorithms: ["HS256"],
      currentDate: now,
    });
    // Ids are checked as UUIDs here so the session query never sees (and fails on) anything else.
    const ids = [payload.sub, payload.jti, payload.fam];
    if (!ids.every((id) => typeof id === "string" && UUID.test(id)) || !payload.exp) {
      throw new UnauthorizedError("malformed access token");
    }
    return {
      user_id: payload.sub as string,
      jti: payload.jti as string,
      family_id: payload.fam as string,
      expires_at: new Date(payload.exp * 1000),
    };
  } catch (error) {
    if (error instanceof UnauthorizedError) throw error;
    if (error instanceof errors.JWTExpired) throw new UnauthorizedError("access token expired");
    throw new UnauthorizedError("invalid access token");
  }
}
