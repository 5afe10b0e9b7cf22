// When the phone takes no new tasks. A phone worker drains — finishes the task it runs, takes no more —
// while any of these holds, and says which.
import type { WorkerBattery } from "@garageswarm/protocol";

export type PauseReason = "hidden" | "battery_low" | "metered";

/** Below this, on battery, the phone stops taking tasks: an API call is short, but the screen stays on. */
export const lowBatteryPercent = 20;

export interface DeviceState {
  visible: boolean;
  /** Undefined where the browser has no Battery Status API (Safari, Firefox). */
  battery: WorkerBattery | undefined;
  /** The connection is metered: Save-Data on, or a cellular link (where the browser says). */
  metered: boolean;
}

export function pauseReasons(device: DeviceState, settings: { pauseWhenMetered: boolean }): PauseReason[] {
  const reasons: PauseReason[] = [];
  if (!device.visible) reasons.push("hidden");
  if (device.battery && !device.battery.charging && device.battery.level_percent < lowBatteryPercent) {
    reasons.push("battery_low");
  }
  if (settings.pauseWhenMetered && device.metered) reasons.push("metered");
  return reasons;
}

export const pauseReasonLabels: Record<PauseReason, string> = {
  hidden: "the page is not visible (another app or tab is in front, or the screen is off)",
  battery_low: `the battery is below ${lowBatteryPercent}% and not charging`,
  metered: "the connection is metered, and you asked to pause on metered connections",
};
