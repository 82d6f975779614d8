"use server";

import { revalidatePath } from "next/cache";
import { withTenant } from "@/db/tenant";
import { requireWorkspaceAction } from "@/lib/auth/workspace";
import { formValues, invalidForm, type FormState } from "@/lib/forms";
import { runForForm } from "@/lib/server/action";
import { addNumber, addNumberSchema, removeNumber, removeNumberSchema, updateNumber, updateNumberSchema } from "@/lib/workspace/numbers";

const secret = ["accessToken"];

export async function addNumberAction(slug: string, _prev: FormState, formData: FormData): Promise<FormState> {
  const access = await requireWorkspaceAction(slug, "admin");
  const values = formValues(formData, secret);
  const parsed = addNumberSchema.safeParse(Object.fromEntries(formData));
  if (!parsed.success) return invalidForm(parsed.error, values);
  const outcome = await runForForm(() => addNumber(access, parsed.data), values);
  if (!outcome.ok) return outcome.state;
  revalidatePath(`/w/${access.workspace.slug}`, "layout");
  return { ok: true, message: `${outcome.value.label} (${outcome.value.displayNumber}) is connected.` };
}

export async function updateNumberAction(slug: string, _prev: FormState, formData: FormData): Promise<FormState> {
  const access = await requireWorkspaceAction(slug, "admin");
  const values = formValues(formData, secret);
  const parsed = updateNumberSchema.safeParse(Object.fromEntries(formData));
  if (!parsed.success) return invalidForm(parsed.error, values);
  const outcome = await runForForm(() => withTenant(access.tenantId, (tx) => updateNumber(tx, access, parsed.data)), values);
  if (!outcome.ok) return outcome.state;
  revalidatePath(`/w/${access.workspace.slug}`, "layout");
  return { ok: true, message: "Changes saved.", values };
}

export async function removeNumberAction(slug: string, _prev: FormState, formData: FormData): Promise<FormState> {
  const access = await requireWorkspaceAction(slug, "admin");
  const parsed = removeNumberSchema.safeParse(Object.fromEntries(formData));
  if (!parsed.success) return { ok: false, message: "Choose a number to remove." };
  const outcome = await runForForm(() => removeNumber(access, parsed.data));
  if (!outcome.ok) return outcome.state;
  revalidatePath(`/w/${access.workspace.slug}`, "layout");
  return { ok: true, message: "Number removed." };
}
