// The ollama tool against a fake Ollama: which model a task without one gets (never an embedding model),
// thinking models, a path-prefixed OLLAMA_HOST, and the current error wording.
import { afterEach, describe, expect, it } from "vitest";
import { type FakeServer, fakeThinking, recordingContext, startFakeOllama } from "../../test/fakes/index.ts";
import { ToolRunError } from "./errors.ts";
import { createToolRegistry } from "./registry.ts";

const reply = "Hello there, swarm";
const bareEnv = { PATH: process.env.PATH };
const embedding = { name: "nomic-embed-text:latest", family: "nomic-bert", capabilities: ["embedding"] };

let server: FakeServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function runWithoutModel(ollamaHost: string, extra: { ollamaModel?: string } = {}) {
  const tool = createToolRegistry({ env: bareEnv, ollamaHost, ...extra }).get("ollama")!;
  const recording = await recordingContext();
  const result = await tool.run({ task_id: "t-1", prompt: "Say hello", options: {} }, recording.context);
  return { result, recording };
}

/** The model each /api/chat request named. */
function chatModels(fake: FakeServer): string[] {
  return fake.requests
    .filter((request) => request.path.endsWith("/api/chat"))
    .map((request) => (request.body as { model: string }).model);
}

describe("ollama default model", () => {
  it("skips models whose capabilities do not include completion", async () => {
    server = await startFakeOllama({ reply, models: [embedding, "llama3.2:latest"] });
    const { result } = await runWithoutModel(server.url);
    expect(result.output).toBe(reply);
    expect(result.detail.model).toBe("llama3.2:latest");
    expect(chatModels(server)).toEqual(["llama3.2:latest"]);
  });

  it("on an Ollama whose /api/show lists no capabilities, skips embedding models by family and name", async () => {
    server = await startFakeOllama({
      reply,
      showCapabilities: false,
      models: [
        { name: "mxbai-embed-large:latest", family: "bert", capabilities: ["embedding"] },
        { name: "granite-embedding:278m", family: "xlm-roberta", capabilities: ["embedding"] },
        { name: "qwen3-embedding:0.6b", family: "qwen3", capabilities: ["embedding"] },
        "qwen2.5-coder:7b",
      ],
    });
    const { result } = await runWithoutModel(server.url);
    expect(result.detail.model).toBe("qwen2.5-coder:7b");
    expect(chatModels(server)).toEqual(["qwen2.5-coder:7b"]);
  });

  it("with only embedding models installed, fails asking for a model instead of sending a doomed chat", async () => {
    server = await startFakeOllama({ reply, models: [embedding] });
    const error = await runWithoutModel(server.url).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ToolRunError);
    expect((error as ToolRunError).message).toContain("GARAGESWARM_OLLAMA_MODEL");
    expect(chatModels(server)).toEqual([]);
  });

  it("GARAGESWARM_OLLAMA_MODEL wins over the installed list", async () => {
    server = await startFakeOllama({ reply, models: ["llama3.2:latest", "qwen2.5-coder:7b"] });
    await runWithoutModel(server.url, { ollamaModel: "qwen2.5-coder:7b" });
    expect(chatModels(server)).toEqual(["qwen2.5-coder:7b"]);
  });

  it("a chat with an embedding model named by the task reports Ollama's reason", async () => {
    server = await startFakeOllama({ reply, models: [embedding, "llama3.2:latest"] });
    const tool = createToolRegistry({ env: bareEnv, ollamaHost: server.url }).get("ollama")!;
    const { context } = await recordingContext();
    const error = await tool
      .run({ task_id: "t-2", prompt: "x", model: embedding.name, options: {} }, context)
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ToolRunError);
    expect((error as ToolRunError).message).toBe(`Ollama answered 400: "${embedding.name}" does not support chat`);
  });
});

describe("ollama answers", () => {
  it("a thinking model's reasoning is not part of the answer", async () => {
    server = await startFakeOllama({
      reply,
      models: [{ name: "qwen3:8b", family: "qwen3", capabilities: ["completion", "tools", "thinking"] }],
    });
    const { result, recording } = await runWithoutModel(server.url);
    expect(result.output).toBe(reply);
    expect(recording.text("stdout")).toBe(reply);
    for (const thought of fakeThinking) expect(JSON.stringify(result)).not.toContain(thought);
  });

  it("an unknown model fails with Ollama's current wording, naming it", async () => {
    server = await startFakeOllama({ reply });
    const tool = createToolRegistry({ env: bareEnv, ollamaHost: server.url }).get("ollama")!;
    const { context } = await recordingContext();
    const error = await tool
      .run({ task_id: "t-3", prompt: "x", model: "no-such-model", options: {} }, context)
      .catch((caught: unknown) => caught);
    expect((error as ToolRunError).message).toBe("Ollama answered 404: model 'no-such-model' not found");
  });

  it("OLLAMA_HOST with a path prefix reaches the API under it", async () => {
    server = await startFakeOllama({ reply, pathPrefix: "/ollama" });
    const registry = createToolRegistry({ env: { ...bareEnv, OLLAMA_HOST: `${server.url}/ollama/` } });
    expect(await registry.get("ollama")!.detect()).toMatchObject({ name: "ollama", healthy: true });
    const { result } = await runWithoutModel(registry.config.ollamaHost);
    expect(result.output).toBe(reply);
    expect(server.requests.map((request) => request.path)).toContain("/ollama/api/chat");
  });
});
