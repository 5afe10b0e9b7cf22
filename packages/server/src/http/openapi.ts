// How routes appear in the OpenAPI document (/docs/json): zod schemas as JSON Schema, one path per route
// without a trailing slash, and an operationId made from the method and path, so generated clients get
// stable, readable method names (`getTasksById`, `postRunsByIdNodesByNodeIdApprove`).
import type { SwaggerTransform } from "@fastify/swagger";
import { jsonSchemaTransform } from "fastify-type-provider-zod";

const apiPrefix = "/api/v1/";

/** `GET /api/v1/tasks/:id/events` → `getTasksByIdEvents`; the same route always gets the same id. */
export function operationIdOf(method: string, url: string): string {
  const path = url.startsWith(apiPrefix) ? url.slice(apiPrefix.length) : url;
  const words = path
    .split("/")
    .filter((segment) => segment !== "")
    .flatMap((segment) =>
      segment.startsWith(":") || segment.startsWith("{")
        ? [`by-${segment.replace(/^[:{]|}$/g, "")}`]
        : segment.split(/[^A-Za-z0-9]+/),
    )
    .flatMap((word) => word.split(/[-_]/))
    .filter((word) => word !== "");
  return [method.toLowerCase(), ...words.map((word) => word[0]?.toUpperCase() + word.slice(1))].join("");
}

/** A route prefixed `/api/v1/tasks` and registered as `/` is the path `/api/v1/tasks`, as clients call it. */
export function documentedUrl(url: string): string {
  return url.length > 1 ? url.replace(/\/+$/, "") : url;
}

export const openApiTransform: SwaggerTransform = (input) => {
  const { schema } = jsonSchemaTransform(input as Parameters<typeof jsonSchemaTransform>[0]);
  const url = documentedUrl(input.url);
  const method = Array.isArray(input.route.method) ? input.route.method[0] : input.route.method;
  const given = (schema as { operationId?: string }).operationId;
  return { url, schema: { ...schema, operationId: given ?? operationIdOf(String(method), url) } };
};
