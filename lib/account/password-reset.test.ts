import { eq } from "drizzle-orm";
import { expect, it, vi } from "vitest";
import { withPlatform } from "@/db/platform";
import { users } from "@/db/schema";
import { authenticate } from "@/lib/auth/credentials";
import { currentUser } from "@/lib/auth/session";
import { env } from "@/lib/config/env";
import { signUp } from "@/lib/workspace/signup";
import { captureMail } from "@/testing/mail";
import { holdSessionToken, sessionToken } from "@/testing/next-request";
import { linkIn } from "@/testing/smtp-capture";
import { requestPasswordReset, resetLinkUsable, resetPassword } from "./password-reset";

vi.mock("next/headers", () => import("@/testing/next-request"));

const mailbox = captureMail();

async function resetLink(email: string, ip: string) {
  const before = mailbox().mails.filter((m) => m.to.includes(email)).length;
  await requestPasswordReset({ email }, ip);
  await expect.poll(() => mailbox().mails.filter((m) => m.to.includes(email)).length).toBe(before + 1);
  const mail = mailbox().mails.filter((m) => m.to.includes(email)).at(-1)!;
  expect(mail.subject).toBe("Reset your Switchboard password");
  return linkIn(mail, env().APP_URL).split("/").pop()!;
}

it("mails a one-hour, single-use link that sets a new password, confirms the address and ends every earlier session", async () => {
  const { user } = await signUp({ name: "Rita", email: "rita@reset.test", password: "old-password-1", workspaceName: "Rita Co" });
  const earlier = await sessionToken(user.id, new Date(Date.now() - 60_000));
  const secret = await resetLink("rita@reset.test", "192.0.2.20");
  expect(await resetLinkUsable(secret, new Date(Date.now() + 61 * 60 * 1000))).toBe(false);
  expect(await resetLinkUsable(secret)).toBe(true);

  await resetPassword(secret, { password: "new-password-1" });
  expect(await authenticate({ email: "rita@reset.test", password: "new-password-1", ip: "192.0.2.20" })).toMatchObject({ ok: true });
  expect(await authenticate({ email: "rita@reset.test", password: "old-password-1", ip: "192.0.2.20" })).toMatchObject({ ok: false });
  const [row] = await withPlatform((tx) => tx.select().from(users).where(eq(users.id, user.id)));
  expect(row!.emailVerifiedAt).toBeInstanceOf(Date);

  holdSessionToken(earlier);
  expect(await currentUser()).toBeNull();
  holdSessionToken(await sessionToken(user.id));
  expect(await currentUser()).toMatchObject({ id: user.id });

  await expect(resetPassword(secret, { password: "third-password-1" })).rejects.toThrow("This password reset link is not valid any more");
});

it("refuses an expired link, and every older link once one was used", async () => {
  await signUp({ name: "Sam", email: "sam@reset.test", password: "old-password-1", workspaceName: "Sam Co" });
  const first = await resetLink("sam@reset.test", "192.0.2.21");
  const second = await resetLink("sam@reset.test", "192.0.2.21");
  await expect(resetPassword(first, { password: "new-password-1" }, new Date(Date.now() + 60 * 60 * 1000 + 1000))).rejects.toMatchObject({ kind: "rejected" });
  await resetPassword(second, { password: "new-password-1" });
  await expect(resetPassword(first, { password: "new-password-2" })).rejects.toMatchObject({ kind: "rejected" });
  expect(await authenticate({ email: "sam@reset.test", password: "new-password-1", ip: "192.0.2.21" })).toMatchObject({ ok: true });
});

it("answers an unknown address exactly like a known one, and limits both alike: 5 an hour per address", async () => {
  await signUp({ name: "Kim", email: "kim@reset.test", password: "kim-password-1", workspaceName: "Kim Co" });
  for (const email of ["kim@reset.test", "nobody@reset.test"]) {
    for (let i = 0; i < 5; i++) await expect(requestPasswordReset({ email }, `203.0.113.${i}`)).resolves.toBeUndefined();
    await expect(requestPasswordReset({ email }, "203.0.113.99")).rejects.toMatchObject({
      kind: "rate_limited",
      message: "Too many emails asked for. For everyone's safety, try again in 60 minutes.",
    });
  }
  await expect.poll(() => mailbox().mails.filter((m) => m.to.includes("kim@reset.test")).length).toBe(5);
  expect(mailbox().mails.filter((m) => m.to.includes("nobody@reset.test"))).toEqual([]);
  // An hour on, the address may ask again.
  await expect(requestPasswordReset({ email: "kim@reset.test" }, "203.0.113.1", new Date(Date.now() + 61 * 60 * 1000))).resolves.toBeUndefined();
});

it("limits one client to 20 requests an hour, whichever addresses it asks for", async () => {
  for (let i = 0; i < 20; i++) await requestPasswordReset({ email: `spray-${i}@reset.test` }, "198.51.100.77");
  await expect(requestPasswordReset({ email: "spray-last@reset.test" }, "198.51.100.77")).rejects.toMatchObject({ kind: "rate_limited" });
  await expect(requestPasswordReset({ email: "spray-last@reset.test" }, "198.51.100.78")).resolves.toBeUndefined();
});

it("counts concurrent requests for one address before any mail goes: exactly 5 of 12 get through", async () => {
  const outcomes = await Promise.allSettled(Array.from({ length: 12 }, (_, i) => requestPasswordReset({ email: "burst@reset.test" }, `192.0.2.${100 + i}`)));
  expect(outcomes.filter((o) => o.status === "fulfilled")).toHaveLength(5);
});
