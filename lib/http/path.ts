/**
 * Whether a raw (still percent-encoded) URL path has a segment that does not decode: `%ZZ`,
 * a lone `%`, or bytes that are not UTF-8 (`%E0%A4%A`). Next.js 16 answers such a path 500
 * when it matches a dynamic route (vercel/next.js#92557), so `proxy.ts` refuses it first.
 */
export function hasMalformedEncoding(pathname: string): boolean {
  return pathname.split("/").some((segment) => {
    try {
      decodeURIComponent(segment);
      return false;
    } catch {
      return true;
    }
  });
}

const sentence = "This address is not valid: its percent-encoding is malformed.";

/** The 400 for such a path: `{ error }` for the API, a sentence for a page. */
export function malformedPathResponse(pathname: string): Response {
  return pathname.startsWith("/api/")
    ? Response.json({ error: sentence }, { status: 400 })
    : new Response(sentence, { status: 400, headers: { "content-type": "text/plain; charset=utf-8" } });
}
