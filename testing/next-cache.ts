/**
 * A stand-in for `next/cache`, whose revalidation needs a running Next server. Install
 * with `vi.mock("next/cache", () => import("@/testing/next-cache"))`.
 */
export function revalidatePath(): void {}
