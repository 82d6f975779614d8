import "next-auth";

declare module "next-auth" {
  /** The session carries only the user's id; everything else is read from the database. */
  interface Session {
    user: { id: string };
  }
}

declare module "next-auth/jwt" {
  /** The user's id, and when they signed in (ms), checked against their "tokens valid after" time. */
  interface JWT {
    authAt?: number;
  }
}
