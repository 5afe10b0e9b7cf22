import { describe, expect, it } from "vitest";
import { phonePlatform } from "./platform.ts";

describe("phonePlatform", () => {
  it.each([
    ["Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 Chrome/126.0 Mobile Safari/537.36", 5, "android"],
    ["Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148", 5, "ios"],
    ["Mozilla/5.0 (iPad; CPU OS 16_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148", 5, "ios"],
    // iPadOS asks for desktop sites as a Mac; only the touch points give it away.
    ["Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 Version/17.5 Safari/605.1.15", 5, "ios"],
    [
      "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 Version/17.5 Safari/605.1.15",
      0,
      "mobile-web",
    ],
    ["Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/126.0 Safari/537.36", 0, "mobile-web"],
  ] as const)("%s (%d touch points) is %s", (userAgent, touchPoints, platform) => {
    expect(phonePlatform(userAgent, touchPoints)).toBe(platform);
  });
});
