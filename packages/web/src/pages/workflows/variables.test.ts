import type { WorkflowDefinition } from "@garageswarm/protocol";
import { describe, expect, it } from "vitest";
import { inputVariables, matchSuggestions, openTemplateAt, templateSuggestions } from "./variables.ts";

const task = (id: string, prompt: string) =>
  ({ id, type: "task", tool: "shell", prompt, retries: 0, timeout_seconds: 60, requirements: {} }) as const;

const definition: WorkflowDefinition = {
  nodes: [
    { ...task("write", "Write {{input.feature}} for {{ input.audience }} after {{nodes.plan.output}}") },
    { ...task("plan", "{{#input.steps}}- {{.}}\n{{/input.steps}} then {{input.feature}}") },
    { id: "check", type: "condition", expression: { "==": [{ var: "input.strict" }, true] } },
  ],
  edges: [{ from: "plan", to: "write", on: "success", loop: false, condition: { var: "input.go" } }],
};

describe("template variables", () => {
  it("finds each {{input.x}} the workflow uses, once, in order", () => {
    expect(inputVariables(definition)).toEqual(["feature", "audience", "steps", "strict", "go"]);
  });

  it("suggests inputs, context, upstream and the other nodes' fields", () => {
    const texts = templateSuggestions(definition, "write", { context: { repo: "x" } }).map((s) => s.text);
    expect(texts).toContain("{{input.feature}}");
    expect(texts).toContain("{{context.repo}}");
    expect(texts).toContain("{{upstream}}");
    expect(texts).toContain("{{nodes.plan.output}}");
    expect(texts).not.toContain("{{nodes.write.output}}");
  });

  it("knows when the caret is inside an open template, and matches what is typed", () => {
    expect(openTemplateAt("Write {{no", 10)).toEqual({ start: 6, typed: "{{no" });
    expect(openTemplateAt("Write {{input.x}} now", 21)).toBeNull();
    expect(openTemplateAt("no braces", 9)).toBeNull();
    const matches = matchSuggestions(templateSuggestions(definition, "write"), "{{nodes.pl").map((s) => s.text);
    expect(matches).toEqual(["{{nodes.plan.output}}", "{{nodes.plan.json}}", "{{nodes.plan.status}}"]);
  });
});
