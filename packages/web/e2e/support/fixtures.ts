// What every dashboard test file sets up, as Vitest fixtures: one server and one Chromium for the whole
// file (started when a test first needs them), and pages in fresh browser contexts, each with its own
// cookies and storage, closed when the test ends.
import { test } from "vitest";
import { startTestServer, type TestServer } from "../../../../test/support/server.ts";
import { type BrowserContext, launchBrowser, newContext, type Page } from "./browser.ts";

/**
 * `it` for a dashboard test file; `startServer` sets up that file's server (an admin password, a clock), and
 * `browserArgs` are Chromium's extra flags (loopbackOnlyArgs).
 */
export function dashboardTest(
  startServer: () => Promise<TestServer> = () => startTestServer(),
  options: { browserArgs?: readonly string[] } = {},
) {
  return (
    test
      // biome-ignore lint/correctness/noEmptyPattern: Vitest reads a fixture's dependencies from this pattern; none here.
      .extend("server", { scope: "file" }, async ({}, { onCleanup }) => {
        const server = await startServer();
        onCleanup(() => server.close());
        return server;
      })
      // biome-ignore lint/correctness/noEmptyPattern: Vitest reads a fixture's dependencies from this pattern; none here.
      .extend("browser", { scope: "file" }, async ({}, { onCleanup }) => {
        const browser = await launchBrowser(options.browserArgs);
        onCleanup(() => browser.close());
        return browser;
      })
      .extend("newPage", async ({ browser, server }, { onCleanup }) => {
        const contexts: BrowserContext[] = [];
        onCleanup(async () => {
          for (const context of contexts) await context.close();
        });
        /** A page in a browser context of its own: another person, or the same one on a phone. */
        return async (options: { mobile?: boolean; userAgent?: string } = {}): Promise<Page> => {
          const context = await newContext(browser, server.url, options);
          contexts.push(context);
          return context.newPage();
        };
      })
      .extend("page", ({ newPage }) => newPage())
  );
}
