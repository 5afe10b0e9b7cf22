// OLLAMA_HOST forms, each read as Ollama's envconfig Host() and ConnectableHost() read them.
import { describe, expect, it } from "vitest";
import { ollamaBaseUrl, ollamaUrl } from "./ollama-host.ts";

describe("ollamaBaseUrl", () => {
  it.each([
    ["", "http://127.0.0.1:11434"],
    ["  127.0.0.1:11500 ", "http://127.0.0.1:11500"],
    // A port alone is the local machine (it used to become the invalid URL http://:11434).
    [":11434", "http://127.0.0.1:11434"],
    // The server's "listen on every interface" is the loopback address for a client.
    ["0.0.0.0", "http://127.0.0.1:11434"],
    ["0.0.0.0:8080", "http://127.0.0.1:8080"],
    ["[::]:11434", "http://[::1]:11434"],
    ["::1", "http://[::1]:11434"],
    ["[::1]", "http://[::1]:11434"],
    ["ollama.lan", "http://ollama.lan:11434"],
    ["ollama.lan:", "http://ollama.lan:11434"],
    ["ollama.lan:99999", "http://ollama.lan:11434"],
    // With a scheme the scheme's port is the default, as for any URL.
    ["http://ollama.lan", "http://ollama.lan:80"],
    ["https://ollama.example.com", "https://ollama.example.com:443"],
    ["https://ollama.example.com:8443", "https://ollama.example.com:8443"],
    ["ollama.com", "https://ollama.com:443"],
    // A path prefix (a reverse proxy) is kept.
    ["https://proxy.example.com/ollama/", "https://proxy.example.com:443/ollama"],
    ["ollama.lan:11434/v1/ollama", "http://ollama.lan:11434/v1/ollama"],
  ])("%j is %s", (value, url) => {
    expect(ollamaBaseUrl(value)).toBe(url);
  });
});

describe("ollamaUrl", () => {
  it("puts the API path under the base's path prefix", () => {
    expect(ollamaUrl("http://127.0.0.1:11434", "/api/chat")).toBe("http://127.0.0.1:11434/api/chat");
    expect(ollamaUrl("https://proxy.example.com:443/ollama", "/api/tags")).toBe(
      "https://proxy.example.com:443/ollama/api/tags",
    );
  });
});
