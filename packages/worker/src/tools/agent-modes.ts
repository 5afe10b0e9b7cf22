// Which task options widen what an agent CLI may do on the worker's machine. Whoever can get a task onto
// this worker (its owner, an operator it is shared with, the server) must not be able to switch Claude Code,
// Codex or Gemini CLI into running arbitrary commands: only the machine's owner can allow that, per tool,
// with --allow-unsafe-agent-modes. Modes that stay inside the task's workdir (acceptEdits, auto_edit,
// workspace-write) are not widening; anything unknown is.
import type { ToolId } from "@garageswarm/protocol";
import { listOption } from "./tool.ts";

/** The agent CLIs: the tools whose task options can widen their powers. */
export const agentToolIds = ["claude_code", "gemini_cli", "codex_cli"] as const satisfies readonly ToolId[];
export type AgentToolId = (typeof agentToolIds)[number];

export function isAgentTool(tool: ToolId): tool is AgentToolId {
  return (agentToolIds as readonly ToolId[]).includes(tool);
}

/** A refused option: its name, the value asked for, and what it would let the agent do. */
export interface WideningOption {
  option: string;
  value: unknown;
  why: string;
}

// Claude Code: ask (denied when headless), plan, edits inside the working directory, or deny-unless-allowed.
const claudeSafeModes = new Set(["default", "plan", "acceptEdits", "dontAsk"]);
// Pre-approving these changes nothing that reaches outside the workdir or runs a command: they read
// (Claude Code reads without asking anyway), search, plan, or start subagents with the same permissions.
const claudeSafeTools = new Set(["Read", "Glob", "Grep", "LS", "NotebookRead", "TodoWrite", "Task", "ExitPlanMode"]);
// Gemini CLI: ask (headless: write and shell tools are not even offered), plan, or edits in the workspace.
const geminiSafeModes = new Set(["default", "plan", "auto_edit"]);

/** The options of this task that widen the agent's powers; empty when there are none (or not an agent). */
export function wideningOptions(tool: ToolId, options: Record<string, unknown>): WideningOption[] {
  if (!isAgentTool(tool)) return [];
  const found: WideningOption[] = [];
  for (const [name, value] of Object.entries(options)) {
    // No adapter maps these, but a task asking for them is asking for unrestricted mode: say no, loudly.
    if (/^dangerously/i.test(name) && value !== false && value !== null && value !== undefined) {
      found.push({ option: name, value, why: "it turns off the agent's permission checks" });
    }
  }
  if (tool === "claude_code") {
    const mode = options.permission_mode;
    if (mode !== undefined && mode !== null && mode !== "" && !claudeSafeModes.has(String(mode))) {
      found.push({
        option: "permission_mode",
        value: mode,
        why: "only default, plan, acceptEdits and dontAsk keep Claude Code from running commands or editing files outside the task's workdir unasked",
      });
    }
    const tools = listOption(options, "allowed_tools") ?? [];
    const widening = tools.filter((entry) => !claudeSafeTools.has(entry.replace(/\(.*$/s, "").trim()));
    if (widening.length > 0) {
      found.push({
        option: "allowed_tools",
        value: widening,
        why: "pre-approving Bash, Edit, Write, WebFetch, MCP or unknown tools lets Claude Code run commands, write anywhere or reach the network unasked",
      });
    }
  }
  if (tool === "codex_cli" && options.sandbox === "danger-full-access") {
    found.push({
      option: "sandbox",
      value: options.sandbox,
      why: "it lifts Codex's sandbox: any command, any file, the network",
    });
  }
  if (tool === "gemini_cli") {
    const mode = options.approval_mode;
    if (mode !== undefined && mode !== null && mode !== "" && !geminiSafeModes.has(String(mode))) {
      found.push({
        option: "approval_mode",
        value: mode,
        why: "only default, plan and auto_edit keep Gemini CLI from running shell commands unasked",
      });
    }
    if (options.yolo !== undefined && options.yolo !== false) {
      found.push({ option: "yolo", value: options.yolo, why: "it approves every tool call, shell commands included" });
    }
  }
  return found;
}

/** The error a refused task carries: which option, why, and how the machine's owner allows it. */
export function refusalMessage(tool: AgentToolId, refused: readonly WideningOption[]): string {
  const list = refused.map((entry) => `${entry.option}=${JSON.stringify(entry.value)} (${entry.why})`).join("; ");
  return (
    `this worker refuses task options that widen what ${tool} may do on its machine: ${list}. ` +
    "Only the worker's owner can allow them, by starting the worker with --allow-unsafe-agent-modes " +
    `(all agents) or --allow-unsafe-agent-modes ${tool} (env GARAGESWARM_ALLOW_UNSAFE_AGENT_MODES)`
  );
}

/** A model name is passed as an option's value; one starting with `-` would be read as an option itself. */
export function modelNameProblem(model: string | null | undefined): string | null {
  if (model?.startsWith("-")) return `model names may not start with "-" (got ${JSON.stringify(model.slice(0, 100))})`;
  return null;
}

/**
 * Reads the opt-in as flags, env and config.json give it: true/"all" for every agent, a list of tool ids for
 * those only, false/absent for none.
 */
export function parseUnsafeModes(value: boolean | string | readonly string[] | undefined): AgentToolId[] {
  if (value === undefined || value === false) return [];
  if (value === true) return [...agentToolIds];
  const items = typeof value === "string" ? value.split(",").map((item) => item.trim()) : [...value];
  if (items.length === 1 && ["", "0", "false", "no", "off"].includes(items[0]!.toLowerCase())) return [];
  if (items.length === 1 && ["1", "true", "yes", "on", "all"].includes(items[0]!.toLowerCase())) {
    return [...agentToolIds];
  }
  for (const item of items) {
    if (!(agentToolIds as readonly string[]).includes(item)) {
      throw new Error(
        `--allow-unsafe-agent-modes: "${item}" is not an agent tool (give none for all, or some of ${agentToolIds.join(", ")})`,
      );
    }
  }
  return items as AgentToolId[];
}
