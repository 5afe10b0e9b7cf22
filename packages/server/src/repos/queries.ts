// SQL of the repositories a user saved for the task form. Names are unique per user (an index): an insert
// or rename onto a taken name changes nothing and is answered 409.
import type { SavedRepoCreate, SavedRepoPatch } from "@garageswarm/protocol";
import { and, asc, eq } from "drizzle-orm";
import { savedRepos } from "../db/schema.ts";
import type { Db } from "../db/store.ts";

export type SavedRepoRow = typeof savedRepos.$inferSelect;

export function listSavedRepos(db: Db, userId: string): Promise<SavedRepoRow[]> {
  return db.select().from(savedRepos).where(eq(savedRepos.user_id, userId)).orderBy(asc(savedRepos.name));
}

export async function findSavedRepo(db: Db, userId: string, repoId: string): Promise<SavedRepoRow | undefined> {
  const [row] = await db
    .select()
    .from(savedRepos)
    .where(and(eq(savedRepos.repo_id, repoId), eq(savedRepos.user_id, userId)));
  return row;
}

/** Undefined when the user has a repository of that name already. */
export async function insertSavedRepo(
  db: Db,
  userId: string,
  input: SavedRepoCreate,
  now: Date,
): Promise<SavedRepoRow | undefined> {
  const [row] = await db
    .insert(savedRepos)
    .values({
      user_id: userId,
      name: input.name,
      url: input.url,
      default_ref: input.default_ref ?? null,
      setup: input.setup ?? null,
      check: input.check ?? null,
      push: input.push,
      created_at: now,
      updated_at: now,
    })
    .onConflictDoNothing()
    .returning();
  return row;
}

/** Undefined when there is no such repository of the user's, or the new name is taken (a unique violation). */
export async function updateSavedRepo(
  db: Db,
  userId: string,
  repoId: string,
  patch: SavedRepoPatch,
  now: Date,
): Promise<SavedRepoRow | undefined> {
  const [row] = await db
    .update(savedRepos)
    .set({ ...patch, updated_at: now })
    .where(and(eq(savedRepos.repo_id, repoId), eq(savedRepos.user_id, userId)))
    .returning();
  return row;
}

export async function deleteSavedRepo(db: Db, userId: string, repoId: string): Promise<boolean> {
  const deleted = await db
    .delete(savedRepos)
    .where(and(eq(savedRepos.repo_id, repoId), eq(savedRepos.user_id, userId)))
    .returning({ repo_id: savedRepos.repo_id });
  return deleted.length > 0;
}

export async function findSavedRepoByName(db: Db, userId: string, name: string): Promise<SavedRepoRow | undefined> {
  const [row] = await db
    .select()
    .from(savedRepos)
    .where(and(eq(savedRepos.user_id, userId), eq(savedRepos.name, name)));
  return row;
}
