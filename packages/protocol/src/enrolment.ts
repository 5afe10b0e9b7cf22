import { z } from "zod";
import { Timestamp, Uuid } from "./common.ts";
import { Label } from "./tasks.ts";
import { storableText } from "./text.ts";

/**
 * The letters a pairing code is made of: digits and capitals without the look-alikes (0/O, 1/I/L) and
 * without U, so a code read aloud or typed from a screen comes out right.
 */
export const ENROLMENT_CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ";

/** A pairing code as shown: two groups of four, e.g. `K7QX-2ZPM`. */
export const ENROLMENT_CODE_PATTERN = /^[2-9A-HJKMNP-TV-Z]{4}-[2-9A-HJKMNP-TV-Z]{4}$/;

/**
 * A pairing code as a person types it: any case, with or without the dash or spaces; normalised to `XXXX-XXXX`.
 * Anything else is refused before any lookup.
 */
export const EnrolmentCodeText = z
  .string()
  .max(40)
  .transform((text) => text.toUpperCase().replace(/[\s-]/g, ""))
  .transform((text) => (text.length === 8 ? `${text.slice(0, 4)}-${text.slice(4)}` : text))
  .pipe(z.string().regex(ENROLMENT_CODE_PATTERN, "must be a pairing code like K7QX-2ZPM"));

/** Create a pairing code; the worker that uses it gets this name and these labels unless it says otherwise. */
export const EnrolmentCodeCreate = z
  .object({
    name: storableText(90).pipe(z.string().trim().min(1, "must not be empty")).optional(),
    labels: z.array(Label).max(20).optional(),
  })
  .strict();

/** An open (unused, unexpired) pairing code, never its text. */
export const EnrolmentCode = z.object({
  enrolment_code_id: Uuid,
  name: z.string().nullable(),
  labels: z.array(z.string()),
  created_at: Timestamp,
  expires_at: Timestamp,
});
export type EnrolmentCode = z.infer<typeof EnrolmentCode>;

/** The lines a person pastes on the machine to enrol it with this code. */
export const InstallCommands = z.object({
  /** Linux and macOS: `curl -fsSL <server>/install.sh | sh -s -- --code K7QX-2ZPM`. */
  sh: z.string(),
  /** Windows PowerShell. */
  ps1: z.string(),
  /** The installer's link with the code in it (for a QR code): `<server>/install.sh?code=K7QX-2ZPM`. */
  url: z.string(),
});

/** Answer to create: the only time the code's text is shown. */
export const EnrolmentCodeCreated = EnrolmentCode.extend({
  code: z.string(),
  install: InstallCommands,
});
export type EnrolmentCodeCreated = z.infer<typeof EnrolmentCodeCreated>;

/** Exchange a pairing code, once, for a worker key. Unauthenticated: the code is the credential. */
export const EnrolRequest = z
  .object({
    code: EnrolmentCodeText,
    /** The machine's name, over the one given when the code was made. */
    name: storableText(90).pipe(z.string().trim().min(1, "must not be empty")).optional(),
    /** `process.platform` of the enrolling machine (linux, darwin, win32…), kept in the audit log. */
    platform: z
      .string()
      .regex(/^[a-z0-9_-]{1,32}$/, "must be a platform name like linux, darwin or win32")
      .optional(),
  })
  .strict();
export type EnrolRequest = z.infer<typeof EnrolRequest>;

/** What the machine keeps: a `worker` key of the code's owner, and the name and labels to run with. */
export const EnrolResult = z.object({
  key: z.string(),
  key_id: Uuid,
  name: z.string().nullable(),
  labels: z.array(z.string()),
});
export type EnrolResult = z.infer<typeof EnrolResult>;

/** The worker bundle this server serves: a single file that runs with Node alone. */
export const WorkerBundle = z.object({
  version: z.string(),
  /** Absolute path on this server, `/dl/garageswarm-<version>.mjs`; stable for a version. */
  url: z.string(),
  /** Hex SHA-256 of the file; also served at `<url>.sha256`. */
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
});
export type WorkerBundle = z.infer<typeof WorkerBundle>;

/**
 * The addresses another machine could reach this server at, for the Add-worker commands: the one this request
 * used, whether that is a loopback address (it works on this machine only), and the server's own network
 * addresses with its port (LAN), when it listens on them.
 */
export const ServerAddresses = z.object({
  /** The origin this request reached the server at (or the configured public URL). */
  origin: z.string(),
  /** `origin` names this machine only (localhost, 127.0.0.0/8, ::1): useless on another machine. */
  loopback: z.boolean(),
  /** `http://<address>:<port>` for each non-internal network interface, IPv4 first; empty when none or not listened on. */
  lan_origins: z.array(z.string()),
  /** The server listens on loopback only (`--host 127.0.0.1`), so other machines cannot reach it at all. */
  loopback_only: z.boolean(),
});
export type ServerAddresses = z.infer<typeof ServerAddresses>;
