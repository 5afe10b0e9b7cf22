// Runs over HTTP. Two plugins: the workflow-scoped paths (/api/v1/workflows/{id}/execute, /runs, /pause,
// /resume, and the dashboard's /workflows/{id}/runs/{run_id}/… spellings) and the run-scoped ones
// (/api/v1/runs/{run_id}/…). Routes validate and call the service; no SQL here.
import {
  ApprovalDecision,
  CursorQuery,
  IdParam,
  NodeAttempt,
  Problem,
  page,
  RunStatus,
  Uuid,
  WorkflowRun,
  WorkflowRunCreate,
} from "@garageswarm/protocol";
import type { FastifyRequest } from "fastify";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { principalOf, requireUser } from "../../auth/authenticate.ts";
import { NotFoundError } from "../../errors.ts";
import type { Resources } from "../../resources.ts";
import { listRunAttempts, rerun } from "./details.ts";
import {
  controlRun,
  controlWorkflowRuns,
  decideApproval,
  executeWorkflow,
  getRun,
  listRuns,
  type RunControl,
} from "./service.ts";

const errors = { 400: Problem, 401: Problem, 404: Problem, 409: Problem };
const RunListQuery = CursorQuery.extend({ status: RunStatus.optional() }).strict();
const RunParams = z.object({ run_id: Uuid });
const NodeParams = z.object({ run_id: Uuid, node_id: z.string().min(1).max(300) });
const ScopedRunParams = z.object({ id: Uuid, run_id: Uuid });
const ScopedNodeParams = ScopedRunParams.extend({ node_id: z.string().min(1).max(300) });
const ApprovalComment = ApprovalDecision.pick({ comment: true }).strict().nullish();
const controls: RunControl[] = ["pause", "resume", "cancel"];

function origin(request: FastifyRequest) {
  return { ip: request.ip, via: principalOf(request).via };
}

/** Under /api/v1/workflows. */
export function workflowRunRoutes(resources: Resources): FastifyPluginAsyncZod {
  return async (app) => {
    app.addHook("onRequest", requireUser(resources));
    const user = (request: FastifyRequest) => principalOf(request).user_id;

    const execute = {
      schema: {
        tags: ["runs"],
        summary: "Run a workflow now; `input` is merged over the workflow's own",
        params: IdParam,
        body: WorkflowRunCreate.nullish(),
        response: { 201: WorkflowRun, ...errors },
      },
    };
    app.post("/:id/execute", execute, async (request, reply) => {
      const run = await executeWorkflow(resources, user(request), request.params.id, request.body, origin(request));
      return reply.status(201).send(run);
    });
    // The dashboard's spelling of the same.
    app.post("/:id/runs", execute, async (request, reply) => {
      const run = await executeWorkflow(resources, user(request), request.params.id, request.body, origin(request));
      return reply.status(201).send(run);
    });

    app.get(
      "/:id/runs",
      {
        schema: {
          tags: ["runs"],
          summary: "The workflow's runs, newest first",
          params: IdParam,
          querystring: RunListQuery,
          response: { 200: page(WorkflowRun), ...errors },
        },
      },
      async (request) => listRuns(resources, user(request), request.params.id, request.query),
    );

    for (const control of ["pause", "resume"] as const) {
      app.post(
        `/:id/${control}`,
        {
          schema: {
            tags: ["runs"],
            summary: `${control === "pause" ? "Pause" : "Resume"} every active run of the workflow`,
            params: IdParam,
            response: { 200: z.object({ items: z.array(WorkflowRun) }), ...errors },
          },
        },
        async (request) => controlWorkflowRuns(resources, user(request), request.params.id, control, origin(request)),
      );
    }

    // /workflows/{id}/runs/{run_id}…: the run must belong to that workflow.
    const scopedRun = async (request: FastifyRequest, params: { id: string; run_id: string }) => {
      const run = await getRun(resources, user(request), params.run_id);
      if (run.workflow_id !== params.id) throw new NotFoundError("run not found");
      return run;
    };
    app.get(
      "/:id/runs/:run_id",
      {
        schema: {
          tags: ["runs"],
          summary: "A run of the workflow",
          params: ScopedRunParams,
          response: { 200: WorkflowRun, ...errors },
        },
      },
      async (request) => scopedRun(request, request.params),
    );
    for (const control of controls) {
      app.post(
        `/:id/runs/:run_id/${control}`,
        {
          schema: {
            tags: ["runs"],
            summary: `${control} a run`,
            params: ScopedRunParams,
            response: { 200: WorkflowRun, ...errors },
          },
        },
        async (request) => {
          await scopedRun(request, request.params);
          return controlRun(resources, user(request), request.params.run_id, control, origin(request));
        },
      );
    }
    app.post(
      "/:id/runs/:run_id/nodes/:node_id/approval",
      {
        schema: {
          tags: ["runs"],
          summary: "Approve or reject a node waiting for approval",
          params: ScopedNodeParams,
          body: ApprovalDecision,
          response: { 200: WorkflowRun, ...errors },
        },
      },
      async (request) => {
        await scopedRun(request, request.params);
        const { run_id, node_id } = request.params;
        const principal = principalOf(request);
        return decideApproval(
          resources,
          principal.user_id,
          principal.username,
          run_id,
          node_id,
          request.body,
          origin(request),
        );
      },
    );
  };
}

