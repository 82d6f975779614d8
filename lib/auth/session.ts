import { eq } from "drizzle-orm";
import { decode, encode, type JWT } from "next-auth/jwt";
import { cookies } from "next/headers";
import { redirect } from "next/navigation";
import { cache } from "react";
import { z } from "zod";
import { withPlatform } from "@/db/platform";
import { users } from "@/db/schema";
import { env } from "@/lib/config/env";
import { sessionCookie, sessionMaxAgeSeconds } from "./options";
import { safeReturnPath } from "./return-path";

export type SessionUser = { id: string; email: string; name: string; emailVerified: boolean };

/**
 * When the token's session began: the sign-in time next-auth's callback stored (`authAt`, ms),
 * or, for a token issued before it did, the token's own issue time.
 */
function signedInAt(token: JWT): number {
  if (typeof token.authAt === "number") return token.authAt;
  return typeof token.iat === "number" ? token.iat * 1000 : 0;
}

/** Whether a session token began after the user last ended their sessions. */
export function sessionStillValid(token: JWT, tokensValidAfter: Date | null): boolean {
  return tokensValidAfter === null || signedInAt(token) >= tokensValidAfter.getTime();
}

/**
 * The signed-in user, or null. Once per request (React `cache`): next-auth's session
 * token gives only the user id and when they signed in (decoded and checked, expiry included,
 * by next-auth), and the user is read from the database, so a deleted account, or a session
 * begun before the user signed out everywhere or changed their password, counts as signed out.
 */
export const currentUser = cache(async (): Promise<SessionUser | null> => {
  const raw = (await cookies()).get(sessionCookie().name)?.value;
  const token = raw ? await decode({ token: raw, secret: env().AUTH_SECRET }).catch(() => null) : null;
  const userId = z.uuid().safeParse(token?.sub);
  if (!token || !userId.success) return null;
  const [user] = await withPlatform((tx) =>
    tx
      .select({ id: users.id, email: users.email, name: users.name, verifiedAt: users.emailVerifiedAt, tokensValidAfter: users.tokensValidAfter })
      .from(users)
      .where(eq(users.id, userId.data)),
  );
  if (!user || !sessionStillValid(token, user.tokensValidAfter)) return null;
  return { id: user.id, email: user.email, name: user.name, emailVerified: user.verifiedAt !== null };
});

/**
 * This browser's session goes on after the user ended their other sessions at `authAt`: a
 * new token dated then, in the cookie next-auth reads.
 */
export async function renewSession(userId: string, authAt: Date): Promise<void> {
  const cookie = sessionCookie();
  const token = await encode({ token: { sub: userId, authAt: authAt.getTime() }, secret: env().AUTH_SECRET, maxAge: sessionMaxAgeSeconds });
  (await cookies()).set(cookie.name, token, { ...cookie.options, maxAge: sessionMaxAgeSeconds });
}

/** This browser is signed out (its token is refused anyway; the cookie goes too). */
export async function dropSessionCookie(): Promise<void> {
  (await cookies()).delete(sessionCookie().name);
}

/** The sign-in page, sending the user back to `returnTo` afterwards when it is a path on this site. */
export function signInPath(returnTo?: string, options: { email?: string } = {}): string {
  const query = new URLSearchParams();
  const path = safeReturnPath(returnTo, env().APP_URL);
  if (path) query.set("callbackUrl", path);
  if (options.email) query.set("email", options.email);
  return query.size > 0 ? `/sign-in?${query}` : "/sign-in";
}

/** The signed-in user; anyone else is sent to sign in (and back to `returnTo` afterwards). */
export async function requireUser(returnTo?: string): Promise<SessionUser> {
  const user = await currentUser();
  if (!user) redirect(signInPath(returnTo));
  return user;
}
