// A typed client for the REST API, from the OpenAPI document the server serves (/docs/json): paths, bodies
// and answers are checked by the compiler. `api.gen.ts` is generated (openapi-typescript) from the running
// server by packages/server/test/openapi.test.ts (`npm run openapi:check`), which then compiles this folder.
import createClient from "openapi-fetch";
import type { paths } from "./api.gen.ts";

export type { components, operations, paths } from "./api.gen.ts";

/** A client for the server at `baseUrl`, authenticated with an API key or an access token. */
export function createApiClient(baseUrl: string, credential?: string) {
  return createClient<paths>({
    baseUrl,
    headers: credential ? { authorization: `Bearer ${credential}` } : {},
  });
}
