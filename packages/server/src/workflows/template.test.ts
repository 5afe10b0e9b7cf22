import fc from "fast-check";
import Mustache from "mustache";
import { describe, expect, it } from "vitest";
import { renderTemplate, TemplateLimitError, type TemplateView, templateProblems } from "./template.ts";

const view: TemplateView = {
  input: { feature: "dark <mode>", count: 3, tags: ["a", "b"] },
  context: { repo: "garage" },
  nodes: {
    gen: {
      output: "x & y",
      json: { ok: true },
      status: "completed",
      exit_code: 0,
      error: null,
      branch: null,
      diff: null,
      check: null,
      files: [],
    },
    impl: {
      output: "done",
      json: null,
      status: "completed",
      exit_code: 0,
      error: null,
      branch: "garageswarm/1a2b3c4d-1",
      diff: "diff --git a/x.ts b/x.ts\n+const x = 1;\n",
      check: { exit_code: 1, output: "1 test failed" },
      files: ["x.ts", "docs/y.md"],
    },
  },
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
    ["{{nodes.gen.stdout}}", /a node has output, json, status, exit_code, error, branch, diff, check, files/],
    ["{{nodes.gen.check.stdout}}", /a node's check has exit_code, output/],
    ["{{secret}}", /names start with input, context, nodes, upstream/],
    ["{{> header}}", /partials are not supported/],
  ])("rejects %s", (template, message) => {
    const problems = templateProblems(template, scope);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(message);
  });
});

describe("code fields of a node", () => {
  it("renders the branch, diff, check and changed paths of a code node, and nothing for the others", () => {
    expect(
      renderTemplate(
        "{{nodes.impl.branch}}|{{nodes.impl.check.exit_code}}|{{nodes.impl.check.output}}|{{nodes.impl.files}}",
        view,
      ),
    ).toBe('garageswarm/1a2b3c4d-1|1|1 test failed|["x.ts","docs/y.md"]');
    expect(renderTemplate("{{#nodes.impl.files}}- {{.}}\n{{/nodes.impl.files}}", view)).toBe("- x.ts\n- docs/y.md\n");
    expect(renderTemplate("{{nodes.impl.diff}}", view)).toContain("+const x = 1;");
    expect(renderTemplate("[{{nodes.gen.branch}}][{{nodes.gen.diff}}][{{nodes.gen.check.exit_code}}]", view)).toBe(
      "[][][]",
    );
    expect(renderTemplate("{{^nodes.gen.files}}no change{{/nodes.gen.files}}", view)).toBe("no change");
  });

  it("accepts the code fields, and only input and context where roots are limited (a repository's url)", () => {
    const scope = { nodeIds: new Set(["gen"]), upstream: new Set(["gen"]) };
    expect(
      templateProblems(
        "{{nodes.gen.branch}} {{nodes.gen.diff}} {{nodes.gen.check.exit_code}} {{nodes.gen.check.output}} {{nodes.gen.files}}",
        scope,
      ),
    ).toEqual([]);
    const repo = { nodeIds: new Set(["gen"]), upstream: new Set<string>(), roots: ["input", "context"] };
    expect(templateProblems("https://git.example/{{context.org}}/{{input.repo}}.git", repo)).toEqual([]);
    expect(templateProblems("{{nodes.gen.output}}", repo)).toEqual([
      "{{nodes.gen.output}}: names start with input, context here",
    ]);
    expect(templateProblems("{{#upstream}}{{.}}{{/upstream}}", repo)).toEqual([
      "{{upstream}}: names start with input, context here",
    ]);
  });
});

