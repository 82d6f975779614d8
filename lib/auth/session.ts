import { eq } from "drizzle-orm";
import { decode } from "next-auth/jwt";
import { cookies } from "next/headers";
import { redirect } from "next/navigation";
import { cache } from "react";
import { z } from "zod";
import { withPlatform } from "@/db/platform";
import { users } from "@/db/schema";
import { env } from "@/lib/config/env";
import { sessionCookie } from "./options";
import { safeReturnPath } from "./return-path";

export type SessionUser = { id: string; email: string; name: string };

/**
 * The signed-in user, or null. Once per request (React `cache`): next-auth's session
 * token gives only the user id (decoded and checked, expiry included, by next-auth), and
 * the user is read from the database, so a deleted account counts as signed out.
 */
export const currentUser = cache(async (): Promise<SessionUser | null> => {
  const raw = (await cookies()).get(sessionCookie().name)?.value;
  const token = raw ? await decode({ token: raw, secret: env().AUTH_SECRET }).catch(() => null) : null;
  const userId = z.uuid().safeParse(token?.sub);
  if (!userId.success) return null;
  const [user] = await withPlatform((tx) =>
    tx.select({ id: users.id, email: users.email, name: users.name }).from(users).where(eq(users.id, userId.data)),
  );
  return user ?? null;
});

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
