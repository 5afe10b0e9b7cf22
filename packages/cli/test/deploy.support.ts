// The files of deploy/ read the way Docker and Compose read them: the Dockerfiles through dockerfile-ast, the
// Compose file through yaml with Compose's ${VAR} interpolation over an .env, so the tests check (and run)
// what the images and services would be given, not a copy of it.
import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { Copy, type Dockerfile, DockerfileParser, Env, From, type Instruction, JSONInstruction } from "dockerfile-ast";
import { parse as parseEnv } from "dotenv";
import { parse as parseYaml } from "yaml";

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
export const deployDir = join(repoRoot, "deploy");
export const dockerfileNames = ["server.Dockerfile", "worker.Dockerfile"] as const;
/** Where the images put the repository (their WORKDIR). */
export const imageAppDir = "/app";

export interface DockerStage {
  name: string | null;
  /** The base image with ARG defaults filled in: `node:22-bookworm-slim`, or an earlier stage's name. */
  base: string;
  instructions: Instruction[];
}

export interface DockerImage {
  text: string;
  ast: Dockerfile;
  stages: DockerStage[];
  /** The last stage: what `docker build` produces. */
  final: DockerStage;
  /** ENV of the final stage. */
  env: Record<string, string>;
  user: string | null;
  workdir: string | null;
  entrypoint: string[];
  cmd: string[];
  volumes: string[];
  expose: string[];
  /** HEALTHCHECK CMD [...] of the final stage, null when it has none. */
  healthcheck: string[] | null;
  /** ARG names and defaults declared in the final stage (build args). */
  buildArgs: Record<string, string>;
}

export function readDockerfile(name: (typeof dockerfileNames)[number]): DockerImage {
  const text = readFileSync(join(deployDir, "docker", name), "utf8");
  const ast = DockerfileParser.parse(text);
  const globalArgs: Record<string, string> = {};
  for (const arg of ast.getInitialARGs()) {
    const property = arg.getProperty();
    if (property) globalArgs[property.getName()] = property.getValue() ?? "";
  }
  const stages: DockerStage[] = [];
  for (const instruction of ast.getInstructions()) {
    if (instruction instanceof From) {
      const image = instruction.getImage() ?? "";
      stages.push({
        name: instruction.getBuildStage(),
        base: image.replace(/\$\{(\w+)\}/g, (_, variable: string) => globalArgs[variable] ?? ""),
        instructions: [],
      });
    } else {
      stages.at(-1)?.instructions.push(instruction);
    }
  }
  const final = stages.at(-1);
  if (!final) throw new Error(`${name} has no FROM`);
  const last = (keyword: string) => final.instructions.filter((item) => item.getKeyword() === keyword).at(-1);
  const json = (instruction: Instruction | undefined) =>
    instruction instanceof JSONInstruction ? instruction.getJSONStrings().map((item) => item.getJSONValue()) : [];

  const env: Record<string, string> = {};
  const buildArgs: Record<string, string> = {};
  for (const instruction of final.instructions) {
    if (instruction instanceof Env) {
      for (const property of instruction.getProperties()) env[property.getName()] = property.getValue() ?? "";
    }
    if (instruction.getKeyword() === "ARG") {
      const [assignment = ""] = instruction.getArguments().map((argument) => argument.getValue());
      const [argName = "", ...value] = assignment.split("=");
      buildArgs[argName] = value.join("=").replace(/^"(.*)"$/, "$1");
    }
  }
  const healthcheck = last("HEALTHCHECK");
  const healthArguments = healthcheck?.getArguments().map((argument) => argument.getValue()) ?? [];
  const cmdAt = healthArguments.indexOf("CMD");
  return {
    text,
    ast,
    stages,
    final,
    env,
    buildArgs,
    user: last("USER")?.getArgumentsContent() ?? null,
    workdir: last("WORKDIR")?.getArgumentsContent() ?? null,
    entrypoint: json(last("ENTRYPOINT")),
    cmd: json(last("CMD")),
    volumes: final.instructions
      .filter((item) => item.getKeyword() === "VOLUME")
      .flatMap((item) => JSON.parse(item.getArgumentsContent() ?? "[]") as string[]),
    expose: final.instructions
      .filter((item) => item.getKeyword() === "EXPOSE")
      .flatMap((item) => item.getArguments().map((argument) => argument.getValue())),
    healthcheck: cmdAt < 0 ? null : (JSON.parse(healthArguments.slice(cmdAt + 1).join(" ")) as string[]),
  };
}

