// What tools this worker offers, kept current, and what the server has been told of them.
//   detected   → listed with the owner's settings (unsafe modes, a --max-concurrent cap); re-detected on an
//                interval. A tool found before and gone or failing now stays listed as unhealthy, so the
//                server stops sending it work (and this worker refuses it) until it comes back.
//   limited    → a run hit a usage or rate limit: listed with limited_until and limit_message until the
//                reset the tool named (or a default for its kind), offered to no task meanwhile, then
//                cleared. Marks live in memory: a restarted worker tries the tool again.
// Every change bumps `version`; a heartbeat carries the list while the server has not had that version.
import type { ToolId, ToolLimit, WorkerTool } from "@garageswarm/protocol";
import type { ToolRegistry } from "../tools/registry.ts";

/** How long a tool stays limited when it did not say when the limit resets. */
export const DEFAULT_LIMIT_SECONDS: Record<ToolLimit["kind"], number> = {
  rate_limit: 60,
  usage_limit: 15 * 60,
  quota: 15 * 60,
};

export interface ToolCatalogOptions {
  /** Tools the owner lets tasks widen (--allow-unsafe-agent-modes): advertised, so the server can tell. */
  unsafeModes?: readonly ToolId[];
  /** Per-tool caps (--max-concurrent), advertised as max_concurrent. */
  maxConcurrent?: Partial<Record<ToolId, number>>;
  /** Milliseconds since the epoch; tests pass their own clock. */
  now?: () => number;
}

interface LimitMark {
  until: number;
  limit: ToolLimit;
}

export class ToolCatalog {
  private detected: WorkerTool[] = [];
  private readonly limits = new Map<ToolId, LimitMark>();
  private changes = 0;
  private advertisedChanges = 0;
  private readonly now: () => number;

  constructor(
    private readonly registry: Pick<ToolRegistry, "detectAll">,
    private readonly options: ToolCatalogOptions = {},
  ) {
    this.now = options.now ?? Date.now;
  }

  /** The tools as the server should see them now. */
  current(): WorkerTool[] {
    return this.snapshot().tools;
  }

  /** The tool list and the version it is, for a message that advertises it. */
  snapshot(): { tools: WorkerTool[]; version: number } {
    this.expireLimits();
    const tools = this.detected.map((tool) => {
      const mark = this.limits.get(tool.name);
      if (!mark) return tool;
      return { ...tool, limited_until: new Date(mark.until).toISOString(), limit_message: mark.limit.message };
    });
    return { tools, version: this.changes };
  }

  /** The list, when it changed since the server last took it; null when the server is up to date. */
  unadvertised(): { tools: WorkerTool[]; version: number } | null {
    const snapshot = this.snapshot();
    return snapshot.version === this.advertisedChanges ? null : snapshot;
  }

  /** The server took the list of this version. */
  advertised(version: number): void {
    this.advertisedChanges = Math.max(this.advertisedChanges, version);
  }

  isHealthy(id: ToolId): boolean {
    return this.detected.some((tool) => tool.name === id && tool.healthy !== false);
  }

  /** The limit the tool is under now (its reset as the worker counts it), or null. */
  limitOf(id: ToolId): ToolLimit | null {
    this.expireLimits();
    const mark = this.limits.get(id);
    return mark ? { ...mark.limit, resets_at: new Date(mark.until).toISOString() } : null;
  }

  /** Tools a task could be given now: healthy and not limited. */
  usable(): ToolId[] {
    this.expireLimits();
    return this.detected
      .filter((tool) => tool.healthy !== false && !this.limits.has(tool.name))
      .map((tool) => tool.name);
  }

  /** When the first limit ends (ms since the epoch), or null when no tool is limited. */
  nextLimitEnd(): number | null {
    let next: number | null = null;
    for (const { until } of this.limits.values()) if (next === null || until < next) next = until;
    return next;
  }

  /** A run of the tool hit a limit: offer it to no task until the reset. Returns when that is. */
  markLimited(id: ToolId, limit: ToolLimit): Date {
    const now = this.now();
    const reset = limit.resets_at === null ? Number.NaN : Date.parse(limit.resets_at);
    let until = Number.isNaN(reset) ? now + DEFAULT_LIMIT_SECONDS[limit.kind] * 1000 : reset;
    // A reset already past (a skewed clock, a stale message): the tool just refused, so wait a little anyway.
    if (until <= now) until = now + DEFAULT_LIMIT_SECONDS.rate_limit * 1000;
    const existing = this.limits.get(id);
    if (existing && existing.until >= until) return new Date(existing.until);
    this.limits.set(id, { until, limit });
    this.changes += 1;
    return new Date(until);
  }

  /** Detects every tool again; true when the detected list changed. */
  async check(): Promise<boolean> {
    const { unsafeModes = [], maxConcurrent = {} } = this.options;
    const found = (await this.registry.detectAll()).map((tool) => {
      const cap = maxConcurrent[tool.name];
      return {
        ...tool,
        ...(unsafeModes.includes(tool.name) ? { unsafe_modes: true } : {}),
        ...(cap !== undefined ? { max_concurrent: cap } : {}),
      };
    });
    const names = new Set(found.map((tool) => tool.name));
    const lost = this.detected
      .filter((tool) => !names.has(tool.name))
      .map((tool) => ({ ...tool, healthy: false, detail: "no longer detected on this machine" }));
    const next = [...found, ...lost].sort((a, b) => a.name.localeCompare(b.name));
    const changed = JSON.stringify(next) !== JSON.stringify(this.detected);
    this.detected = next;
    if (changed) this.changes += 1;
    return changed;
  }

  private expireLimits(): void {
    const now = this.now();
    for (const [id, mark] of this.limits) {
      if (mark.until > now) continue;
      this.limits.delete(id);
      this.changes += 1;
    }
  }
}
