// What tools this worker offers, kept current: detected at start, re-checked on an interval. A tool that
// was found before and is gone or failing now stays listed as unhealthy, so the server stops sending it
// work (and this worker refuses it) until it comes back.
import type { ToolId, WorkerTool } from "@garageswarm/protocol";
import type { ToolRegistry } from "../tools/registry.ts";

export class ToolHealth {
  private tools: WorkerTool[] = [];

  constructor(
    private readonly registry: Pick<ToolRegistry, "detectAll">,
    /** Tools the owner lets tasks widen (--allow-unsafe-agent-modes): advertised, so the server can tell. */
    private readonly unsafeModes: readonly ToolId[] = [],
  ) {}

  current(): WorkerTool[] {
    return this.tools;
  }

  isHealthy(id: ToolId): boolean {
    return this.tools.some((tool) => tool.name === id && tool.healthy !== false);
  }

  /** Detects every tool again; true when anything the server should know changed. */
  async check(): Promise<boolean> {
    const found = (await this.registry.detectAll()).map((tool) =>
      this.unsafeModes.includes(tool.name) ? { ...tool, unsafe_modes: true } : tool,
    );
    const names = new Set(found.map((tool) => tool.name));
    const lost = this.tools
      .filter((tool) => !names.has(tool.name))
      .map((tool) => ({ ...tool, healthy: false, detail: "no longer detected on this machine" }));
    const next = [...found, ...lost].sort((a, b) => a.name.localeCompare(b.name));
    const changed = JSON.stringify(next) !== JSON.stringify(this.tools);
    this.tools = next;
    return changed;
  }
}
