import {
  AcceptChange,
  AcceptedChange,
  IdParam,
  Problem,
  page,
  RequestChanges,
  ReviewComment,
  ReviewCommentCreate,
  Task,
  Uuid,
} from "@garageswarm/protocol";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { principalOf, requireUser, WORKER_ROUTE } from "../auth/authenticate.ts";
import type { Resources } from "../resources.ts";
import * as code from "./service.ts";

const errors = { 400: Problem, 401: Problem, 404: Problem, 409: Problem };
const patchText = z.string().describe("A unified diff (`git diff --binary`), text/x-diff");

/** `/api/v1/tasks/{id}/…` for code tasks: the stored patch, the review chain, comments and verdicts. */
export function codeReviewRoutes(resources: Resources): FastifyPluginAsyncZod {
  return async (app) => {
    app.addHook("onRequest", requireUser(resources));
    const userOf = (request: Parameters<typeof principalOf>[0]) => principalOf(request).user_id;

    app.get(
      "/:id/patch",
      {
        schema: {
          tags: ["code"],
          summary: "The change a code task made, as a patch that `git apply` takes",
          params: IdParam,
          response: { 200: patchText, ...errors },
        },
      },
      async (request, reply) => {
        const patch = await code.getPatch(resources, userOf(request), request.params.id);
        return reply
          .type("text/x-diff; charset=utf-8")
          .header("content-disposition", `attachment; filename="garageswarm-${request.params.id.slice(0, 8)}.patch"`)
          .send(patch);
      },
    );

    app.get(
      "/:id/workspace.patch",
      {
        config: WORKER_ROUTE,
        schema: {
          tags: ["worker"],
          summary: "For the worker holding a follow-up's attempt: the patch of the revision it continues",
          params: IdParam,
          querystring: z.object({ attempt_token: Uuid }).strict(),
          response: { 200: patchText, ...errors },
        },
      },
      async (request, reply) => {
        const patch = await code.getWorkspacePatch(
          resources,
          userOf(request),
          request.params.id,
          request.query.attempt_token,
        );
        return reply.type("text/x-diff; charset=utf-8").send(patch);
      },
    );

    app.get(
      "/:id/revisions",
      {
        schema: {
          tags: ["code"],
          summary: "The review chain of a code task: every revision, the first one first",
          params: IdParam,
          response: { 200: page(Task), ...errors },
        },
      },
      async (request) => ({
        items: await code.listRevisions(resources, userOf(request), request.params.id),
        next_cursor: null,
      }),
    );

    app.get(
      "/:id/comments",
      {
        schema: {
          tags: ["code"],
          summary: "Review comments on a revision: drafts, and those sent to the agent",
          params: IdParam,
          response: { 200: page(ReviewComment), ...errors },
        },
      },
      async (request) => ({
        items: await code.listComments(resources, userOf(request), request.params.id),
        next_cursor: null,
      }),
    );

    app.post(
      "/:id/comments",
      {
        schema: {
          tags: ["code"],
          summary: "Add a draft comment on a line of the diff or on the whole change",
          params: IdParam,
          body: ReviewCommentCreate,
          response: { 201: ReviewComment, ...errors },
        },
      },
      async (request, reply) =>
        reply.status(201).send(await code.addComment(resources, userOf(request), request.params.id, request.body)),
    );

    app.delete(
      "/:id/comments/:comment_id",
      {
        schema: {
          tags: ["code"],
          summary: "Delete a draft comment (a sent one is part of the record: 409)",
          params: z.object({ id: Uuid, comment_id: Uuid }),
          response: { 204: z.null().describe("Deleted"), ...errors },
        },
      },
      async (request, reply) => {
        await code.deleteComment(resources, userOf(request), request.params.id, request.params.comment_id);
        return reply.status(204).send(null);
      },
    );

    app.post(
      "/:id/request-changes",
      {
        schema: {
          tags: ["code"],
          summary: "Send the draft comments back to the agent: a follow-up task makes the next revision",
          params: IdParam,
          body: RequestChanges,
          response: { 201: Task, ...errors },
        },
      },
      async (request, reply) =>
        reply.status(201).send(await code.requestChanges(resources, userOf(request), request.params.id, request.body)),
    );

    app.post(
      "/:id/accept",
      {
        schema: {
          tags: ["code"],
          summary:
            "Accept the revision: answers how to take the change (patch, merge or apply command), and opens a pull request on request",
          params: IdParam,
          body: AcceptChange.default({ open_pull_request: false }),
          response: { 200: AcceptedChange, ...errors, 502: Problem },
        },
      },
      async (request) => code.accept(resources, userOf(request), request.params.id, request.body),
    );
  };
}
