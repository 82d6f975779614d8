"use server";

import { redirect } from "next/navigation";
import { z } from "zod";
import { withPlatform } from "@/db/platform";
import { userForm } from "@/lib/edge/action";
import type { FormState } from "@/lib/forms";
import { createWorkspace, workspaceNameSchema } from "@/lib/workspace/workspaces";

export async function createWorkspaceAction(_prev: FormState, formData: FormData): Promise<FormState> {
  return userForm("/workspaces/new", formData, {
    input: z.object({ name: workspaceNameSchema }),
    run: (user, { name }) => withPlatform((tx) => createWorkspace({ tx, userId: user.id }, { name })),
    done: (workspace) => redirect(`/w/${workspace.slug}/inbox`),
  });
}
