import { describe, expect, it } from "vitest";
import { isAllowedPushEndpoint } from "./endpoint-policy.ts";

describe("push endpoints a subscription may name", () => {
  it.each([
    "https://fcm.googleapis.com/fcm/send/abc:APA91b",
    "https://updates.push.services.mozilla.com/wpush/v2/gAAAA",
    "https://web.push.apple.com/QGuQyavXutnMH",
    "https://wns2-par02p.notify.windows.com/w/?token=BQYAAA",
  ])("takes the browsers' push services over HTTPS: %s", (endpoint) => {
    expect(isAllowedPushEndpoint(endpoint, [])).toBe(true);
  });

  it.each([
    "http://fcm.googleapis.com/fcm/send/abc",
    "https://fcm.googleapis.com:8443/fcm/send/abc",
    "https://fcm.googleapis.com.evil.example/fcm/send/abc",
    "https://evilfcm.googleapis.com.example/x",
    "https://user:pw@fcm.googleapis.com/fcm/send/abc",
    "https://169.254.169.254/latest/meta-data",
    "http://127.0.0.1:6379/",
    "https://localhost/x",
    "not a url",
  ])("refuses anything else: %s", (endpoint) => {
    expect(isAllowedPushEndpoint(endpoint, [])).toBe(false);
  });

  it("takes an origin the operator listed, and only that origin", () => {
    const listed = ["http://127.0.0.1:4567"];
    expect(isAllowedPushEndpoint("http://127.0.0.1:4567/push/abc", listed)).toBe(true);
    expect(isAllowedPushEndpoint("http://127.0.0.1:4568/push/abc", listed)).toBe(false);
    expect(isAllowedPushEndpoint("https://127.0.0.1:4567/push/abc", listed)).toBe(false);
  });
});
