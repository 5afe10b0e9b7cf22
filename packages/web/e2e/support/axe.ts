// An automated accessibility pass (axe-core) over what a page shows now: every dashboard test that shows a page
// state calls this, so a regression in labels, contrast or roles fails the test that introduced it.
import AxeBuilder from "@axe-core/playwright";
import { expect } from "vitest";
import type { Page } from "./browser.ts";

/** The impacts a person cannot work around: a screen-reader user locked out, text that cannot be read. */
const blocking = new Set(["serious", "critical"]);

export async function expectAccessible(page: Page, options: { exclude?: string[] } = {}): Promise<void> {
  let builder = new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]);
  for (const selector of options.exclude ?? []) builder = builder.exclude(selector);
  const { violations } = await builder.analyze();
  const found = violations
    .filter((violation) => blocking.has(violation.impact ?? ""))
    .map((violation) => ({
      rule: violation.id,
      impact: violation.impact,
      help: violation.help,
      where: violation.nodes.slice(0, 5).map((node) => `${node.target.join(" ")} ${node.html} ${node.failureSummary}`),
    }));
  expect(found, `axe found serious violations on ${page.url()}`).toEqual([]);
}
