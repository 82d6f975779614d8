"use server";

import { redirect } from "next/navigation";
import { z } from "zod";
import { withPlatform } from "@/db/platform";
import { assertSameOrigin } from "@/lib/auth/origin";
import { requireUser } from "@/lib/auth/session";
import { formValues, invalidForm, type FormState } from "@/lib/forms";
import { createWorkspace, workspaceNameSchema } from "@/lib/workspace/workspaces";

export async function createWorkspaceAction(_prev: FormState, formData: FormData): Promise<FormState> {
  await assertSameOrigin();
  const user = await requireUser("/workspaces/new");
  const parsed = z.object({ name: workspaceNameSchema }).safeParse(Object.fromEntries(formData));
  if (!parsed.success) return invalidForm(parsed.error, formValues(formData));
  const workspace = await withPlatform((tx) => createWorkspace(tx, user.id, parsed.data.name));
  redirect(`/w/${workspace.slug}/inbox`);
}