/** Each COPY of every stage: its sources, and the stage it copies from (null: the build context). */
export function copiesOf(image: DockerImage): { stage: string | null; from: string | null; sources: string[] }[] {
  return image.stages.flatMap((stage) =>
    stage.instructions
      .filter((instruction) => instruction instanceof Copy)
      .map((instruction) => {
        const from = instruction.getFromFlag()?.getValue() ?? null;
        const words = instruction
          .getArguments()
          .map((argument) => argument.getValue())
          .filter((word) => !word.startsWith("--"));
        return { stage: stage.name, from, sources: words.slice(0, -1) };
      }),
  );
}

export interface ComposeService {
  image?: string;
  build?: { context: string; dockerfile: string; args?: Record<string, string> };
  command?: string[];
  environment?: Record<string, string>;
  healthcheck?: { test: string[]; interval?: string; timeout?: string; retries?: number; start_period?: string };
  depends_on?: Record<string, { condition: string }>;
  volumes?: string[];
  ports?: string[];
  [extension: `x-${string}`]: unknown;
}

export interface ComposeFile {
  name?: string;
  services: Record<string, ComposeService>;
  volumes?: Record<string, unknown>;
}

export const composeText = () => readFileSync(join(deployDir, "compose.yaml"), "utf8");
/** deploy/.env.example as Compose would read it from deploy/.env. */
export const envExample = (): Record<string, string> => parseEnv(readFileSync(join(deployDir, ".env.example")));

/** The names compose.yaml interpolates (`${NAME}`, `${NAME:-…}`, `${NAME:?…}`). */
export function interpolatedNames(text: string): string[] {
  return [...new Set([...text.matchAll(/\$\{(\w+)/g)].map((match) => match[1] as string))];
}

/** compose.yaml after Compose's interpolation with `vars` (an .env plus the shell's environment). */
export function readCompose(vars: Record<string, string>): ComposeFile {
  return interpolateTree(parseYaml(composeText()), vars) as ComposeFile;
}

function interpolateTree(value: unknown, vars: Record<string, string>): unknown {
  if (typeof value === "string") return interpolate(value, vars);
  if (Array.isArray(value)) return value.map((item) => interpolateTree(item, vars));
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, interpolateTree(item, vars)]));
  }
  return value;
}

/**
 * Compose's interpolation: `$$` is a dollar; `${NAME}` and `$NAME`; `${NAME:-default}` (unset or empty) and
 * `${NAME-default}` (unset); `${NAME:?message}` and `${NAME?message}` fail the same way Compose does.
 */
export function interpolate(text: string, vars: Record<string, string>): string {
  return text.replace(
    /\$\$|\$\{(\w+)(?:(:?)([-?])((?:[^}])*))?\}|\$(\w+)/g,
    (whole, braced?: string, colon?: string, operator?: string, operand?: string, bare?: string) => {
      if (whole === "$$") return "$";
      const name = (braced ?? bare) as string;
      const value = vars[name];
      const missing = colon === ":" ? value === undefined || value === "" : value === undefined;
      if (operator === "-") return missing ? (operand ?? "") : (value as string);
      if (operator === "?" && missing) throw new Error(`required variable ${name} is missing a value: ${operand}`);
      return value ?? "";
    },
  );
}