describe("template limits (review A4)", () => {
  const scope = { nodeIds: new Set<string>(), upstream: new Set<string>() };
  const nest = (depth: number) => `${"{{#input.a}}".repeat(depth)}x${"{{/input.a}}".repeat(depth)}`;
  const empty = { input: {}, context: {}, nodes: {}, upstream: [] };

  it("accepts sections two deep and refuses a third level, naming it", () => {
    expect(templateProblems(nest(2), scope)).toEqual([]);
    expect(templateProblems(nest(4), scope)).toEqual([
      "{{#input.a}}: sections nest at most 2 deep (this one is inside 2)",
    ]);
    expect(
      templateProblems(`{{#input.a}}{{^input.b}}{{#input.c}}{{/input.c}}{{/input.b}}{{/input.a}}`, scope),
    ).toHaveLength(1);
  });

  it("refuses a hostile nesting without exhausting the stack", () => {
    expect(templateProblems(nest(20_000), scope)).toHaveLength(1);
    expect(() => renderTemplate(nest(3), { ...empty, input: { a: [1] } })).toThrow(TemplateLimitError);
  });

  it("stops a rendering past its iterations or its output size", () => {
    const a = Array.from({ length: 200 }, (_, i) => i);
    expect(() => renderTemplate(nest(2), { ...empty, input: { a } })).toThrow(
      "{{#input.a}}: sections iterated more than 10000 times in one rendering",
    );
    expect(renderTemplate(nest(2), { ...empty, input: { a: a.slice(0, 99) } })).toBe("x".repeat(99 * 99));
    const long = "y".repeat(600_000);
    expect(() => renderTemplate("{{input.s}}{{input.s}}", { ...empty, input: { s: long } })).toThrow(
      "the rendered text is longer than 1000000 characters",
    );
    expect(() => renderTemplate("{{input}}", { ...empty, input: { s: [long, long] } })).toThrow(TemplateLimitError);
  });

  it("never reaches a prototype: methods of objects and lists are not names", () => {
    const view = { ...empty, input: { xs: [{ k: 1 }] } };
    expect(renderTemplate("[{{input.constructor}}][{{input.valueOf}}][{{input.xs.pop}}]", view)).toBe("[][][]");
    expect(renderTemplate("{{#input.xs}}{{#pop}}x{{/pop}}{{push}}{{k}}{{/input.xs}}", view)).toBe("1");
    expect(view.input.xs).toEqual([{ k: 1 }]);
  });
});

describe("renderTemplate as Mustache", () => {
  // The renderer's own lookup and loop give what Mustache gave, with the value hooks it had, on names
  // that are not prototype members.
  const reference = new Mustache.Writer();
  const stringify = (value: unknown) =>
    value === null || value === undefined ? "" : typeof value === "string" ? value : JSON.stringify(value);
  reference.escapedValue = (token, context) => stringify(context.lookup(token[1] ?? ""));
  reference.unescapedValue = (token, context) => stringify(context.lookup(token[1] ?? ""));

  const names = [
    "input.a",
    "input.b",
    "input.a.k",
    "context.c",
    "k",
    "a",
    ".",
    "upstream",
    "input.a.0",
    "input.a.length",
  ];
  const { part } = fc.letrec((tie) => ({
    part: fc.oneof(
      { depthSize: "small", withCrossShrink: true },
      fc.constantFrom("text ", "\n", " - "),
      fc.constantFrom(...names).map((name) => `{{${name}}}`),
      fc.constantFrom(...names).map((name) => `{{{${name}}}}`),
      fc
        .tuple(
          fc.constantFrom("#", "^"),
          fc.constantFrom(...names.filter((n) => n !== ".")),
          fc.array(tie("part"), { maxLength: 3 }),
        )
        .map(([kind, name, body]) => `{{${kind}${name}}}${body.join("")}{{/${name}}}`),
    ),
  }));
  const value = fc.letrec((tie) => ({
    v: fc.oneof(
      { depthSize: "small" },
      fc.constantFrom(0, 1, 2.5, "", "s", true, false, null),
      fc.array(tie("v"), { maxLength: 3 }),
      fc.dictionary(fc.constantFrom("a", "b", "k", "0"), tie("v"), { maxKeys: 3 }),
    ),
  })).v;

  it("renders what Mustache renders", () => {
    fc.assert(
      fc.property(
        fc.array(part, { maxLength: 5 }),
        value,
        value,
        fc.array(value, { maxLength: 3 }),
        (parts, a, b, upstream) => {
          const template = parts.join("");
          fc.pre(
            templateProblems(template, { nodeIds: new Set(), upstream: new Set() }).every((p) => !p.includes("nest")),
          );
          const view = { input: { a, b }, context: { c: a }, nodes: {}, upstream };
          let expected: string;
          try {
            expected = reference.render(template, view);
          } catch {
            // Mustache throws on a name inside a section over null items; the renderer finds nothing there.
            return;
          }
          expect(renderTemplate(template, view)).toBe(expected);
        },
      ),
      { numRuns: 2000 },
    );
  });
});
