import { describe, expect, it } from "vitest";
import { dueOccurrence } from "./occurrence.ts";

const at = (iso: string) => new Date(iso);

describe("dueOccurrence", () => {
  const everyHour = { cron: "0 * * * *", timezone: "UTC" };

  it("answers the latest occurrence that passed, not older missed ones", () => {
    expect(dueOccurrence(everyHour, at("2026-03-02T10:20:00Z"), at("2026-03-01T00:00:00Z"))).toEqual(
      at("2026-03-02T10:00:00Z"),
    );
  });

  it("counts an occurrence exactly at now", () => {
    expect(dueOccurrence(everyHour, at("2026-03-02T10:00:00Z"), at("2026-03-01T00:00:00Z"))).toEqual(
      at("2026-03-02T10:00:00Z"),
    );
  });

  it("fires nothing from before the schedule was set", () => {
    expect(dueOccurrence(everyHour, at("2026-03-02T10:20:00Z"), at("2026-03-02T10:05:00Z"))).toBeNull();
  });

  it("reads the expression in the schedule's time zone", () => {
    const berlinNine = { cron: "0 9 * * 1-5", timezone: "Europe/Berlin" };
    // Monday 2 March 2026, 09:00 in Berlin is 08:00 UTC (CET).
    expect(dueOccurrence(berlinNine, at("2026-03-02T08:30:00Z"), at("2026-02-01T00:00:00Z"))).toEqual(
      at("2026-03-02T08:00:00Z"),
    );
    // Before that on Monday, the latest is Friday's.
    expect(dueOccurrence(berlinNine, at("2026-03-02T07:30:00Z"), at("2026-02-01T00:00:00Z"))).toEqual(
      at("2026-02-27T08:00:00Z"),
    );
  });
});
