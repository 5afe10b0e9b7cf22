// What a new machine fetches, without an account: the installers (/install.sh, /install.ps1), the worker
// bundle at its versioned URL (/dl/garageswarm-<version>.mjs and .sha256) and where that is
// (/api/v1/worker-bundle, which the worker's self-update reads too). The bundle holds no secrets.
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { EnrolmentCodeText, Problem, WorkerBundle } from "@garageswarm/protocol";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import type { ServerConfig } from "../config.ts";
import { sendProblem } from "../http/problem.ts";
import { type InstallScript, renderInstallScript } from "./install-script.ts";
import { publicOrigin } from "./origin.ts";
import { BUNDLE_MISSING, bundleFileName, defaultBundleDir, findBundle } from "./worker-bundle.ts";

const scriptTypes: Record<InstallScript, string> = {
  "install.sh": "text/x-shellscript; charset=utf-8",
  "install.ps1": "text/plain; charset=utf-8",
};

export function downloadRoutes(
  config: Pick<ServerConfig, "publicUrl">,
  bundleDir: string = defaultBundleDir,
): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      "/api/v1/worker-bundle",
      {
        schema: {
          tags: ["enrolment"],
          summary: "The worker bundle this server serves: version, download path and SHA-256",
          security: [],
          response: { 200: WorkerBundle, 503: Problem },
        },
      },
      async (_request, reply) => {
        const bundle = await findBundle(bundleDir);
        if (!bundle) return sendProblem(reply, { status: 503, detail: BUNDLE_MISSING });
        return { version: bundle.version, url: `/dl/${bundle.file}`, sha256: bundle.sha256 };
      },
    );

    app.get(
      "/dl/:file",
      { schema: { hide: true, params: z.object({ file: z.string().max(200) }) } },
      async (request, reply) => {
        const bundle = await findBundle(bundleDir);
        if (!bundle) return sendProblem(reply, { status: 503, detail: BUNDLE_MISSING });
        const { file } = request.params;
        // A rebuild may keep the version, so the ETag (the checksum) decides freshness, not an immutable cache.
        reply.header("cache-control", "no-cache").header("etag", `"${bundle.sha256}"`);
        if (file === `${bundle.file}.sha256`) {
          return reply.type("text/plain; charset=utf-8").send(`${bundle.sha256}  ${bundle.file}\n`);
        }
        if (file !== bundle.file) {
          return sendProblem(reply, {
            status: 404,
            detail: `No such download; this server serves ${bundleFileName(bundle.version)}`,
          });
        }
        const size = await stat(bundle.path).then(
          (info) => info.size,
          () => null,
        );
        if (size === null) return sendProblem(reply, { status: 503, detail: BUNDLE_MISSING });
        return reply
          .type("text/javascript; charset=utf-8")
          .header("content-length", size)
          .send(createReadStream(bundle.path));
      },
    );

    for (const script of ["install.sh", "install.ps1"] as const) {
      app.get(
        `/${script}`,
        {
          schema: {
            tags: ["enrolment"],
            summary: `The ${script === "install.sh" ? "Linux and macOS" : "Windows PowerShell"} installer; ?code= makes it use that pairing code`,
            security: [],
            querystring: z.object({ code: EnrolmentCodeText.optional() }),
            response: { 200: z.string(), 400: Problem, 503: Problem },
          },
        },
        async (request, reply) => {
          const bundle = await findBundle(bundleDir);
          if (!bundle) return sendProblem(reply, { status: 503, detail: BUNDLE_MISSING });
          const text = renderInstallScript(script, {
            server: publicOrigin(request, config),
            version: bundle.version,
            sha256: bundle.sha256,
            code: request.query.code ?? "",
          });
          // no-store: the script names the host it was asked for (web/origin.ts); no cache may hand it on.
          return reply.type(scriptTypes[script]).header("cache-control", "no-store").send(text);
        },
      );
    }
  };
}
