// The panel's two forms, read and checked: Settings becomes a config.json patch, Connect a server with a key
// or a pairing code. Errors are keyed by the form field's name, so the page marks the field it is about.
import { ToolId } from "@garageswarm/protocol";
import { z } from "zod";
import type { ConfigPatch } from "../agent/config-file.ts";
import { agentToolIds } from "../tools/agent-modes.ts";
import type { EditableSetting } from "./supervisor.ts";

export type FormData = Record<string, string | File | (string | File)[]>;
export type FieldErrors = Record<string, string>;

const text = (form: FormData, name: string): string | undefined => {
  const value = form[name];
  return typeof value === "string" ? value : undefined;
};

const Name = z.string().trim().min(1, "must not be empty").max(200, "must be at most 200 characters");
const Slots = z.coerce
  .number({ error: "must be a number" })
  .int("must be a whole number")
  .min(1, "must be at least 1")
  .max(256, "must be at most 256");
const Label = z.string().min(1).max(100, "each label must be at most 100 characters");
const Cap = z.coerce
  .number({ error: "must be a number" })
  .int("must be a whole number")
  .min(1, "must be at least 1")
  .max(256, "must be at most 256");

/** The fields a flag or env pins are left out: the browser does not send disabled inputs anyway. */
export function readSettingsForm(
  form: FormData,
  pinned: Partial<Record<EditableSetting, string>>,
): { patch: ConfigPatch } | { errors: FieldErrors } {
  const errors: FieldErrors = {};
  const patch: ConfigPatch = {};
  const check = <T>(field: string, schema: z.ZodType<T>, value: unknown): T | undefined => {
    const parsed = schema.safeParse(value);
    if (parsed.success) return parsed.data;
    errors[field] = parsed.error.issues[0]?.message ?? "is invalid";
    return undefined;
  };
  if (!pinned.name) patch.name = check("name", Name, text(form, "name") ?? "");
  if (!pinned.slots) patch.slots = check("slots", Slots, text(form, "slots") ?? "");
  if (!pinned.labels) {
    const labels = (text(form, "labels") ?? "")
      .split(",")
      .map((label) => label.trim())
      .filter((label) => label !== "");
    const checked = check("labels", z.array(Label).max(50, "at most 50 labels"), labels);
    patch.labels = checked && checked.length > 0 ? checked : undefined;
  }
  if (!pinned.enable_shell) patch.enable_shell = text(form, "enable_shell") === "on" ? true : undefined;
  if (!pinned.allow_unsafe_agent_modes) {
    const tools = agentToolIds.filter((tool) => text(form, `unsafe_${tool}`) === "on");
    patch.allow_unsafe_agent_modes = tools.length > 0 ? [...tools] : undefined;
  }
  if (!pinned.max_concurrent) {
    const caps: Partial<Record<ToolId, number>> = {};
    for (const tool of ToolId.options) {
      const value = (text(form, `cap_${tool}`) ?? "").trim();
      if (value === "") continue;
      const cap = check(`cap_${tool}`, Cap, value);
      if (cap !== undefined) caps[tool] = cap;
    }
    patch.max_concurrent = Object.keys(caps).length > 0 ? caps : undefined;
  }
  return Object.keys(errors).length > 0 ? { errors } : { patch };
}

export interface ConnectRequest {
  server: string;
  name?: string;
  credential: { key: string } | { code: string };
}

const Server = z
  .string()
  .trim()
  .pipe(z.url({ protocol: /^https?$/, error: "must be an http:// or https:// URL" }))
  .transform((url) => url.replace(/\/+$/, ""));
const Key = z.string().regex(/^gs_[A-Za-z0-9_-]{8,200}$/, "must be an API key starting with gs_");
const Code = z
  .string()
  .regex(/^[A-Za-z0-9]{2,10}(-[A-Za-z0-9]{2,10}){0,3}$/, "must be a pairing code like K7Q-2ZP")
  .transform((code) => code.toUpperCase());

export function readConnectForm(form: FormData): { request: ConnectRequest } | { errors: FieldErrors } {
  const errors: FieldErrors = {};
  const server = Server.safeParse(text(form, "server") ?? "");
  if (!server.success) errors.server = server.error.issues[0]?.message ?? "is invalid";
  const code = (text(form, "code") ?? "").trim();
  const key = (text(form, "key") ?? "").trim();
  const nameText = (text(form, "name") ?? "").trim();
  const name = nameText === "" ? undefined : Name.safeParse(nameText);
  if (name && !name.success) errors.name = name.error.issues[0]?.message ?? "is invalid";
  let credential: ConnectRequest["credential"] | undefined;
  if (code !== "" && key !== "") errors.code = "give a pairing code or an API key, not both";
  else if (code === "" && key === "") errors.code = "give a pairing code (or an API key below)";
  else if (code !== "") {
    const parsed = Code.safeParse(code);
    if (parsed.success) credential = { code: parsed.data };
    else errors.code = parsed.error.issues[0]?.message ?? "is invalid";
  } else {
    const parsed = Key.safeParse(key);
    if (parsed.success) credential = { key: parsed.data };
    else errors.key = parsed.error.issues[0]?.message ?? "is invalid";
  }
  if (Object.keys(errors).length > 0 || !server.success || !credential) return { errors };
  return { request: { server: server.data, credential, ...(name?.success ? { name: name.data } : {}) } };
}
