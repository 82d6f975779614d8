import { eq } from "drizzle-orm";
import { z } from "zod";
import { withPlatform } from "@/db/platform";
import { users } from "@/db/schema";
import { log } from "@/lib/log";
import { clientAddressHeader } from "@/lib/http/client-address";
import { passwordRules, verifyPassword } from "./password";
import { attemptSucceeded, reserveAttempt } from "./throttle";

export const emailSchema = z
  .string()
  .trim()
  .toLowerCase()
  .max(320, "That email address is too long.")
  .pipe(z.email("Enter a valid email address, like name@company.com."));

const credentialsSchema = z.object({
  email: emailSchema,
  password: z.string().min(1).max(passwordRules.max),
});

export type SignInOutcome =
  | { ok: true; userId: string }
  | { ok: false; reason: "invalid" }
  | { ok: false; reason: "throttled"; retryAt: Date };

/**
 * Email + password sign-in behind the brute-force throttle. Every refusal for a wrong
 * email or a wrong password looks the same to the caller.
 */
export async function authenticate(
  input: { email?: unknown; password?: unknown; ip: string },
  now = new Date(),
): Promise<SignInOutcome> {
  const email = typeof input.email === "string" ? input.email.trim().toLowerCase().slice(0, 320) : "";
  const attempt = { email, ip: input.ip.slice(0, 64) };

  const verdict = await withPlatform((tx) => reserveAttempt(tx, attempt, now));
  if (!verdict.allowed) {
    log.warn("sign_in_throttled", { ip: attempt.ip, retryAt: verdict.retryAt.toISOString() });
    return { ok: false, reason: "throttled", retryAt: verdict.retryAt };
  }

  const parsed = credentialsSchema.safeParse({ email: input.email, password: input.password });
  let userId: string | null = null;
  if (parsed.success) {
    const [user] = await withPlatform((tx) =>
      tx.select({ id: users.id, passwordHash: users.passwordHash }).from(users).where(eq(users.email, parsed.data.email)),
    );
    if (await verifyPassword(user?.passwordHash ?? null, parsed.data.password)) userId = user!.id;
  }

  if (userId === null) return { ok: false, reason: "invalid" };
  await withPlatform((tx) => attemptSucceeded(tx, verdict.attemptId));
  return { ok: true, userId };
}

/**
 * The client address for throttling: the one the server entry (server.ts) wrote from the
 * socket, never a header the client chose. Without the entry there is none, and every such
 * request shares the one bucket "unknown".
 */
export function clientIp(headers: Record<string, string | string[] | undefined> | Headers | undefined): string {
  const value = headers instanceof Headers ? headers.get(clientAddressHeader) : headers?.[clientAddressHeader];
  return (Array.isArray(value) ? value[0] : value)?.trim() || "unknown";
}