/** Under /api/v1/runs. */
export function runRoutes(resources: Resources): FastifyPluginAsyncZod {
  return async (app) => {
    app.addHook("onRequest", requireUser(resources));
    const user = (request: FastifyRequest) => principalOf(request).user_id;

    app.get(
      "/:run_id",
      {
        schema: {
          tags: ["runs"],
          summary: "A run with every node's state",
          params: RunParams,
          response: { 200: WorkflowRun, ...errors },
        },
      },
      async (request) => getRun(resources, user(request), request.params.run_id),
    );

    for (const control of controls) {
      app.post(
        `/:run_id/${control}`,
        {
          schema: {
            tags: ["runs"],
            summary:
              control === "pause"
                ? "Pause a run: nothing new is dispatched, running nodes finish"
                : control === "resume"
                  ? "Resume a paused run"
                  : "Cancel a run: its running tasks are stopped on their workers",
            params: RunParams,
            response: { 200: WorkflowRun, ...errors },
          },
        },
        async (request) => controlRun(resources, user(request), request.params.run_id, control, origin(request)),
      );
    }

    app.get(
      "/:run_id/attempts",
      {
        schema: {
          tags: ["runs"],
          summary: "Every task the run's nodes ran (each attempt of each loop iteration), oldest first",
          params: RunParams,
          response: { 200: z.object({ items: z.array(NodeAttempt) }), ...errors },
        },
      },
      async (request) => listRunAttempts(resources, user(request), request.params.run_id),
    );

    app.post(
      "/:run_id/rerun",
      {
        schema: {
          tags: ["runs"],
          summary: "Run the run's workflow again with the same input (and the same timeout)",
          params: RunParams,
          response: { 201: WorkflowRun, ...errors },
        },
      },
      async (request, reply) => {
        const run = await rerun(resources, user(request), request.params.run_id, origin(request));
        return reply.status(201).send(run);
      },
    );

    for (const verdict of ["approve", "reject"] as const) {
      app.post(
        `/:run_id/nodes/:node_id/${verdict}`,
        {
          schema: {
            tags: ["runs"],
            summary: `${verdict === "approve" ? "Approve" : "Reject"} a node waiting for approval`,
            params: NodeParams,
            body: ApprovalComment,
            response: { 200: WorkflowRun, ...errors },
          },
        },
        async (request) => {
          const principal = principalOf(request);
          const { run_id, node_id } = request.params;
          const decision = { approved: verdict === "approve", comment: request.body?.comment };
          return decideApproval(
            resources,
            principal.user_id,
            principal.username,
            run_id,
            node_id,
            decision,
            origin(request),
          );
        },
      );
    }
  };
}
