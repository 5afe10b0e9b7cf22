// What a worker checks on a code task before any git runs: a server is not trusted blindly (the URL and refs
// are checked again), and a task of another user than the worker's owner may not run commands of its own
// (setup, check) nor read the worker's disk (file:// URLs).
import { gitRefProblem, repoUrlProblem, type TaskRepo, type TaskWorkspace } from "@garageswarm/protocol";

/** Why no worker could run this repository task as it is (a hostile URL or ref), or null. */
export function repoProblem(repo: TaskRepo, workspace?: TaskWorkspace | null): string | null {
  const url = repoUrlProblem(repo.url);
  if (url) return `repo.url ${url}`;
  if (repo.ref !== undefined) {
    const ref = gitRefProblem(repo.ref);
    if (ref) return `repo.ref ${ref}`;
  }
  if (workspace) {
    const branch = gitRefProblem(workspace.branch);
    if (branch) return `workspace.branch ${branch}`;
  }
  return null;
}

/** Why this worker refuses another user's repository task (another worker may take it), or null. */
export function sharedWorkerRefusal(repo: TaskRepo): string | null {
  const refused: string[] = [];
  if (repo.setup) refused.push("a setup command");
  if (repo.check) refused.push("a check command");
  if (/^file:/i.test(repo.url)) refused.push("a file:// repository");
  if (refused.length === 0) return null;
  return `this worker runs no ${refused.join(", ")} for tasks of users other than its owner`;
}
