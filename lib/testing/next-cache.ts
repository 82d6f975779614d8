/**
 * A stand-in for `next/cache`, whose revalidation needs a running Next server. Install
 * with `vi.mock("next/cache", () => import("@/lib/testing/next-cache"))`; it records the
 * paths an action asked to refresh.
 */
export const revalidated: string[] = [];

export function revalidatePath(path: string): void {
  revalidated.push(path);
}

export function revalidateTag(): void {}

export function refresh(): void {}
