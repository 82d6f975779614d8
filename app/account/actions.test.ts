import { expect, it, vi } from "vitest";
import { authenticate } from "@/lib/auth/credentials";
import { currentUser } from "@/lib/auth/session";
import { signUp } from "@/lib/workspace/signup";
import { expectRedirect } from "@/testing/expect-next";
import { actAs, currentSessionCookie, holdSessionToken, sessionToken } from "@/testing/next-request";
import { changePasswordAction, signOutEverywhereAction } from "./actions";

vi.mock("next/headers", () => import("@/testing/next-request"));

function form(fields: Record<string, string> = {}) {
  const data = new FormData();
  for (const [name, value] of Object.entries(fields)) data.set(name, value);
  return data;
}

const minuteAgo = () => new Date(Date.now() - 60_000);

it("a password change keeps this browser signed in and signs out every other device on its next request", async () => {
  const { user } = await signUp({ name: "Cleo", email: "cleo@account.test", password: "cleo-password-1", workspaceName: "Cleo Co" });
  const laptop = await sessionToken(user.id, minuteAgo());
  await actAs(user.id);
  holdSessionToken(await sessionToken(user.id, minuteAgo()));

  expect(await changePasswordAction({}, form({ currentPassword: "cleo-password-1", newPassword: "cleo-password-2" }))).toEqual({
    ok: true,
    message: "Your password is changed. Every other device that was signed in is signed out.",
  });
  expect(await currentUser()).toMatchObject({ id: user.id });
  const here = currentSessionCookie()!;

  holdSessionToken(laptop);
  expect(await currentUser()).toBeNull();
  holdSessionToken(here);
  expect(await currentUser()).toMatchObject({ id: user.id });
  expect(await authenticate({ email: "cleo@account.test", password: "cleo-password-2", ip: "192.0.2.30" })).toMatchObject({ ok: true });
});

it("refuses a wrong current password beside its field, and changes nothing", async () => {
  const { user } = await signUp({ name: "Dan", email: "dan@account.test", password: "dan-password-1", workspaceName: "Dan Co" });
  await actAs(user.id);
  const other = await sessionToken(user.id, minuteAgo());
  const state = await changePasswordAction({}, form({ currentPassword: "guess-password", newPassword: "dan-password-2" }));
  expect(state).toMatchObject({ ok: false, fieldErrors: { currentPassword: ["That is not your current password. Type it again, or sign out and reset it."] } });
  expect(JSON.stringify(state)).not.toContain("dan-password-2");
  holdSessionToken(other);
  expect(await currentUser()).toMatchObject({ id: user.id });
  expect(await authenticate({ email: "dan@account.test", password: "dan-password-1", ip: "192.0.2.31" })).toMatchObject({ ok: true });
});

it("sign out everywhere ends every session, this browser's too, and leads to sign-in", async () => {
  const { user } = await signUp({ name: "Eve", email: "eve@account.test", password: "eve-password-1", workspaceName: "Eve Co" });
  const phone = await sessionToken(user.id, minuteAgo());
  await actAs(user.id);
  holdSessionToken(await sessionToken(user.id, minuteAgo()));
  await expectRedirect(() => signOutEverywhereAction({}, form()), "/sign-in");
  expect(currentSessionCookie()).toBeUndefined();
  holdSessionToken(phone);
  expect(await currentUser()).toBeNull();
  // Signing in again afterwards starts a session that works.
  holdSessionToken(await sessionToken(user.id));
  expect(await currentUser()).toMatchObject({ id: user.id });
});

it("turns away a signed-out caller and another site's request", async () => {
  await actAs(null);
  await expectRedirect(() => signOutEverywhereAction({}, form()), "/sign-in?callbackUrl=%2Faccount");
  const { user } = await signUp({ name: "Fin", email: "fin@account.test", password: "fin-password-1", workspaceName: "Fin Co" });
  await actAs(user.id, { origin: "https://evil.example" });
  await expect(signOutEverywhereAction({}, form())).rejects.toMatchObject({ kind: "cross_site" });
  await actAs(user.id);
  expect(await currentUser()).toMatchObject({ id: user.id });
});
