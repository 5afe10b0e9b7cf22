// A fake Ollama server: GET /api/version, GET /api/tags, POST /api/chat streaming NDJSON
// (message.content chunks, then a done:true line with prompt_eval_count and eval_count).
import { type FakeServer, lastUserText, pieces, sendJson, startFakeServer } from "./http.ts";

export interface FakeOllamaOptions {
  models?: string[];
  version?: string;
  /** The answer; defaults to "Fake ollama answer to: <prompt>". */
  reply?: string;
}

export function startFakeOllama(options: FakeOllamaOptions = {}): Promise<FakeServer> {
  const models = options.models ?? ["llama3.2:latest", "qwen2.5-coder:7b"];
  return startFakeServer(async (request, response, server) => {
    if (request.method === "GET" && request.path === "/api/version") {
      return sendJson(response, 200, { version: options.version ?? "0.12.3" });
    }
    if (request.method === "GET" && request.path === "/api/tags") {
      return sendJson(response, 200, {
        models: models.map((name) => ({
          name,
          model: name,
          modified_at: "2025-10-01T12:00:00.000000000Z",
          size: 2019393189,
          digest: "a80c4f17acd55265feec403c7aef86be0c25983ab279d83f3bcd3abbcb5b8b72",
          details: {
            parent_model: "",
            format: "gguf",
            family: "llama",
            families: ["llama"],
            parameter_size: "3.2B",
            quantization_level: "Q4_K_M",
          },
        })),
      });
    }
    if (request.method === "POST" && request.path === "/api/chat") {
      const body = request.body as { model?: string; stream?: boolean };
      const model = body.model ?? "";
      if (!models.includes(model)) {
        return sendJson(response, 404, { error: `model "${model}" not found, try pulling it first` });
      }
      const created_at = "2025-10-01T12:00:00.000000Z";
      const reply = options.reply ?? `Fake ollama answer to: ${lastUserText(body)}`;
      const line = (value: unknown) => response.write(`${JSON.stringify(value)}\n`);
      response.writeHead(200, { "content-type": "application/x-ndjson" });
      const parts = pieces(reply);
      for (const [index, content] of parts.entries()) {
        line({ model, created_at, message: { role: "assistant", content }, done: false });
        if (index === 0 && server.mode === "hang") return;
        if (index === 0 && server.mode === "fail") {
          line({ error: "an error was encountered while running the model: unexpected EOF" });
          return response.end();
        }
      }
      line({
        model,
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
