import { z } from "zod";

/**
 * What a form's server action answers: per-field errors shown beside the fields, a
 * message above the form, and the values typed (never passwords or tokens) so a
 * refused form keeps them.
 */
export type FormState = {
  ok?: boolean;
  message?: string;
  fieldErrors?: Record<string, string[] | undefined>;
  values?: Record<string, string>;
  /** Something the form shows once on success, e.g. an invitation link. */
  result?: Record<string, string>;
};

/** The form's text fields, minus those that must never be echoed back. */
export function formValues(formData: FormData, secretFields: string[] = []): Record<string, string> {
  const values: Record<string, string> = {};
  for (const [key, value] of formData.entries()) {
    if (typeof value === "string" && !key.startsWith("$") && !secretFields.includes(key)) values[key] = value;
  }
  return values;
}

export function invalidForm(error: z.ZodError, values: Record<string, string>): FormState {
  return {
    ok: false,
    message: "Please correct the highlighted fields.",
    fieldErrors: z.flattenError(error).fieldErrors as Record<string, string[]>,
    values,
  };
}
