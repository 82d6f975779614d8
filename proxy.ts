import { NextResponse, type NextRequest } from "next/server";
import { hasMalformedEncoding, malformedPathResponse } from "@/lib/http/path";

/** Refuses paths whose percent-encoding does not decode, before Next.js matches a route. */
export function proxy(request: NextRequest) {
  const pathname = new URL(request.url).pathname;
  return hasMalformedEncoding(pathname) ? malformedPathResponse(pathname) : NextResponse.next();
}

export const config = {
  // Only paths with a `%` can be malformed; no route of ours needs one, so nothing else pays for this.
  matcher: ["/(.*%.*)"],
};
