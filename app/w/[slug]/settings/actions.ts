"use server";

import { revalidatePath } from "next/cache";
import { redirect } from "next/navigation";
import { z } from "zod";
import { withPlatform } from "@/db/platform";
import { withTenant } from "@/db/tenant";
import { requireWorkspaceAction } from "@/lib/edge/workspace-access";
import { formValues, invalidForm, type FormState } from "@/lib/forms";
import { runForForm } from "@/lib/server/action";
import { memberSchema, transferOwnership } from "@/lib/workspace/members";
import { deleteWorkspace, renameWorkspace, workspaceNameSchema } from "@/lib/workspace/workspaces";

export async function renameWorkspaceAction(slug: string, _prev: FormState, formData: FormData): Promise<FormState> {
  const access = await requireWorkspaceAction(slug, "admin");
  const values = formValues(formData);
  const parsed = z.object({ name: workspaceNameSchema }).safeParse(Object.fromEntries(formData));
  if (!parsed.success) return invalidForm(parsed.error, values);
  const outcome = await runForForm(() => withPlatform((tx) => renameWorkspace(tx, access, parsed.data)), values);
  if (!outcome.ok) return outcome.state;
  revalidatePath(`/w/${access.workspace.slug}`, "layout");
  return { ok: true, message: "Workspace renamed.", values };
}

export async function transferOwnershipAction(slug: string, _prev: FormState, formData: FormData): Promise<FormState> {
  const access = await requireWorkspaceAction(slug, "owner");
  const values = formValues(formData);
  const parsed = memberSchema.safeParse(Object.fromEntries(formData));
  if (!parsed.success) return { ok: false, fieldErrors: { userId: ["Choose the member who will become the owner."] }, values };
  const outcome = await runForForm(() => withTenant(access.tenantId, (tx) => transferOwnership(tx, access, parsed.data)), values);
  if (!outcome.ok) return outcome.state;
  revalidatePath(`/w/${access.workspace.slug}`, "layout");
  return { ok: true, message: "Ownership transferred. You are now an admin of this workspace." };
}

export async function deleteWorkspaceAction(slug: string, _prev: FormState, formData: FormData): Promise<FormState> {
  const access = await requireWorkspaceAction(slug, "owner");
  const values = formValues(formData);
  const parsed = z.object({ confirmName: z.string() }).safeParse(Object.fromEntries(formData));
  if (!parsed.success) return invalidForm(parsed.error, values);
  const outcome = await runForForm(() => withPlatform((tx) => deleteWorkspace(tx, access, parsed.data)), values);
  if (!outcome.ok) return outcome.state;
  redirect("/");
}
