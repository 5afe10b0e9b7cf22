import { describe, expect, it } from "vitest";
import { redactUrl } from "./logging.ts";

describe("redactUrl", () => {
  it("hides every credential a URL can carry, keeping the rest readable", () => {
    expect(redactUrl("/ws/client/u1?ticket=abc.def&x=1")).toBe("/ws/client/u1?ticket=[redacted]&x=1");
    expect(redactUrl("/register?invite=s3cret")).toBe("/register?invite=[redacted]");
    expect(redactUrl("/a?x=1&token=t&KEY=gs_k#frag")).toBe("/a?x=1&token=[redacted]&KEY=[redacted]#frag");
    expect(redactUrl("/a?access_token=a&refresh_token=r")).toBe("/a?access_token=[redacted]&refresh_token=[redacted]");
  });

  it("leaves paths and other parameters alone", () => {
    expect(redactUrl("/api/v1/tasks?status=queued&limit=20")).toBe("/api/v1/tasks?status=queued&limit=20");
    expect(redactUrl("/token/invite?monkey=1")).toBe("/token/invite?monkey=1");
  });
});
