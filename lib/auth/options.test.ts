import NextAuth from "next-auth";
import { decode } from "next-auth/jwt";
import { expect, it } from "vitest";
import { env } from "@/lib/config/env";
import { sessionToken } from "@/testing/next-request";
import { authOptions, sessionCookie } from "./options";
import { signUp } from "@/lib/workspace/signup";

const userId = "5b1a0d1e-6c2f-4d43-9a5e-0f4b7b0c1d2e";

it("puts only the user id and the sign-in time in the session token, whatever next-auth offers", async () => {
  const { jwt, session } = authOptions().callbacks!;
  const token = await jwt!({
    token: { sub: userId, name: "Ana", email: "ana@example.test", picture: "x" },
    user: { id: userId, name: "Ana", email: "ana@example.test" },
    account: null,
  });
  expect(token).toEqual({ sub: userId, authAt: expect.any(Number) });
  // Refreshing the token keeps when the session began, so ending sessions still catches it.
  expect(await jwt!({ token: { sub: userId, authAt: 1700000000000, role: "owner" }, user: undefined as never, account: null })).toEqual({ sub: userId, authAt: 1700000000000 });
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

/**
 * A next-auth request through its Node API signature `NextAuth(req, res, options)`, the same
 * core our route calls; `res` collects what would be sent.
 */
async function nextAuth(nextauth: string[], req: { method: string; body?: Record<string, string>; cookies?: Record<string, string> }) {
  const sent = { status: 200, setCookie: [] as string[], body: undefined as unknown };
  const res = {
    status: (code: number) => ((sent.status = code), res),
    getHeader: (name: string) => (name.toLowerCase() === "set-cookie" ? sent.setCookie : undefined),
    setHeader: (name: string, value: string | string[]) => {
      if (name.toLowerCase() === "set-cookie") sent.setCookie = ([] as string[]).concat(value);
      return res;
    },
    send: (body: unknown) => void (sent.body = body),
    json: (body: unknown) => void (sent.body = body),
    end: () => undefined,
  };
  await NextAuth({ ...req, query: { nextauth }, headers: { host: new URL(env().APP_URL).host }, cookies: req.cookies ?? {} } as never, res as never, authOptions());
  const cookies = Object.fromEntries(
    sent.setCookie.map((c) => {
      const [name, value] = c.split(";")[0]!.split(/=(.*)/s);
      return [name!, decodeURIComponent(value!)];
    }),
  );
  return { ...sent, cookies };
}

it("issues session tokens that expire with the session, after 14 days, not next-auth's default 30", async () => {
  await signUp({ name: "Tess", email: "tess@options.test", password: "tess-password-1", workspaceName: "Tess Co" });
  const csrf = await nextAuth(["csrf"], { method: "GET" });
  const { csrfToken } = csrf.body as { csrfToken: string };
  const signedIn = await nextAuth(["callback", "credentials"], {
    method: "POST",
    body: { csrfToken, email: "tess@options.test", password: "tess-password-1", json: "true" },
    cookies: csrf.cookies,
  });
  const issued = signedIn.cookies[sessionCookie().name];
  expect(issued, JSON.stringify(signedIn)).toBeDefined();
  const token = await decode({ token: issued!, secret: env().AUTH_SECRET });
  const fourteenDays = 14 * 24 * 60 * 60;
  const lifetime = Number(token!.exp) - Number(token!.iat);
  expect(lifetime).toBeGreaterThanOrEqual(fourteenDays - 5);
  expect(lifetime).toBeLessThanOrEqual(fourteenDays);
});
