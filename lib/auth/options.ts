import type { AuthOptions } from "next-auth";
import Credentials from "next-auth/providers/credentials";
import { env } from "@/lib/config/env";
import { log } from "@/lib/log";
import { authenticate, clientIp } from "./credentials";
import { safeReturnPath } from "./return-path";
import { throttleMessage } from "./throttle";

export const sessionMaxAgeSeconds = 14 * 24 * 60 * 60;

/** The session cookie, named here so the server can read it without a second copy of the rule. */
export function sessionCookie() {
  const secure = env().APP_URL.startsWith("https://");
  return {
    name: `${secure ? "__Secure-" : ""}next-auth.session-token`,
    options: { httpOnly: true, sameSite: "lax" as const, path: "/", secure },
  };
}

/**
 * next-auth configuration, built on first use so `next build` never needs AUTH_SECRET.
 * The session is a JWT holding only the user id (`sub`) and when they signed in: who a user is in a workspace,
 * and whether they still are, is read from the database on every request.
 */
export function authOptions(): AuthOptions {
  const config = env();
  return {
    secret: config.AUTH_SECRET,
    session: { strategy: "jwt", maxAge: sessionMaxAgeSeconds },
    // next-auth's token lifetime is its own setting (30 days unless set): a token must not outlive its session.
    jwt: { maxAge: sessionMaxAgeSeconds },
    useSecureCookies: config.APP_URL.startsWith("https://"),
    cookies: { sessionToken: sessionCookie() },
    pages: { signIn: "/sign-in", error: "/sign-in" },
    providers: [
      Credentials({
        name: "Email and password",
        credentials: {
          email: { label: "Email", type: "email" },
          password: { label: "Password", type: "password" },
        },
        async authorize(credentials, req) {
          const outcome = await authenticate({
            email: credentials?.email,
            password: credentials?.password,
            ip: clientIp(req.headers),
          });
          if (outcome.ok) return { id: outcome.userId };
          // next-auth hands a thrown message to the sign-in form; null becomes a generic refusal.
          if (outcome.reason === "throttled") throw new Error(throttleMessage(outcome.retryAt));
          return null;
        },
      }),
    ],
    callbacks: {
      // The sign-in time rides along, so ending a user's sessions can refuse every token begun before.
      jwt: ({ token, user }) => (user ? { sub: user.id, authAt: Date.now() } : { sub: token.sub, authAt: token.authAt }),
      session: ({ session, token }) => ({ expires: session.expires, user: { id: token.sub ?? "" } }),
      // One rule for every return target (lib/auth/return-path.ts), resolved against APP_URL rather than
      // the origin next-auth guesses from the request; next-auth's own rule throws on what it cannot parse.
      redirect: ({ url }) => new URL(safeReturnPath(url, config.APP_URL) ?? "/", config.APP_URL).toString(),
    },
    logger: {
      error: (code, metadata) => log.error("auth_error", { code, error: metadata instanceof Error ? metadata : undefined }),
      warn: (code) => {
        // The site's URL comes from APP_URL and is never needed by next-auth itself here.
        if (code !== "NEXTAUTH_URL") log.warn("auth_warning", { code });
      },
      debug: () => {},
    },
  };
}
