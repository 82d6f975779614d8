import { expect, test } from "./support/csp";
import { confirmFromMail, linkInMail, mailTo, signInToInbox, signUpThroughForm } from "./support/mailbox";

/**
 * Day one with real mail: every link a person follows here came through the SMTP server the
 * test server sends to (support/mailbox.ts), read from the captured mail.
 */
const stamp = Date.now().toString(36);
const owner = { name: "Mara Owner", email: `mara-${stamp}@example.test`, password: "mara-password-123", workspace: `Mara ${stamp}` };
const member = { name: "Nico Member", email: `nico-${stamp}@example.test`, password: "nico-password-456" };

test("sign up, confirm from the mail, invite by mail, reset the password, and the old session is refused", async ({ browser, baseURL }) => {
  test.setTimeout(180_000);
  const ownerContext = await browser.newContext();
  const ownerPage = await ownerContext.newPage();

  // Sign up: "check your inbox"; signing in works before the address is confirmed, connecting a number does not.
  await signUpThroughForm(ownerPage, owner);
  const slug = await signInToInbox(ownerPage, owner);
  await ownerPage.goto(`/w/${slug}/settings/numbers`);
  await expect(ownerPage.getByRole("heading", { name: "Confirm your email address to connect WhatsApp numbers" })).toBeVisible();
  await expect(ownerPage.getByLabel("Phone number ID")).toHaveCount(0);
  await ownerPage.getByRole("button", { name: "Resend the confirmation mail" }).click();
  await expect(ownerPage.getByText("A new confirmation link is on its way.")).toBeVisible();

  // Someone else signs up with the same address: the same answer, and the owner is told by mail.
  const strangerPage = await (await browser.newContext()).newPage();
  await signUpThroughForm(strangerPage, { ...owner, name: "Not Mara", password: "someone-elses-pass", workspace: "Takeover" });
  const warning = await mailTo(owner.email, "Someone tried to sign up");
  expect(warning.text).toContain("No new account was made");

  // The confirmation link from the mail lifts the restriction.
  await confirmFromMail(ownerPage, owner.email, baseURL!);
  await ownerPage.goto(`/w/${slug}/settings/numbers`);
  await expect(ownerPage.getByLabel("Phone number ID")).toBeVisible();

  // Invite a member: the mail carries the same link the admin is shown.
  await ownerPage.goto(`/w/${slug}/settings/members`);
  await ownerPage.getByLabel("Email address").fill(member.email);
  await ownerPage.getByLabel("Role").selectOption("agent");
  await ownerPage.getByRole("button", { name: "Send invitation" }).click();
  const shown = await ownerPage.getByRole("textbox", { name: `Invitation link for ${member.email}` }).inputValue();
  await expect(ownerPage.getByText(`We mailed this link to ${member.email}.`)).toBeVisible();
  const invitation = await mailTo(member.email, `invited you to ${owner.workspace}`);
  expect(linkInMail(invitation, baseURL!)).toBe(shown);

  // The member accepts from the mail, in a browser of their own.
  const memberPage = await (await browser.newContext()).newPage();
  await memberPage.goto(linkInMail(invitation, baseURL!));
  await memberPage.getByLabel("Your name").fill(member.name);
  await memberPage.getByLabel("Choose a password").fill(member.password);
  await memberPage.getByRole("button", { name: "Create account and join" }).click();
  await expect(memberPage.getByRole("heading", { name: "Inbox" })).toBeVisible();

  // The owner forgot their password: reset it from another browser, through the mailed link.
  const resetPage = await (await browser.newContext()).newPage();
  await resetPage.goto("/sign-in");
  await resetPage.getByRole("link", { name: "Forgot your password?" }).click();
  await resetPage.getByLabel("Email").fill(owner.email);
  await resetPage.getByRole("button", { name: "Send me a reset link" }).click();
  await expect(resetPage.getByText(`If ${owner.email} has a Switchboard account, a link to choose a new password is on its way.`)).toBeVisible();
  const reset = await mailTo(owner.email, "Reset your Switchboard password");
  await resetPage.goto(linkInMail(reset, baseURL!));
  await resetPage.getByLabel("New password").fill("mara-new-password-789");
  await resetPage.getByRole("button", { name: "Set new password" }).click();
  await expect(resetPage.getByText("Your password is changed, and every device that was signed in is signed out.")).toBeVisible();
  // The link worked once.
  await resetPage.goto(linkInMail(reset, baseURL!));
  await expect(resetPage.getByRole("heading", { name: "This link can't be used" })).toBeVisible();

  // The session the owner had open is refused on its next request; the new password signs in.
  await ownerPage.goto(`/w/${slug}/inbox`);
  await expect(ownerPage.getByRole("heading", { name: "Sign in" })).toBeVisible();
  await signInToInbox(ownerPage, { email: owner.email, password: "mara-new-password-789" });

  // The member ends every session of theirs from their account page.
  await memberPage.getByRole("link", { name: "Your account" }).first().click();
  await memberPage.getByRole("button", { name: "Sign out everywhere" }).click();
  await expect(memberPage.getByRole("heading", { name: "Sign in" })).toBeVisible();
  await memberPage.goto(`/w/${slug}/inbox`);
  await expect(memberPage.getByRole("heading", { name: "Sign in" })).toBeVisible();
});
