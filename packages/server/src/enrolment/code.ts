// Pairing codes: 8 letters from a 30-letter alphabet (about 6.6e11 codes, 39 bits), shown as `K7QX-2ZPM`.
// A code lives 10 minutes and enrolment is rate-limited per client, so guessing an open code is hopeless
// even with many codes open; a longer code would only be harder to type.
import { randomInt } from "node:crypto";
import { ENROLMENT_CODE_ALPHABET } from "@garageswarm/protocol";
import { sha256 } from "../auth/secrets.ts";

export const ENROLMENT_CODE_TTL_SECONDS = 10 * 60;

/** A new code from crypto random, uniformly over the alphabet (randomInt has no modulo bias). */
export function generateEnrolmentCode(): string {
  let letters = "";
  for (let i = 0; i < 8; i++) letters += ENROLMENT_CODE_ALPHABET[randomInt(ENROLMENT_CODE_ALPHABET.length)];
  return `${letters.slice(0, 4)}-${letters.slice(4)}`;
}

/** What is stored and looked up: the hash of the normalised code (EnrolmentCodeText), never the code. */
export function hashEnrolmentCode(code: string): string {
  return sha256(`enrolment:${code}`);
}
