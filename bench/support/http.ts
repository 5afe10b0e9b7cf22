// A JSON call against the server under test; any 4xx/5xx is an error that stops the run.
export async function call<T = unknown>(
  base: string,
  method: string,
  path: string,
  token: string | null,
  body?: unknown,
): Promise<{ status: number; body: T }> {
  const response = await fetch(base + path, {
    method,
    headers: {
      ...(body === undefined ? {} : { "content-type": "application/json" }),
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  if (response.status >= 400) throw new Error(`${method} ${path}: ${response.status} ${text.slice(0, 300)}`);
  return { status: response.status, body: (text ? JSON.parse(text) : null) as T };
}

/** Runs `job(0..count-1)` with at most `width` in flight; stops early (and rethrows) on the first error. */
export async function inParallel(count: number, width: number, job: (index: number) => Promise<void>): Promise<void> {
  let next = 0;
  let failed = false;
  await Promise.all(
    Array.from({ length: Math.min(width, count) }, async () => {
      while (next < count && !failed) {
        try {
          await job(next++);
        } catch (error) {
          failed = true;
          throw error;
        }
      }
    }),
  );
}
