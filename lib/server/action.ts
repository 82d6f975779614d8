import { notFound } from "next/navigation";
import { ForbiddenError, NotFoundError, RuleError } from "@/lib/workspace/access";
import type { FormState } from "@/lib/forms";

/**
 * Runs a domain call for a server action: a rule the person can fix becomes a form
 * error; a record outside the workspace, or a role that may not do this, becomes the
 * same 404 a page would answer. Anything else is a real failure and propagates.
 */
export async function runForForm<T>(
  work: () => Promise<T>,
  values: Record<string, string> = {},
): Promise<{ ok: true; value: T } | { ok: false; state: FormState }> {
  try {
    return { ok: true, value: await work() };
  } catch (error) {
    if (error instanceof RuleError) {
      return {
        ok: false,
        state: error.field
          ? { ok: false, fieldErrors: { [error.field]: [error.message] }, values }
          : { ok: false, message: error.message, values },
      };
    }
    if (error instanceof NotFoundError || error instanceof ForbiddenError) notFound();
    throw error;
  }
}
