// Debian's Chromium driven by playwright-core (Playwright never downloads a browser here).
import { existsSync, mkdirSync } from "node:fs";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";

export const chromiumPath = process.env.GARAGESWARM_CHROMIUM ?? "/usr/bin/chromium";

/** Outside CI a machine without Chromium skips the browser tests; in CI they fail instead. */
export function chromiumMissing(): boolean {
  return !existsSync(chromiumPath) && process.env.CI !== "true";
}

/**
 * Chromium with no way off this machine: every host name but 127.0.0.1 fails to resolve, and anything that
 * still tries goes to a proxy on a dead loopback port. For tests that touch the browser's own services (Web
 * Push subscribes at Google's FCM), which must never be reached from a test.
 */
export const loopbackOnlyArgs = [
  "--proxy-server=http://127.0.0.1:9",
  "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
];

export function launchBrowser(extraArgs: readonly string[] = []): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
      ...extraArgs,
    ],
  });
}

export async function newContext(
  browser: Browser,
  baseURL: string,
  options: { mobile?: boolean; userAgent?: string } = {},
) {
  const context = await browser.newContext({
    baseURL,
    ...(options.userAgent ? { userAgent: options.userAgent } : {}),
    viewport: options.mobile ? { width: 390, height: 844 } : { width: 1280, height: 860 },
    ...(options.mobile ? { isMobile: true, hasTouch: true } : {}),
  });
  context.setDefaultTimeout(15_000);
  return context;
}

const resultsDir = fileURLToPath(new URL("../../../../test-results/screenshots/", import.meta.url));

/** Full-page screenshot into test-results/screenshots (kept by CI as an artifact). */
export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(resultsDir, { recursive: true });
  await page.screenshot({ path: resolve(resultsDir, `${name}.png`), fullPage: true });
}

export type { Browser, BrowserContext, Page };
