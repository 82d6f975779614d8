import { eq } from "drizzle-orm";
import { expect, it } from "vitest";
import { withPlatform } from "@/db/platform";
import { users } from "@/db/schema";
import { withTenant } from "@/db/tenant";
import { env } from "@/lib/config/env";
import { createInvitation } from "@/lib/workspace/invitations";
import { addNumber } from "@/lib/workspace/numbers";
import { register } from "@/lib/workspace/signup";
import { captureMail } from "@/testing/mail";
import { linkIn } from "@/testing/smtp-capture";
import { resendVerification, verificationLinkUsable, verifyEmail } from "./verification";

const mailbox = captureMail();

/** A person who signed up and has not followed their link yet: their id, workspace and mailed link's secret. */
async function signedUp(email: string) {
  await register({ name: "Vic", email, password: "vic-password-1", workspaceName: `Vic ${email}` }, "192.0.2.10");
  const secret = linkIn(await mailbox().waitFor(email), env().APP_URL).split("/").pop()!;
  const [user] = await withPlatform((tx) => tx.select().from(users).where(eq(users.email, email)));
  const [membership] = await withPlatform((tx) => tx.query.memberships.findMany({ where: (m, { eq: is }) => is(m.userId, user!.id) }));
  return { user: user!, secret, actor: { tenantId: membership!.tenantId, userId: user!.id, role: "owner" as const } };
}

it("keeps an unconfirmed account from connecting numbers and inviting, and says why; the mailed link lifts it once", async () => {
  const { user, secret, actor } = await signedUp("vic@verify.test");
  const said = "Confirm your email address first: open the link we mailed you.";
  await expect(withTenant(actor.tenantId, (tx) => createInvitation({ tx, actor }, { email: "guest@verify.test", role: "agent" }))).rejects.toThrow(said);
  const sandbox = { phoneNumberId: "999000000000071", label: "Front", displayNumber: "+1 555 0100", wabaId: "104400000000071", accessToken: undefined };
  await expect(addNumber({ actor }, sandbox)).rejects.toMatchObject({ kind: "conflict", code: "email_unverified" });

  expect(await verificationLinkUsable(secret)).toBe(true);
  expect(await verifyEmail(secret)).toEqual({ email: "vic@verify.test" });
  const [after] = await withPlatform((tx) => tx.select({ at: users.emailVerifiedAt }).from(users).where(eq(users.id, user.id)));
  expect(after!.at).toBeInstanceOf(Date);
  await expect(withTenant(actor.tenantId, (tx) => createInvitation({ tx, actor }, { email: "guest@verify.test", role: "agent" }))).resolves.toMatchObject({ link: expect.any(String) });
  await expect(addNumber({ actor }, sandbox)).resolves.toMatchObject({ phoneNumberId: sandbox.phoneNumberId });

  // Single use: the same link again, or one that was never made, is refused in words.
  expect(await verificationLinkUsable(secret)).toBe(false);
  await expect(verifyEmail(secret)).rejects.toThrow("This confirmation link is not valid any more");
  await expect(verifyEmail("x".repeat(43))).rejects.toMatchObject({ kind: "rejected" });
  await expect(verifyEmail("../../etc")).rejects.toMatchObject({ kind: "rejected" });
});

it("refuses a link after 48 hours, and one sent to an address the account no longer has", async () => {
  const { user, secret } = await signedUp("late@verify.test");
  const later = new Date(Date.now() + 48 * 60 * 60 * 1000 + 1000);
  expect(await verificationLinkUsable(secret, later)).toBe(false);
  await expect(verifyEmail(secret, later)).rejects.toMatchObject({ kind: "rejected" });

  await withPlatform((tx) => tx.update(users).set({ email: "moved@verify.test" }).where(eq(users.id, user.id)));
  expect(await verificationLinkUsable(secret)).toBe(false);
  await expect(verifyEmail(secret)).rejects.toMatchObject({ kind: "rejected" });
  const [after] = await withPlatform((tx) => tx.select({ at: users.emailVerifiedAt }).from(users).where(eq(users.id, user.id)));
  expect(after!.at).toBeNull();
});

it("lets two clicks of one link race: one confirms, the other is refused", async () => {
  const { secret } = await signedUp("race@verify.test");
  const outcomes = await Promise.allSettled([verifyEmail(secret), verifyEmail(secret)]);
  expect(outcomes.map((o) => o.status).sort()).toEqual(["fulfilled", "rejected"]);
});

it("resends a new link on request, until the address is confirmed", async () => {
  const { user, secret } = await signedUp("again@verify.test");
  await resendVerification(user, "192.0.2.11");
  await expect.poll(() => mailbox().mails.filter((m) => m.to.includes("again@verify.test")).length).toBe(2);
  const second = linkIn(mailbox().mails.filter((m) => m.to.includes("again@verify.test"))[1]!, env().APP_URL).split("/").pop()!;
  expect(second).not.toBe(secret);
  await verifyEmail(second);
  await expect(resendVerification(user, "192.0.2.11")).rejects.toThrow("Your email address is already confirmed.");
});
