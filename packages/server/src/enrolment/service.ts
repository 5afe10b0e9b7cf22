// Enrolling a machine: its owner makes a pairing code (signed in, or with a `full` key); the machine
// exchanges it, once and within ENROLMENT_CODE_TTL_SECONDS, for a new `worker` key of the owner.
//
// A code is open (created) until it is used, expires or is deleted. Using it is one transaction: the
// guarded UPDATE that marks it used, the key, and the audit rows; so a code yields one key or none, and an
// exchange that fails leaves the code open. Unknown, used and expired codes get the same answer.
import type { EnrolmentCode, EnrolmentCodeCreated, EnrolRequest, EnrolResult } from "@garageswarm/protocol";
import { recordAudit } from "../audit/record.ts";
import { findUserById } from "../auth/queries.ts";
import type { Db } from "../db/store.ts";
import { ConflictError, InvalidInputError, NotFoundError } from "../errors.ts";
import { mintApiKey } from "../keys/service.ts";
import type { Resources } from "../resources.ts";
import { ENROLMENT_CODE_TTL_SECONDS, generateEnrolmentCode, hashEnrolmentCode } from "./code.ts";
import * as q from "./queries.ts";

/** Open codes a user may hold at once: enough for a room of machines, too few to fill the table. */
export const MAX_OPEN_CODES_PER_USER = 20;

const NO_SUCH_CODE = "unknown, expired or already used pairing code: make a new one on the Workers page";

export interface Requester {
  user_id: string;
  /** The `full` key that asked, when a key (not a session) did. */
  key_id?: string;
  ip?: string;
}

export async function createEnrolmentCode(
  resources: Resources,
  requester: Requester,
  input: { name?: string; labels?: string[] },
  installFor: (code: string) => EnrolmentCodeCreated["install"],
): Promise<EnrolmentCodeCreated> {
  const { db, clock } = resources;
  const now = clock.now();
  if ((await q.countOpenCodesOfUser(db, requester.user_id, now)) >= MAX_OPEN_CODES_PER_USER) {
    throw new ConflictError(
      `you already have ${MAX_OPEN_CODES_PER_USER} open pairing codes: use or delete some, or wait for them to expire`,
    );
  }
  // A collision of two open codes' hashes is astronomically rare; drawing again keeps the unique index honest.
  for (let attempt = 0; attempt < 3; attempt++) {
    const code = generateEnrolmentCode();
    const row = await db.transaction(async (tx) => {
      const inserted = await q.insertEnrolmentCode(tx as Db, {
        user_id: requester.user_id,
        code_hash: hashEnrolmentCode(code),
        worker_name: input.name ?? null,
        labels: input.labels ?? [],
        created_by_key_id: requester.key_id ?? null,
        created_at: now,
        expires_at: new Date(now.getTime() + ENROLMENT_CODE_TTL_SECONDS * 1000),
      });
      if (!inserted) return undefined;
      await recordAudit(tx as Db, {
        user_id: requester.user_id,
        action: "enrolment_code.create",
        object_type: "enrolment_code",
        object_id: inserted.enrolment_code_id,
        ip: requester.ip,
        detail: { name: inserted.worker_name, created_by_key_id: inserted.created_by_key_id },
      });
      return inserted;
    });
    if (row) return { ...toEnrolmentCodeView(row), code, install: installFor(code) };
  }
  throw new Error("could not draw an unused pairing code");
}

export async function listEnrolmentCodes(resources: Resources, userId: string): Promise<EnrolmentCode[]> {
  return (await q.listOpenCodesOfUser(resources.db, userId, resources.clock.now())).map(toEnrolmentCodeView);
}

export async function deleteEnrolmentCode(resources: Resources, requester: Requester, codeId: string): Promise<void> {
  const deleted = await resources.db.transaction(async (tx) => {
    const found = await q.deleteOpenCode(tx as Db, requester.user_id, codeId, resources.clock.now());
    if (found) {
      await recordAudit(tx as Db, {
        user_id: requester.user_id,
        action: "enrolment_code.delete",
        object_type: "enrolment_code",
        object_id: codeId,
        ip: requester.ip,
      });
    }
    return found;
  });
  if (!deleted) throw new NotFoundError("no open pairing code with this id");
}

/** Exchanges a code for a new `worker` key of its owner. */
export async function enrol(resources: Resources, input: EnrolRequest, meta: { ip?: string }): Promise<EnrolResult> {
  const { db, clock } = resources;
  const now = clock.now();
  return db.transaction(async (tx) => {
    const code = await q.useEnrolmentCode(tx as Db, hashEnrolmentCode(input.code), now);
    if (!code) throw new InvalidInputError(NO_SUCH_CODE, "body.code");
    // A disabled owner's key would not authenticate; the code is left open (rolled back) and refused alike.
    const owner = await findUserById(tx as Db, code.user_id);
    if (!owner?.is_active) throw new InvalidInputError(NO_SUCH_CODE, "body.code");
    const name = input.name ?? code.worker_name;
    const key = await mintApiKey(
      tx as Db,
      code.user_id,
      { name: `worker: ${name ?? "enrolled machine"}`, scope: "worker", created_by_key_id: code.created_by_key_id },
      meta,
    );
    await q.recordCodeKey(tx as Db, code.enrolment_code_id, key.key_id);
    await recordAudit(tx as Db, {
      user_id: code.user_id,
      action: "enrolment_code.use",
      object_type: "enrolment_code",
      object_id: code.enrolment_code_id,
      ip: meta.ip,
      detail: { key_id: key.key_id, name, platform: input.platform ?? null },
    });
    return { key: key.key, key_id: key.key_id, name, labels: labelsOf(code) };
  });
}

function labelsOf(row: q.EnrolmentCodeRow): string[] {
  return Array.isArray(row.labels) ? row.labels.filter((label): label is string => typeof label === "string") : [];
}

function toEnrolmentCodeView(row: q.EnrolmentCodeRow): EnrolmentCode {
  return {
    enrolment_code_id: row.enrolment_code_id,
    name: row.worker_name,
    labels: labelsOf(row),
    created_at: row.created_at.toISOString(),
    expires_at: row.expires_at.toISOString(),
  };
}
