import NextAuth from "next-auth";
import { NextRequest } from "next/server";
import { authOptions } from "@/lib/auth/options";
import { refuseCrossOrigin } from "@/lib/auth/origin";
import { cappedBody } from "@/lib/http/body";

export const dynamic = "force-dynamic";

type Context = { params: Promise<{ nextauth: string[] }> };

export async function GET(request: Request, context: Context) {
  return NextAuth(request as never, context as never, authOptions());
}

/**
 * Sign-in and sign-out: next-auth's CSRF token, and before it, a same-site check and a
 * body capped while it is read (next-auth itself would read and parse any size).
 */
export async function POST(request: Request, context: Context) {
  const refused = refuseCrossOrigin(request);
  if (refused) return refused;
  const body = await cappedBody(request);
  if (body instanceof Response) return body;
  const bounded = new NextRequest(request.url, { method: "POST", headers: request.headers, body: new Uint8Array(body) });
  return NextAuth(bounded as never, context as never, authOptions());
}
