import { expect } from "vitest";

/** What Next's `notFound()` and `redirect()` throw, identified the way Next itself does. */
function digestOf(error: unknown): string {
  return typeof (error as { digest?: unknown })?.digest === "string" ? (error as { digest: string }).digest : "";
}

/** The call answered 404 (Next's `notFound()`), the same as for a page that does not exist. */
export async function expectNotFound(work: () => Promise<unknown>): Promise<void> {
  const error = await work().then(
    () => new Error("expected a 404, but the call succeeded"),
    (e: unknown) => e,
  );
  expect(digestOf(error), String(error)).toBe("NEXT_HTTP_ERROR_FALLBACK;404");
}

/** The call redirected (to `location`, when given). */
export async function expectRedirect(work: () => Promise<unknown>, location?: string): Promise<void> {
  const error = await work().then(
    () => new Error("expected a redirect, but the call succeeded"),
    (e: unknown) => e,
  );
  const digest = digestOf(error);
  expect(digest.startsWith("NEXT_REDIRECT"), String(error)).toBe(true);
  if (location) expect(digest.split(";")[2]).toBe(location);
}

export function formData(fields: Record<string, string>): FormData {
  const data = new FormData();
  for (const [key, value] of Object.entries(fields)) data.set(key, value);
  return data;
}

/**
 * Everything a page hands to rendering, as text: what React would serialize into the
 * HTML and the RSC payload. Client component props (the data) are included.
 */
export function rendered(tree: unknown): string {
  const seen = new WeakSet<object>();
  return JSON.stringify(tree, (_key, value: unknown) => {
    if (typeof value === "function" || typeof value === "symbol") return undefined;
    if (value && typeof value === "object") {
      if (seen.has(value)) return undefined;
      seen.add(value);
    }
    return value;
  });
}
