import { expect, test } from "./support/csp";
import { signUpThroughForm } from "./support/mailbox";
import { signInFrom } from "./support/sign-in-from";

/**
 * The sign-in throttle against the production server. Ten failures from one address pause
 * sign-in there for every email for 15 minutes, and the browser always connects from
 * 127.0.0.1, so the form's journey pauses the address every other journey signs in from:
 * this file runs in its own project after all the others (playwright.config.ts), and the
 * form's journey runs last in it. Scripted requests bind 127.0.0.2 and 127.0.0.3.
 */
test.describe.configure({ mode: "serial" });

const stamp = Date.now().toString(36);

test("X-Forwarded-For and the server's own address header are ignored: one client's forged addresses share one count", async ({ baseURL }) => {
  const guess = { email: `forger-${stamp}@example.test`, password: "wrong" };
  for (let i = 0; i < 10; i++) {
    const forged = { "x-forwarded-for": `198.51.100.${i}`, "x-switchboard-client-ip": `203.0.113.${i}` };
    expect(await signInFrom(baseURL!, "127.0.0.3", guess, forged)).toBe("refused");
  }
  expect(await signInFrom(baseURL!, "127.0.0.3", guess, { "x-forwarded-for": "198.51.100.99" })).toBe("paused");
});

test("a stranger guessing from 127.0.0.2 pauses only themselves: the owner still signs in from 127.0.0.1", async ({ page, baseURL }) => {
  const victim = { email: `victim-${stamp}@example.test`, password: "victim-password-345" };
  await signUpThroughForm(page, { name: "Vera Victim", ...victim, workspace: `Vera ${stamp}` });

  const stranger = { email: victim.email, password: "guess" };
  for (let i = 0; i < 10; i++) expect(await signInFrom(baseURL!, "127.0.0.2", stranger)).toBe("refused");
  expect(await signInFrom(baseURL!, "127.0.0.2", victim)).toBe("paused");
  expect(await signInFrom(baseURL!, "127.0.0.1", victim)).toBe("signed-in");
});

test("sign-in refuses a wrong password generically, then pauses after 10 failures and says for how long", async ({ page }) => {
  // Eleven password hashes (argon2, deliberately slow) in a row: each step waits for the page's
  // answer, and the test as a whole gets room for a loaded machine rather than the default minute.
  test.setTimeout(240_000);
  const email = `nobody-${stamp}@example.test`;
  await page.goto("/sign-in");
  await page.getByLabel("Email").fill(email);
  for (let i = 0; i < 10; i++) {
    await page.getByLabel("Password").fill(`wrong-${i}`);
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect(page.locator("form").getByRole("alert")).toHaveText("That email and password do not match an account. Check them and try again.");
    await expect(page.getByRole("button", { name: "Sign in" })).toBeEnabled();
  }
  await page.getByLabel("Password").fill("wrong-again");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.locator("form").getByRole("alert")).toContainText("Too many sign-in attempts");
  await expect(page.locator("form").getByRole("alert")).toContainText("try again in 15 minutes");
  await page.screenshot({ path: "test-results/screenshots/accounts-10-throttled.png", fullPage: true });
});
