/**
 * The path and query of the page being requested, handed from `proxy.ts` to the page
 * as a request header: server components are not told their URL, and a sign-in redirect
 * needs it to bring the user back to the exact conversation they opened.
 */
export const requestPathHeader = "x-switchboard-request-path";

/** Next's router marks its own fetches with `_rsc`; it is no part of the page's address. */
export function requestPathOf(url: URL): string {
  const query = new URLSearchParams(url.search);
  query.delete("_rsc");
  return query.size > 0 ? `${url.pathname}?${query}` : url.pathname;
}
