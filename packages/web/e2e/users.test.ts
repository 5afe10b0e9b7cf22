// An administrator manages accounts in a real browser: invite links (registration is by invite here),
// creating an account directly, disabling and re-enabling a user; other users never see the page.
import { describe, expect } from "vitest";
import { startTestServer } from "../../../test/support/server.ts";
import { chromiumMissing, screenshot } from "./support/browser.ts";
import { dashboardTest } from "./support/fixtures.ts";
import { answerDialog, goTo, newBrowserUser, signIn, signInAs } from "./support/flows.ts";

const ADMIN = { username: "admin", password: "users-page-admin-pw" };
const it = dashboardTest(() => startTestServer({ registration: "invite", adminPassword: ADMIN.password }));

describe.skipIf(chromiumMissing())("dashboard: the admin Users page", () => {
  it("says sign-up is by invitation without a link, and an invite link signs a person up once", async ({
    page,
    newPage,
  }) => {
    await page.goto("/register");
    await page.getByText("Accounts on this server are by invitation").waitFor();
    expect(await page.getByRole("button", { name: "Create account" }).count()).toBe(0);

    await signInAs(page, ADMIN);
    await goTo(page, "Users");
    await page.getByText("Registration is by invite").waitFor();
    await page.getByRole("button", { name: "Create invite link" }).click();
    const link = await page.getByLabel("Invite link (shown once)").inputValue();
    expect(link).toMatch(/\/register\?invite=gsi_/);
    await screenshot(page, "users-invite");

    const invited = newBrowserUser("invited");
    const guest = await newPage();
    await guest.goto(link);
    await guest.getByText("You are signing up with an invite link.").waitFor();
    await guest.getByLabel("Username").fill(invited.username);
    await guest.getByLabel("Email").fill(invited.email);
    await guest.getByLabel("Password").fill(invited.password);
    await guest.getByRole("button", { name: "Create account" }).click();
    await guest.getByRole("heading", { name: "Overview", level: 1 }).waitFor();
    // Not an admin: no Users page in their navigation.
    expect(await guest.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Users" }).count()).toBe(0);

    // The same link again: refused, with the reason shown.
    const second = await newPage();
    await second.goto(link);
    const other = newBrowserUser("second");
    await second.getByLabel("Username").fill(other.username);
    await second.getByLabel("Email").fill(other.email);
    await second.getByLabel("Password").fill(other.password);
    await second.getByRole("button", { name: "Create account" }).click();
    await second.getByText("this invite is not valid").waitFor();

    await page.reload();
    await page.getByRole("row", { name: /anyone used/i }).waitFor();
    await page.getByRole("row", { name: new RegExp(invited.username) }).waitFor();
  });

  it("creates an account directly, disables it (signing it out) and enables it again", async ({ page, newPage }) => {
    await signInAs(page, ADMIN);
    await goTo(page, "Users");
    const person = newBrowserUser("direct");
    const form = page.getByRole("form", { name: "Create an account" });
    await form.getByLabel("Username").fill(person.username);
    await form.getByLabel("Email").fill(person.email);
    await form.getByLabel("Initial password").fill(person.password);
    await form.getByRole("button", { name: "Create account" }).click();
    const row = page.getByRole("row", { name: new RegExp(person.username) });
    await row.waitFor();
    await screenshot(page, "users");

    const theirs = await newPage();
    await signInAs(theirs, person);

    await page.getByRole("button", { name: `Disable ${person.username}` }).click();
    await answerDialog(page, "Disable user");
    await expect.poll(() => row.textContent()).toContain("Disabled");
    // No button to disable oneself.
    expect(await page.getByRole("button", { name: "Disable admin" }).count()).toBe(0);

    await theirs.reload();
    await theirs.getByRole("heading", { name: "Sign in" }).waitFor();
    await signIn(theirs, person);
    await theirs.getByText("wrong username/email or password").waitFor();

    await page.getByRole("button", { name: `Enable ${person.username}` }).click();
    await expect.poll(() => row.textContent()).toContain("Active");
    await signIn(theirs, person);
    await theirs.getByRole("heading", { name: "Overview", level: 1 }).waitFor();
  });

  it("revokes an unused invite link", async ({ page }) => {
    await signInAs(page, ADMIN);
    await goTo(page, "Users");
    const email = `${newBrowserUser("revoked").username}@example.test`;
    await page.getByLabel("Only for this email (optional)").fill(email);
    await page.getByRole("button", { name: "Create invite link" }).click();
    await page.getByRole("button", { name: "Done" }).click();
    await page.getByRole("button", { name: `Revoke the invite for ${email}` }).click();
    await expect.poll(() => page.getByRole("row", { name: new RegExp(email) }).textContent()).toContain("revoked");
  });
});
