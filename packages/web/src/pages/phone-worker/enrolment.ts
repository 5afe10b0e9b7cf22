// Starting and stopping the phone worker for the signed-in user. The worker outlives the page component:
// it keeps working while the person looks at other dashboard pages, as long as the tab stays visible.
//   start: a `worker` key for this device (made with the user's session, kept on the device), the tools
//          detected, the worker registered; a key revoked meanwhile is replaced once
//   stop:  the running task handed back, the worker deleted and its key revoked, the device forgets both
import type { ApiKeyCreated } from "@garageswarm/protocol";
import { ApiError as WorkerApiError } from "@garageswarm/worker/browser";
import { api } from "../../api/client.ts";
import { createStore } from "../../api/store.ts";
import { clearEnrolment, type DeviceSettings, type Enrolment, loadEnrolment, saveEnrolment } from "./device.ts";
import { PhoneWorker } from "./phone-worker.ts";
import { phonePlatform } from "./platform.ts";
import { type DeviceSensors, watchDevice } from "./sensors.ts";
import { configuredTools, detectTools } from "./tools.ts";
import { screenWakeLock } from "./wake-lock.ts";

export interface RunningPhone {
  worker: PhoneWorker;
  sensors: DeviceSensors;
  wakeLock: ReturnType<typeof screenWakeLock>;
  enrolment: Enrolment;
}

/** The worker of this tab, while it works. */
export const runningPhone = createStore<RunningPhone | null>(null);

export async function startPhoneWorker(userId: string, settings: DeviceSettings): Promise<RunningPhone> {
  const current = runningPhone.get();
  if (current) return current;
  const tools = await detectTools(configuredTools(settings));
  if (!tools.some(({ detected }) => detected.healthy)) {
    const why = tools.map(({ detected }) => `${detected.name}: ${detected.detail ?? "unhealthy"}`).join("; ");
    throw new Error(tools.length ? `No tool answered (${why}).` : "Add an API key for at least one tool first.");
  }
  const sensors = watchDevice();
  const wakeLock = screenWakeLock();
  const create = (enrolment: Enrolment) =>
    new PhoneWorker({
      baseUrl: location.origin,
      key: enrolment.key,
      machine: {
        machine_id: settings.machine_id,
        machine_name: settings.machine_name,
        platform: phonePlatform(navigator.userAgent, navigator.maxTouchPoints),
      },
      tools,
      device: sensors.state,
      pauseWhenMetered: settings.pause_when_metered,
    });
  let enrolment = loadEnrolment(userId) ?? (await enrol(userId, settings));
  let worker = create(enrolment);
  try {
    enrolment = { ...enrolment, worker_id: await worker.start() };
  } catch (error) {
    // The key was revoked (in Settings, or with the key that made it): make a new one, once.
    if (!(error instanceof WorkerApiError && error.status === 401)) {
      sensors.stop();
      throw error;
    }
    enrolment = await enrol(userId, settings);
    worker = create(enrolment);
    enrolment = { ...enrolment, worker_id: await worker.start() };
  }
  saveEnrolment(enrolment);
  wakeLock.hold();
  const running = { worker, sensors, wakeLock, enrolment };
  runningPhone.set(running);
  return running;
}

export async function stopPhoneWorker(): Promise<void> {
  const running = runningPhone.get();
  if (!running) return;
  await running.worker.stop();
  running.wakeLock.release();
  running.sensors.stop();
  const { worker_id: workerId, key_id: keyId } = running.enrolment;
  // Deregister: the worker leaves the Workers page, and no copy of its key works anywhere.
  if (workerId) await api.delete(`/workers/${workerId}`).catch(ignoreGone);
  await api.delete(`/keys/${keyId}`).catch(ignoreGone);
  clearEnrolment();
  runningPhone.set(null);
}

async function enrol(userId: string, settings: DeviceSettings): Promise<Enrolment> {
  // A worker key: the phone can take tasks and report, but not read your other tasks or make keys.
  const created = await api.post<ApiKeyCreated>("/keys", {
    name: `phone: ${settings.machine_name}`.slice(0, 100),
    scope: "worker",
  });
  const enrolment = { user_id: userId, key: created.key, key_id: created.key_id, worker_id: null };
  saveEnrolment(enrolment);
  return enrolment;
}

function ignoreGone(error: unknown): void {
  if (error instanceof Error && "status" in error && error.status === 404) return;
  throw error;
}
