// A fake Ollama server: GET /api/version, GET /api/tags, POST /api/show (details and capabilities),
// POST /api/chat streaming NDJSON (message.thinking chunks for thinking models, then message.content
// chunks, then a done:true line with prompt_eval_count and eval_count). Errors use the current wording
// (`model 'x' not found`, `"x" does not support chat`). Served under `pathPrefix` when one is given, as
// behind a reverse proxy.
import { type FakeServer, lastUserText, pieces, sendJson, startFakeServer } from "./http.ts";

export interface FakeOllamaModel {
  name: string;
  /** details.family; "llama" when not given. Embedding models report BERT families ("nomic-bert", "bert"). */
  family?: string;
  /** What /api/show lists; ["completion", "tools"] when not given. Embedding models have ["embedding"]. */
  capabilities?: string[];
}

export interface FakeOllamaOptions {
  models?: Array<string | FakeOllamaModel>;
  version?: string;
  /** The answer; defaults to "Fake ollama answer to: <prompt>". */
  reply?: string;
  /** false: an Ollama from before /api/show listed capabilities. */
  showCapabilities?: boolean;
  /** Serve the API under this path (`/ollama` → `/ollama/api/chat`). */
  pathPrefix?: string;
}

/** What a thinking model streams in message.thinking before its answer. */
export const fakeThinking = ["Let me think. ", "The user wants a greeting."];

export function startFakeOllama(options: FakeOllamaOptions = {}): Promise<FakeServer> {
  const models = (options.models ?? ["llama3.2:latest", "qwen2.5-coder:7b"]).map((model) =>
    typeof model === "string" ? { name: model } : model,
  );
  const find = (name: string) => models.find((model) => model.name === name);
  const details = (model: FakeOllamaModel) => ({
    parent_model: "",
    format: "gguf",
    family: model.family ?? "llama",
    families: [model.family ?? "llama"],
    parameter_size: "3.2B",
    quantization_level: "Q4_K_M",
  });
  const capabilities = (model: FakeOllamaModel) => model.capabilities ?? ["completion", "tools"];
  const notFound = (name: string) => ({ error: `model '${name}' not found` });
  return startFakeServer(async (request, response, server) => {
    const prefix = options.pathPrefix ?? "";
    if (!request.path.startsWith(`${prefix}/`)) return sendJson(response, 404, { error: "not found" });
    const path = request.path.slice(prefix.length);
    if (request.method === "GET" && path === "/api/version") {
      return sendJson(response, 200, { version: options.version ?? "0.12.3" });
    }
    if (request.method === "GET" && path === "/api/tags") {
      return sendJson(response, 200, {
        models: models.map((model) => ({
          name: model.name,
          model: model.name,
          modified_at: "2025-10-01T12:00:00.000000000Z",
          size: 2019393189,
          digest: "a80c4f17acd55265feec403c7aef86be0c25983ab279d83f3bcd3abbcb5b8b72",
          details: details(model),
        })),
      });
    }
    if (request.method === "POST" && path === "/api/show") {
      const name = (request.body as { model?: string; name?: string }).model ?? "";
      const model = find(name);
      if (!model) return sendJson(response, 404, notFound(name));
      return sendJson(response, 200, {
        modelfile: `FROM ${model.name}`,
        parameters: "",
        template: "{{ .Prompt }}",
        details: details(model),
        model_info: { "general.architecture": model.family ?? "llama" },
        ...(options.showCapabilities === false ? {} : { capabilities: capabilities(model) }),
        modified_at: "2025-10-01T12:00:00.000000000Z",
      });
    }
    if (request.method === "POST" && path === "/api/chat") {
      const body = request.body as { model?: string; stream?: boolean };
      const name = body.model ?? "";
      const model = find(name);
      if (!model) return sendJson(response, 404, notFound(name));
      if (!capabilities(model).includes("completion")) {
        return sendJson(response, 400, { error: `"${name}" does not support chat` });
      }
      const created_at = "2025-10-01T12:00:00.000000Z";
      const reply = options.reply ?? `Fake ollama answer to: ${lastUserText(body)}`;
      const line = (value: unknown) => response.write(`${JSON.stringify(value)}\n`);
      response.writeHead(200, { "content-type": "application/x-ndjson" });
      // Thinking-capable models think by default: their reasoning comes first, with empty content.
      if (capabilities(model).includes("thinking")) {
        for (const thinking of fakeThinking) {
          line({ model: name, created_at, message: { role: "assistant", content: "", thinking }, done: false });
        }
      }
      const parts = pieces(reply);
      for (const [index, content] of parts.entries()) {
        line({ model: name, created_at, message: { role: "assistant", content }, done: false });
        if (index === 0 && server.mode === "hang") return;
        if (index === 0 && server.mode === "fail") {
          line({ error: "an error was encountered while running the model: unexpected EOF" });
          return response.end();
        }
      }
      line({
        model: name,
        created_at,
        message: { role: "assistant", content: "" },
        done_reason: "stop",
        done: true,
        total_duration: 4883583458,
        load_duration: 1334875,
        prompt_eval_count: 26,
        prompt_eval_duration: 342546000,
        eval_count: parts.length * 2,
        eval_duration: 4535599000,
      });
      return response.end();
    }
    sendJson(response, 404, { error: "not found" });
  });
}
