import { CODE_TOOLS, ReviewState } from "@garageswarm/protocol";
import { describe, expect, it } from "vitest";
import { codeToolIds, reviewStateLabels } from "./labels.ts";

describe("labels", () => {
  it("offers a repository for exactly the protocol's code tools", () => {
    expect([...codeToolIds].sort()).toEqual([...CODE_TOOLS].sort());
  });

  it("names every review state", () => {
    expect(Object.keys(reviewStateLabels).sort()).toEqual([...ReviewState.options].sort());
  });
});
