import { expect, type Page } from "@playwright/test";
import { linkIn, startSmtpCapture, type CapturedMail, type SmtpCapture } from "@/testing/smtp-capture";

/**
 * The mail server the test server sends through (playwright.config.ts sets its SMTP_URL to
 * this port): a real SMTP server in the Playwright worker, started by the `mailbox` fixture
 * (support/csp.ts) before any journey runs, and read by the journeys like an inbox.
 */
export const smtpPort = Number(process.env.E2E_SMTP_PORT ?? Number(process.env.E2E_PORT ?? 3100) + 2);

let capture: SmtpCapture | undefined;

export async function openMailbox(): Promise<SmtpCapture> {
  capture ??= await startSmtpCapture(smtpPort);
  return capture;
}

export async function closeMailbox(): Promise<void> {
  await capture?.close();
  capture = undefined;
}

/** The first mail to `to` whose subject contains `subject`, waited for. */
export async function mailTo(to: string, subject: string): Promise<CapturedMail> {
  return (await openMailbox()).waitFor(to, (mail) => mail.subject.includes(subject), 20_000);
}

export const linkInMail = linkIn;

/** Signs up through the form: the page then says to check the inbox, and nobody is signed in. */
export async function signUpThroughForm(page: Page, who: { name: string; email: string; password: string; workspace: string }) {
  await page.goto("/sign-up");
  await page.getByLabel("Your name").fill(who.name);
  await page.getByLabel("Work email").fill(who.email);
  await page.getByLabel("Password").fill(who.password);
  await page.getByLabel("Workspace name").fill(who.workspace);
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page.getByRole("heading", { name: "Check your inbox" })).toBeVisible();
}

/** Follows the confirmation link mailed to `email` and presses its button. */
export async function confirmFromMail(page: Page, email: string, origin: string) {
  const link = linkIn(await mailTo(email, "Confirm your email address"), origin);
  await page.goto(link);
  await page.getByRole("button", { name: "Confirm my email address" }).click();
  await expect(page.getByText(`${email} is confirmed.`)).toBeVisible();
}

/** Signs in through the form and waits for the inbox. */
export async function signInToInbox(page: Page, who: { email: string; password: string }) {
  await page.goto("/sign-in");
  await page.getByLabel("Email").fill(who.email);
  await page.getByLabel("Password").fill(who.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("heading", { name: "Inbox" })).toBeVisible();
  return new URL(page.url()).pathname.split("/")[2]!;
}

/** Sign up, confirm the address from the mail, sign in: an owner on their inbox, as every journey starts. Returns the slug. */
export async function signUpConfirmed(page: Page, who: { name: string; email: string; password: string; workspace: string }) {
  await signUpThroughForm(page, who);
  await confirmFromMail(page, who.email, new URL(page.url()).origin);
  return signInToInbox(page, who);
}
