import { expect, test } from "./support/csp";
import { standInForFacebook } from "./support/facebook";
import { confirmFromMail, linkInMail, mailTo, signInToInbox, signUpThroughForm } from "./support/mailbox";
import { customerWrites, metaGrants, metaIssuesCode, metaReceived, uniqueDigits } from "./support/whatsapp";

/**
 * A business's first day, as one journey: sign up, confirm the address from the mail, connect a
 * number through Embedded Signup (Facebook stood in for at its real addresses, Graph faked, the
 * register step included), receive a customer's message, invite a member by mail, who accepts
 * from the mail, reset the password, and find the old session refused. Every link a person
 * follows here came through the SMTP server the test server sends to (support/mailbox.ts).
 */
const stamp = Date.now().toString(36);
const owner = { name: "Mara Owner", email: `mara-${stamp}@example.test`, password: "mara-password-123", workspace: `Mara ${stamp}` };
const member = { name: "Nico Member", email: `nico-${stamp}@example.test`, password: "nico-password-456" };

test("day one: sign up, confirm from the mail, connect with Facebook, receive a message, invite by mail, reset the password, and the old session is refused", async ({ browser, baseURL }) => {
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

  // Connect the business's number through Facebook's window; Meta asks for the number's PIN on register.
  const phoneNumberId = uniqueDigits("18");
  const wabaId = uniqueDigits("1050");
  const token = `EAAGe2eDayOne${uniqueDigits("")}Token`;
  const code = `AQDe2eDayOne${uniqueDigits("")}`;
  await metaGrants(ownerPage.request, { token, wabaId, phoneNumberIds: [phoneNumberId], pin: "112358" });
  await metaIssuesCode(ownerPage.request, { code, token });
  await standInForFacebook(ownerPage, { wabaId, phoneNumberId, code });
  await ownerPage.goto(`/w/${slug}/settings/numbers`);
  await expect(ownerPage.getByLabel("Phone number ID")).toBeVisible();
  await ownerPage.getByRole("button", { name: "Connect with Facebook" }).click();
  await expect(ownerPage.getByText(`Facebook gave Switchboard access to phone number ID ${phoneNumberId}`)).toBeVisible();
  await ownerPage.getByLabel("Two-step verification PIN").fill("112358");
  await ownerPage.getByLabel("Label (optional)").fill("Mara's shop");
  await ownerPage.getByRole("button", { name: "Connect number" }).click();
  await expect(ownerPage.getByText(`Mara's shop (+${phoneNumberId}) is connected.`)).toBeVisible();
  await expect(ownerPage.locator(`[data-number="${phoneNumberId}"]`).getByText("Connected", { exact: true })).toBeVisible();
  const registered = (await metaReceived(ownerPage.request, "register")).filter((r) => r.path.includes(phoneNumberId));
  expect(registered.map((r) => r.body)).toEqual([{ messaging_product: "whatsapp", pin: "112358" }]);

  // A customer writes to the new number: the message is in the owner's inbox.
  await customerWrites(ownerPage.request, { phoneNumberId, from: uniqueDigits("52155"), name: "Rosa Cliente", text: "¿Abren el domingo?" });
  await ownerPage.goto(`/w/${slug}/inbox`);
  await ownerPage.locator("[data-conversation-row]", { hasText: "Rosa Cliente" }).click();
  await expect(ownerPage.getByRole("list", { name: "Messages" }).getByText("¿Abren el domingo?")).toBeVisible();

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
  await memberPage.locator("[data-conversation-row]", { hasText: "Rosa Cliente" }).click();
  await expect(memberPage.getByRole("list", { name: "Messages" }).getByText("¿Abren el domingo?")).toBeVisible();

  // The owner forgot their password: reset it from another browser, through the mailed link.
  const resetPage = await (await browser.newContext()).newPage();
  await resetPage.goto("/sign-in");
  await resetPage.getByRole("link", { name: "Forgot your password?" }).click();
  // The sign-in page has an Email field too: fill the reset form's, once it is there.
  await expect(resetPage.getByRole("heading", { name: "Reset your password" })).toBeVisible();
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
