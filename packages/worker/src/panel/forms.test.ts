import { describe, expect, it } from "vitest";
import { readConnectForm, readSettingsForm } from "./forms.ts";

describe("readSettingsForm", () => {
  it("turns the form into a config.json patch; empty and unchecked fields go back to their defaults", () => {
    const read = readSettingsForm(
      {
        name: " garage ",
        slots: "3",
        labels: "gpu, , big",
        enable_shell: "on",
        unsafe_codex_cli: "on",
        cap_shell: "2",
        cap_ollama: "",
      },
      {},
    );
    expect(read).toEqual({
      patch: {
        name: "garage",
        slots: 3,
        labels: ["gpu", "big"],
        enable_shell: true,
        allow_unsafe_agent_modes: ["codex_cli"],
        max_concurrent: { shell: 2 },
      },
    });
    const cleared = readSettingsForm({ name: "x", slots: "1", labels: "" }, {});
    expect(cleared).toEqual({
      patch: {
        name: "x",
        slots: 1,
        labels: undefined,
        enable_shell: undefined,
        allow_unsafe_agent_modes: undefined,
        max_concurrent: undefined,
      },
    });
  });

  it("names each bad field, and saves nothing", () => {
    const read = readSettingsForm({ name: "", slots: "1.5", labels: "a", cap_shell: "0", cap_claude_code: "lots" }, {});
    expect(read).toEqual({
      errors: {
        name: "must not be empty",
        slots: "must be a whole number",
        cap_shell: "must be at least 1",
        cap_claude_code: "must be a number",
      },
    });
  });

  it("leaves out what a flag or env variable pins", () => {
    const read = readSettingsForm(
      { slots: "oops" },
      {
        slots: "--slots",
        name: "--name",
        labels: "x",
        enable_shell: "y",
        allow_unsafe_agent_modes: "z",
        max_concurrent: "w",
      },
    );
    expect(read).toEqual({ patch: {} });
  });
});

describe("readConnectForm", () => {
  it("takes a server with a key or a pairing code, not both and not neither", () => {
    expect(readConnectForm({ server: "http://box:8000/", key: "gs_abcdefgh1234", code: "" })).toEqual({
      request: { server: "http://box:8000", credential: { key: "gs_abcdefgh1234" } },
    });
    expect(readConnectForm({ server: "https://box", code: "k7q-2zp", key: "", name: "laptop" })).toEqual({
      request: { server: "https://box", credential: { code: "K7Q-2ZP" }, name: "laptop" },
    });
    expect(readConnectForm({ server: "http://box", code: "K7Q-2ZP", key: "gs_abcdefgh1234" })).toEqual({
      errors: { code: "give a pairing code or an API key, not both" },
    });
    expect(readConnectForm({ server: "http://box", code: "", key: "" })).toEqual({
      errors: { code: "give a pairing code (or an API key below)" },
    });
  });

  it("refuses what is not a server URL, a key or a code", () => {
    expect(readConnectForm({ server: "file:///etc/passwd", key: "gs_abcdefgh1234" })).toEqual({
      errors: { server: "must be an http:// or https:// URL" },
    });
    expect(readConnectForm({ server: "http://box", key: "sk-live-123" })).toEqual({
      errors: { key: "must be an API key starting with gs_" },
    });
    expect(readConnectForm({ server: "http://box", code: "<script>" })).toEqual({
      errors: { code: "must be a pairing code like K7Q-2ZP" },
    });
  });
});
