import { decode } from "next-auth/jwt";
import { expect, it } from "vitest";
import { env } from "@/lib/config/env";
import { sessionToken } from "@/lib/testing/next-request";
import { authOptions, sessionCookie } from "./options";

const userId = "5b1a0d1e-6c2f-4d43-9a5e-0f4b7b0c1d2e";

it("puts only the user id in the session token, whatever next-auth offers", async () => {
  const { jwt, session } = authOptions().callbacks!;
  const token = await jwt!({
    token: { sub: userId, name: "Ana", email: "ana@example.test", picture: "x" },
    user: { id: userId, name: "Ana", email: "ana@example.test" },
    account: null,
  });
  expect(token).toEqual({ sub: userId });
  expect(await jwt!({ token: { sub: userId, role: "owner" }, user: undefined as never, account: null })).toEqual({ sub: userId });
  const shown = await session!({ session: { expires: "2030-01-01T00:00:00.000Z", user: { id: "" } }, token: { sub: userId }, user: undefined as never, newSession: undefined, trigger: "update" });
  expect(shown).toEqual({ expires: "2030-01-01T00:00:00.000Z", user: { id: userId } });
});

it("signs tokens with AUTH_SECRET from the validated environment, and nothing else opens them", async () => {
  expect(authOptions().secret).toBe(env().AUTH_SECRET);
  const token = await sessionToken(userId);
  expect(await decode({ token, secret: env().AUTH_SECRET })).toMatchObject({ sub: userId });
  await expect(decode({ token, secret: "another-secret-another-secret-another" })).rejects.toThrow();
});

it("keeps the session cookie away from scripts and other sites", () => {
  expect(sessionCookie()).toEqual({
    name: "next-auth.session-token",
    options: { httpOnly: true, sameSite: "lax", path: "/", secure: false },
  });
});
