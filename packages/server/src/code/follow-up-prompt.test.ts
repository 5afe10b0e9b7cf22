import { describe, expect, it } from "vitest";
import { followUpPrompt } from "./follow-up-prompt.ts";

describe("the follow-up prompt", () => {
  it("restates the task and numbers the comments, line comments with their place", () => {
    const prompt = followUpPrompt({
      originalPrompt: "Add a --verbose flag",
      code: { branch: "garageswarm/1a2b3c4d-1" },
      revision: 1,
      message: "Close, but not yet.",
      comments: [
        { body: "Rename this to `verbose`", path: "src/cli.ts", line: 12, side: "new" },
        { body: "This was fine", path: "src/old.ts", line: 3, side: "old" },
        { body: "Add a test", path: null, line: null, side: "new" },
      ],
    });
    expect(prompt).toContain("revision 1 of your work on branch garageswarm/1a2b3c4d-1");
    expect(prompt).toContain("The task was:\nAdd a --verbose flag");
    expect(prompt).toContain("The reviewer says:\nClose, but not yet.");
    expect(prompt).toContain("1. src/cli.ts:12: Rename this to `verbose`");
    expect(prompt).toContain("2. src/old.ts:3 (the line as it was before): This was fine");
    expect(prompt).toContain("3. On the whole change: Add a test");
  });

  it("cuts a very long original prompt", () => {
    const prompt = followUpPrompt({
      originalPrompt: "x".repeat(30_000),
      code: { branch: "b" },
      revision: 2,
      message: "again",
      comments: [],
    });
    expect(prompt).toContain("[…]");
    expect(prompt.length).toBeLessThan(21_000);
    expect(prompt).not.toContain("Review comments:");
  });
});
