// The user, API key and registered workers a case needs, made over the real API.
import { call, inParallel } from "./http.ts";

export interface Fleet {
  accessToken: string;
  apiKey: string;
  workerIds: string[];
}

export async function registerFleet(base: string, workerCount: number, width = 16): Promise<Fleet> {
  const username = `bench_${Date.now().toString(36)}`;
  const password = "bench-password-1234";
  await call(base, "POST", "/api/v1/auth/register", null, { username, email: `${username}@bench.test`, password });
  const login = await call<{ access_token: string }>(base, "POST", "/api/v1/auth/login", null, { username, password });
  const accessToken = login.body.access_token;
  const apiKey = (await call<{ key: string }>(base, "POST", "/api/v1/keys", accessToken, { name: "bench" })).body.key;
  const workerIds: string[] = new Array(workerCount);
  await inParallel(workerCount, width, async (i) => {
    const registered = await call<{ worker_id: string }>(base, "POST", "/api/v1/workers/register", apiKey, {
      machine_id: machineId(i),
      machine_name: `bench worker ${i}`,
      platform: process.platform,
      tools: [{ name: "shell", version: "bench", models: [], healthy: true }],
      slots: 1,
    });
    workerIds[i] = registered.body.worker_id;
  });
  return { accessToken, apiKey, workerIds };
}

export function machineId(index: number): string {
  return `bench-${index}`;
}
