// Saved repositories: what a user works on often, picked in the task form (URL, default ref, setup and
// check commands, whether to push). Nothing here holds a credential: workers use their own.
import type { SavedRepo, SavedRepoCreate, SavedRepoPatch } from "@garageswarm/protocol";
import { ConflictError, NotFoundError } from "../errors.ts";
import type { Resources } from "../resources.ts";
import * as q from "./queries.ts";

export async function listSavedRepos(resources: Resources, userId: string): Promise<SavedRepo[]> {
  return (await q.listSavedRepos(resources.db, userId)).map(toView);
}

export async function getSavedRepo(resources: Resources, userId: string, repoId: string): Promise<SavedRepo> {
  const row = await q.findSavedRepo(resources.db, userId, repoId);
  if (!row) throw new NotFoundError("repository not found");
  return toView(row);
}

export async function createSavedRepo(
  resources: Resources,
  userId: string,
  input: SavedRepoCreate,
): Promise<SavedRepo> {
  const row = await q.insertSavedRepo(resources.db, userId, input, resources.clock.now());
  if (!row) throw new ConflictError(`you have a repository named ${input.name} already`, "body.name");
  return toView(row);
}

export async function updateSavedRepo(
  resources: Resources,
  userId: string,
  repoId: string,
  patch: SavedRepoPatch,
): Promise<SavedRepo> {
  if (patch.name !== undefined) {
    const named = await q.findSavedRepoByName(resources.db, userId, patch.name);
    if (named && named.repo_id !== repoId) {
      throw new ConflictError(`you have a repository named ${patch.name} already`, "body.name");
    }
  }
  const row = await q.updateSavedRepo(resources.db, userId, repoId, patch, resources.clock.now()).catch((error) => {
    // A rename racing another onto the same name: the unique index refuses it.
    if (
      (error as { code?: string }).code === "23505" ||
      (error as { cause?: { code?: string } }).cause?.code === "23505"
    ) {
      throw new ConflictError(`you have a repository named ${patch.name} already`, "body.name");
    }
    throw error;
  });
  if (!row) throw new NotFoundError("repository not found");
  return toView(row);
}

export async function deleteSavedRepo(resources: Resources, userId: string, repoId: string): Promise<void> {
  if (!(await q.deleteSavedRepo(resources.db, userId, repoId))) throw new NotFoundError("repository not found");
}

function toView(row: q.SavedRepoRow): SavedRepo {
  return {
    repo_id: row.repo_id,
    name: row.name,
    url: row.url,
    default_ref: row.default_ref,
    setup: row.setup,
    check: row.check,
    push: row.push,
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
  };
}
