// What this phone keeps in its own storage (localStorage), never on our server: the vendor API keys its
// tools use, its machine id, and, while it works, the worker key it registered with. Read through zod, so a
// hand-edited or older entry is ignored rather than trusted.
import { Uuid } from "@garageswarm/protocol";
import { z } from "zod";

const settingsKey = "garageswarm.phone-worker.settings";
const enrolmentKey = "garageswarm.phone-worker.enrolment";

const Optional = z
  .string()
  .trim()
  .transform((value) => value || undefined)
  .optional();

export const ToolSettings = z.object({
  api_key: Optional,
  /** Overrides the vendor's API (a proxy; for openai_compatible, the server to use). */
  base_url: Optional.pipe(z.url().optional()),
  /** The model of a task that names none. */
  model: Optional,
});
export type ToolSettings = z.infer<typeof ToolSettings>;

export const DeviceSettings = z.object({
  machine_id: z.string().min(1).max(200),
  machine_name: z.string().trim().min(1).max(200),
  pause_when_metered: z.boolean(),
  anthropic: ToolSettings,
  gemini_api: ToolSettings,
  openai_compatible: ToolSettings,
});
export type DeviceSettings = z.infer<typeof DeviceSettings>;

/** The worker key of a phone that works for `user_id`; a sign-in as someone else does not use it. */
export const Enrolment = z.object({
  user_id: Uuid,
  key: z.string().min(1),
  key_id: Uuid,
  worker_id: Uuid.nullable(),
});
export type Enrolment = z.infer<typeof Enrolment>;

export function loadSettings(defaultName: string): DeviceSettings {
  const stored = DeviceSettings.safeParse(readJson(settingsKey));
  if (stored.success) return stored.data;
  return {
    machine_id: `phone-${crypto.randomUUID()}`,
    machine_name: defaultName,
    pause_when_metered: true,
    anthropic: {},
    gemini_api: {},
    openai_compatible: {},
  };
}

export function saveSettings(settings: DeviceSettings): void {
  localStorage.setItem(settingsKey, JSON.stringify(DeviceSettings.parse(settings)));
}

export function loadEnrolment(userId: string): Enrolment | null {
  const stored = Enrolment.safeParse(readJson(enrolmentKey));
  return stored.success && stored.data.user_id === userId ? stored.data : null;
}

export function saveEnrolment(enrolment: Enrolment): void {
  localStorage.setItem(enrolmentKey, JSON.stringify(enrolment));
}

export function clearEnrolment(): void {
  localStorage.removeItem(enrolmentKey);
}

function readJson(key: string): unknown {
  try {
    return JSON.parse(localStorage.getItem(key) ?? "null");
  } catch {
    return null;
  }
}
