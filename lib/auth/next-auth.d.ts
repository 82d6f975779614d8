import "next-auth";

declare module "next-auth" {
  /** The session carries only the user's id; everything else is read from the database. */
  interface Session {
    user: { id: string };
  }
}
