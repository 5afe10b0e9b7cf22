// Real users through the real API: register, then log in.
import { randomBytes } from "node:crypto";
import type { ApiClient } from "./http.ts";

export interface TestUser {
  user_id: string;
  username: string;
  email: string;
  password: string;
  access_token: string;
  refresh_token: string;
}

export async function createUser(api: ApiClient, name = `user_${randomBytes(4).toString("hex")}`): Promise<TestUser> {
  const password = `pw-${randomBytes(8).toString("hex")}`;
  const email = `${name}@example.test`;
  const registered = await api.post("/api/v1/auth/register", { username: name, email, password });
  if (registered.status !== 201)
    throw new Error(`register failed: ${registered.status} ${JSON.stringify(registered.body)}`);
  const tokens = await api.post("/api/v1/auth/login", { username: name, password });
  if (tokens.status !== 200) throw new Error(`login failed: ${tokens.status} ${JSON.stringify(tokens.body)}`);
  return {
    user_id: registered.body.user_id,
    username: name,
    email,
    password,
    access_token: tokens.body.access_token,
    refresh_token: tokens.body.refresh_token,
  };
}

/** An API key (`gs_…`) for the user, as a worker or the CLI would use it. */
export async function createApiKey(api: ApiClient, user: TestUser, name = "test key"): Promise<string> {
  const created = await api.post("/api/v1/keys", { name }, { token: user.access_token });
  if (created.status !== 201) throw new Error(`create key failed: ${created.status} ${JSON.stringify(created.body)}`);
  return created.body.key;
}

/** A new user with an API key: someone who runs workers. */
export async function createUserWithKey(api: ApiClient): Promise<TestUser & { key: string }> {
  const user = await createUser(api);
  return { ...user, key: await createApiKey(api, user) };
}

/** The first admin's access token, on a server started with `adminPassword`. */
export async function signInAdmin(api: ApiClient, password: string): Promise<string> {
  const tokens = await api.post("/api/v1/auth/login", { username: "admin", password });
  if (tokens.status !== 200) throw new Error(`admin login failed: ${tokens.status} ${JSON.stringify(tokens.body)}`);
  return tokens.body.access_token;
}

/** A user an admin created (`POST /admin/users`), signed in: how accounts are made when registration is not open. */
export async function createUserAsAdmin(
  api: ApiClient,
  adminToken: string,
  name = `user_${randomBytes(4).toString("hex")}`,
  options: { is_admin?: boolean } = {},
): Promise<TestUser> {
  const password = `pw-${randomBytes(8).toString("hex")}`;
  const email = `${name}@example.test`;
  const created = await api.post(
    "/api/v1/admin/users",
    { username: name, email, password, ...options },
    { token: adminToken },
  );
  if (created.status !== 201) throw new Error(`create user failed: ${created.status} ${JSON.stringify(created.body)}`);
  const tokens = await api.post("/api/v1/auth/login", { username: name, password });
  if (tokens.status !== 200) throw new Error(`login failed: ${tokens.status} ${JSON.stringify(tokens.body)}`);
  return {
    user_id: created.body.user_id,
    username: name,
    email,
    password,
    access_token: tokens.body.access_token,
    refresh_token: tokens.body.refresh_token,
  };
}
