import NextAuth from "next-auth";
import { authOptions } from "@/lib/auth/options";
import { refuseCrossOrigin } from "@/lib/auth/origin";

export const dynamic = "force-dynamic";

type Context = { params: Promise<{ nextauth: string[] }> };

export async function GET(request: Request, context: Context) {
  return NextAuth(request as never, context as never, authOptions());
}

/** Sign-in and sign-out: next-auth's CSRF token, and before it, a same-site check. */
export async function POST(request: Request, context: Context) {
  return refuseCrossOrigin(request) ?? NextAuth(request as never, context as never, authOptions());
}
