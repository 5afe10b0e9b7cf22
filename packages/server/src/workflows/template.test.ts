import { describe, expect, it } from "vitest";
import { renderTemplate, type TemplateView, templateProblems } from "./template.ts";

const view: TemplateView = {
  input: { feature: "dark <mode>", count: 3, tags: ["a", "b"] },
  context: { repo: "garage" },
  nodes: { gen: { output: "x & y", json: { ok: true }, status: "completed", exit_code: 0, error: null } },
  upstream: ["one", "two"],
};

describe("renderTemplate", () => {
  it("renders without HTML escaping and JSON-stringifies non-strings", () => {
    expect(renderTemplate("{{input.feature}} {{nodes.gen.output}}", view)).toBe("dark <mode> x & y");
    expect(renderTemplate("{{input.count}} {{input.tags}} {{nodes.gen.json}} {{{nodes.gen.json}}}", view)).toBe(
      '3 ["a","b"] {"ok":true} {"ok":true}',
    );
    expect(renderTemplate("{{#upstream}}[{{.}}]{{/upstream}}", view)).toBe("[one][two]");
    expect(renderTemplate("<{{nodes.gen.missing}}>", view)).toBe("<>");
  });
});

describe("templateProblems", () => {
  const scope = { nodeIds: new Set(["gen", "later"]), upstream: new Set(["gen"]) };
  it("accepts references to inputs, context, upstream nodes and upstream lists", () => {
    expect(
      templateProblems("{{input.a}} {{context.b}} {{nodes.gen.output}} {{#upstream}}{{.}}{{/upstream}}", scope),
    ).toEqual([]);
  });
  it.each([
    ["{{#input.x}}unclosed", /cannot be parsed: Unclosed section "input.x"/],
    ["{{nodes.ghost.output}}", /refers to unknown node "ghost"/],
    ["{{nodes.later.output}}", /refers to node "later", which is not upstream/],
    ["{{nodes.gen.stdout}}", /a node has output, json, status, exit_code, error/],
    ["{{secret}}", /names start with input, context, nodes, upstream/],
    ["{{> header}}", /partials are not supported/],
  ])("rejects %s", (template, message) => {
    const problems = templateProblems(template, scope);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(message);
  });
});
