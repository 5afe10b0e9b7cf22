// What the phone says about itself, as a store the worker and the page watch: visibility, battery (Battery
// Status API, where the browser has it: Chromium on Android, not Safari or Firefox) and whether the
// connection is metered (Network Information API: Save-Data, or a cellular link).
import type { WorkerBattery } from "@garageswarm/protocol";
import { createStore, type Store } from "../../api/store.ts";
import type { DeviceState } from "./pause.ts";

interface BatteryManager extends EventTarget {
  level: number;
  charging: boolean;
}

interface NetworkInformation extends EventTarget {
  saveData?: boolean;
  type?: string;
}

type DeviceNavigator = Navigator & {
  getBattery?: () => Promise<BatteryManager>;
  connection?: NetworkInformation;
};

export interface DeviceSensors {
  state: Store<DeviceState>;
  stop(): void;
}

export function watchDevice(): DeviceSensors {
  const device = navigator as DeviceNavigator;
  const connection = device.connection;
  let battery: BatteryManager | null = null;
  const read = (): DeviceState => ({
    visible: document.visibilityState === "visible",
    battery: battery ? batteryOf(battery) : undefined,
    metered: Boolean(connection?.saveData) || connection?.type === "cellular",
  });
  const state = createStore<DeviceState>(read());
  const update = () => {
    const next = read();
    const current = state.get();
    if (JSON.stringify(next) !== JSON.stringify(current)) state.set(next);
  };
  let stopped = false;
  document.addEventListener("visibilitychange", update);
  connection?.addEventListener("change", update);
  void device
    .getBattery?.()
    .then((manager) => {
      if (stopped) return;
      battery = manager;
      manager.addEventListener("levelchange", update);
      manager.addEventListener("chargingchange", update);
      update();
    })
    .catch(() => {
      // Refused (a permissions policy): the phone works on without knowing its battery.
    });
  return {
    state,
    stop() {
      stopped = true;
      document.removeEventListener("visibilitychange", update);
      connection?.removeEventListener("change", update);
      battery?.removeEventListener("levelchange", update);
      battery?.removeEventListener("chargingchange", update);
    },
  };
}

function batteryOf(manager: BatteryManager): WorkerBattery {
  return { level_percent: Math.round(Math.min(1, Math.max(0, manager.level)) * 1000) / 10, charging: manager.charging };
}
