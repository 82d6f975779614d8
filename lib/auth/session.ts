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

/** Only same-site paths may be returned to after sign-in, never another site. */
export function safeReturnPath(value: unknown): string | null {
  if (typeof value !== "string" || !value.startsWith("/") || value.startsWith("//") || value.includes("\\")) return null;
  return value;
}

export function signInPath(returnTo?: string): string {
  const path = safeReturnPath(returnTo);
  return path ? `/sign-in?callbackUrl=${encodeURIComponent(path)}` : "/sign-in";
}

/** The signed-in user; anyone else is sent to sign in (and back to `returnTo` afterwards). */
export async function requireUser(returnTo?: string): Promise<SessionUser> {
  const user = await currentUser();
  if (!user) redirect(signInPath(returnTo));
  return user;
}
