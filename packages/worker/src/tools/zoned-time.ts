// Wall-clock times in a time zone, for the limit messages CLIs print in local time ("resets 8pm
// (Europe/Berlin)", "try again at 3:04 PM"): Intl knows every zone's offsets, so no table is kept here.

export interface WallClock {
  year: number;
  /** 0-11, as Date.UTC takes it. */
  month: number;
  /** May overflow the month (the 32nd is the 1st of the next), as Date.UTC allows. */
  day: number;
  hour: number;
  minute: number;
}

const months = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];

/** The month (0-11) a three-letter English name stands for, in any case; -1 when none. */
export function monthIndex(name: string): number {
  return months.indexOf(name.toLowerCase());
}

/** Whether Intl knows `zone` (an IANA name such as `Europe/Berlin`, or `UTC`). */
export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** The wall-clock date and time of an instant in a zone (undefined: this process's zone). */
export function wallClock(instant: number, zone: string | undefined): WallClock & { second: number } {
  const parts = new Intl.DateTimeFormat("en-US", {
    timeZone: zone,
    hourCycle: "h23",
    year: "numeric",
    month: "numeric",
    day: "numeric",
    hour: "numeric",
    minute: "numeric",
    second: "numeric",
  }).formatToParts(new Date(instant));
  const part = (type: string) => Number(parts.find((entry) => entry.type === type)?.value ?? 0);
  return {
    year: part("year"),
    month: part("month") - 1,
    day: part("day"),
    hour: part("hour"),
    minute: part("minute"),
    second: part("second"),
  };
}

/** The instant at which the clocks of `zone` show `wall` (the later one when a DST change repeats it). */
export function instantOf(wall: WallClock, zone: string | undefined): number {
  const asUtc = Date.UTC(wall.year, wall.month, wall.day, wall.hour, wall.minute);
  const offsetAt = (instant: number) => {
    const local = wallClock(instant, zone);
    return Date.UTC(local.year, local.month, local.day, local.hour, local.minute, local.second) - instant;
  };
  const first = asUtc - offsetAt(asUtc);
  // Once more at the first guess, in case a DST change lies between the two.
  return asUtc - offsetAt(first);
}
