import { describe, expect, it } from "vitest";
import { assetsOf, isDashboardPage, isStaticShellFile } from "./app-shell.ts";

describe("the app shell the service worker caches", () => {
  it("never treats the API, sockets, docs, health or metrics as part of it", () => {
    for (const path of ["/api/v1/tasks", "/api", "/ws/client/1", "/docs", "/health/ready", "/metrics"]) {
      expect(isDashboardPage(path), path).toBe(false);
      expect(isStaticShellFile(path), path).toBe(false);
    }
  });

  it("serves pages network-first and static files cache-first", () => {
    expect(isDashboardPage("/tasks/123")).toBe(true);
    expect(isDashboardPage("/apiary")).toBe(true);
    expect(isDashboardPage("/sw.js")).toBe(false);
    expect(isStaticShellFile("/assets/index-AbC123.js")).toBe(true);
    expect(isStaticShellFile("/icons/icon-192.png")).toBe(true);
    expect(isStaticShellFile("/manifest.webmanifest")).toBe(true);
  });

  it("reads the bundles index.html loads", () => {
    const html = `<script type="module" crossorigin src="/assets/index-A1.js"></script>
      <link rel="modulepreload" crossorigin href="/assets/vendor-B2.js">
      <link rel="stylesheet" crossorigin href="/assets/index-C3.css">
      <link rel="manifest" href="/manifest.webmanifest">`;
    expect(assetsOf(html)).toEqual(["/assets/index-A1.js", "/assets/vendor-B2.js", "/assets/index-C3.css"]);
  });
});
