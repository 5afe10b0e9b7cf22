// Display helpers: dates, durations, money, sizes.
const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });
const relative = new Intl.RelativeTimeFormat(undefined, { numeric: "auto" });

export function formatDate(iso: string | null | undefined): string {
  return iso ? dateTime.format(new Date(iso)) : "—";
}

const timeOnly = new Intl.DateTimeFormat(undefined, { timeStyle: "short" });

/** A coming moment: "19:00" today, with the date on another day. */
export function formatUntil(iso: string | null | undefined, now = new Date()): string {
  if (!iso) return "—";
  const at = new Date(iso);
  return at.toDateString() === now.toDateString() ? timeOnly.format(at) : dateTime.format(at);
}

export function formatAgo(iso: string | null | undefined, now = Date.now()): string {
  if (!iso) return "never";
  const seconds = Math.round((new Date(iso).getTime() - now) / 1000);
  const units: [Intl.RelativeTimeFormatUnit, number][] = [
    ["day", 86_400],
    ["hour", 3600],
    ["minute", 60],
  ];
  for (const [unit, size] of units)
    if (Math.abs(seconds) >= size) return relative.format(Math.round(seconds / size), unit);
  return relative.format(seconds, "second");
}

export function formatCost(usd: number | null | undefined): string {
  if (usd === null || usd === undefined) return "—";
  return usd < 0.01 && usd > 0 ? `$${usd.toFixed(4)}` : `$${usd.toFixed(2)}`;
}

export function formatPercent(value: number | null | undefined): string {
  return value === null || value === undefined ? "—" : `${Math.round(value)}%`;
}

export function formatNumber(value: number | null | undefined): string {
  return value === null || value === undefined ? "—" : value.toLocaleString();
}

/** 90 -> "90 s", 3600 -> "1 h", 5400 -> "1 h 30 min". */
export function formatSeconds(total: number): string {
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const seconds = total % 60;
  const parts = [hours ? `${hours} h` : "", minutes ? `${minutes} min` : "", seconds ? `${seconds} s` : ""];
  return parts.filter(Boolean).join(" ") || "0 s";
}

const dateTimeSeconds = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "medium" });

/** A moment to the second: "Dec 1, 2026, 7:21:08 PM". */
export function formatDateSeconds(iso: string | null | undefined): string {
  return iso ? dateTimeSeconds.format(new Date(iso)) : "—";
}

/** How long from `start` to `end` (or to `now` while it lasts), to the second: "1 min 12 s". */
export function formatElapsed(
  start: string | null | undefined,
  end: string | null | undefined,
  now = Date.now(),
): string {
  if (!start) return "—";
  const until = end ? new Date(end).getTime() : now;
  return formatSeconds(Math.max(0, Math.round((until - new Date(start).getTime()) / 1000)));
}
