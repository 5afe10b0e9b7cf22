// A pairing code exchanged for a worker key at the server: `POST /api/v1/enrol {code, name}` → `{key}`. The
// code is single-use and short-lived; the key that comes back is what the worker keeps in config.json.
import { z } from "zod";

const Enrolled = z.object({ key: z.string().startsWith("gs_") });
const Problem = z.object({ detail: z.string().optional(), title: z.string().optional() });

/** The server's answer could not be had or said no; the message is the server's when it gave one. */
export class EnrolError extends Error {
  override name = "EnrolError";

  /** True when the server answered no (the code is wrong, used or expired); false when it was not reached. */
  constructor(
    message: string,
    readonly refused: boolean,
  ) {
    super(message);
  }
}

export async function exchangePairingCode(server: string, code: string, name?: string): Promise<string> {
  let answer: Response;
  try {
    answer = await fetch(`${server}/api/v1/enrol`, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json" },
      body: JSON.stringify({ code, ...(name ? { name } : {}) }),
      signal: AbortSignal.timeout(15_000),
      redirect: "error",
    });
  } catch (error) {
    throw new EnrolError(`could not reach ${server} (${(error as Error).message})`, false);
  }
  const body: unknown = await answer.json().catch(() => null);
  if (!answer.ok) {
    const problem = Problem.safeParse(body);
    const why = problem.success ? (problem.data.detail ?? problem.data.title) : undefined;
    if (answer.status === 404 && !why)
      throw new EnrolError(`${server} does not take pairing codes (no /api/v1/enrol)`, true);
    throw new EnrolError(`the server refused the code (${answer.status}${why ? `: ${why}` : ""})`, answer.status < 500);
  }
  const enrolled = Enrolled.safeParse(body);
  if (!enrolled.success) throw new EnrolError("the server's answer held no API key", false);
  return enrolled.data.key;
}
