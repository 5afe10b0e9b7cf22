import { describe, expect, it } from "vitest";
import { type DeviceState, pauseReasons } from "./pause.ts";

const fine: DeviceState = { visible: true, battery: { level_percent: 80, charging: false }, metered: false };

describe("pauseReasons", () => {
  it("takes tasks when visible, charged enough and not metered", () => {
    expect(pauseReasons(fine, { pauseWhenMetered: true })).toEqual([]);
  });

  it("pauses while hidden", () => {
    expect(pauseReasons({ ...fine, visible: false }, { pauseWhenMetered: false })).toEqual(["hidden"]);
  });

  it("pauses on a low battery only when it is not charging", () => {
    const low = { ...fine, battery: { level_percent: 19, charging: false } };
    expect(pauseReasons(low, { pauseWhenMetered: false })).toEqual(["battery_low"]);
    expect(
      pauseReasons({ ...low, battery: { level_percent: 19, charging: true } }, { pauseWhenMetered: false }),
    ).toEqual([]);
    expect(
      pauseReasons({ ...low, battery: { level_percent: 20, charging: false } }, { pauseWhenMetered: false }),
    ).toEqual([]);
  });

  it("keeps working where the browser cannot read the battery", () => {
    expect(pauseReasons({ ...fine, battery: undefined }, { pauseWhenMetered: false })).toEqual([]);
  });

  it("pauses on a metered connection only when asked to", () => {
    const metered = { ...fine, metered: true };
    expect(pauseReasons(metered, { pauseWhenMetered: false })).toEqual([]);
    expect(pauseReasons(metered, { pauseWhenMetered: true })).toEqual(["metered"]);
  });

  it("gives every reason that holds", () => {
    const all = { visible: false, battery: { level_percent: 5, charging: false }, metered: true };
    expect(pauseReasons(all, { pauseWhenMetered: true })).toEqual(["hidden", "battery_low", "metered"]);
  });
});
