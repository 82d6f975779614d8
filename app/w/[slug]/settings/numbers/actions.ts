"use server";

import { revalidatePath } from "next/cache";
import { requireWorkspaceAction } from "@/lib/edge/workspace-access";
import { formValues, invalidForm, type FormState } from "@/lib/forms";
import { runForForm } from "@/lib/server/action";
import {
  addNumber,
  addNumberSchema,
  checkNumber,
  checkNumberSchema,
  removeNumber,
  removeNumberSchema,
  updateNumber,
  updateNumberSchema,
  type CheckOutcome,
} from "@/lib/workspace/numbers";

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
  const outcome = await runForForm(() => updateNumber(access, parsed.data), values);
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

const checkMessages: Record<CheckOutcome, FormState> = {
  verified: { ok: true, message: "Meta confirms this number is yours; messages to it arrive here." },
  lost: { ok: false, message: "Meta no longer confirms this number with its token. Its messages wait, unrouted, until a token proves it again." },
  token_rejected: { ok: false, message: "Meta rejected the access token. Paste a new one under Edit." },
  unreachable: { ok: false, message: "Switchboard could not reach WhatsApp. Nothing was changed; try again in a minute." },
  sandbox: { ok: true, message: "A sandbox number has nothing to check with Meta." },
};

export async function checkNumberAction(slug: string, _prev: FormState, formData: FormData): Promise<FormState> {
  const access = await requireWorkspaceAction(slug, "admin");
  const parsed = checkNumberSchema.safeParse(Object.fromEntries(formData));
  if (!parsed.success) return { ok: false, message: "Choose a number to check." };
  const outcome = await runForForm(() => checkNumber(access, parsed.data));
  if (!outcome.ok) return outcome.state;
  revalidatePath(`/w/${access.workspace.slug}`, "layout");
  return checkMessages[outcome.value];
}
