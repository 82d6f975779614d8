"use server";

import { redirect } from "next/navigation";
import { z } from "zod";
import { withPlatform } from "@/db/platform";
import { workspaceForm } from "@/lib/edge/action";
import type { FormState } from "@/lib/forms";
import { memberSchema, transferOwnership } from "@/lib/workspace/members";
import { deleteWorkspace, renameWorkspace, workspaceNameSchema } from "@/lib/workspace/workspaces";

export async function renameWorkspaceAction(slug: string, _prev: FormState, formData: FormData): Promise<FormState> {
  return workspaceForm(slug, "admin", formData, {
    input: z.object({ name: workspaceNameSchema }),
    run: ({ actor }, input) => withPlatform((tx) => renameWorkspace({ tx, actor }, input)),
    done: (_result, _input, values) => ({ ok: true, message: "Workspace renamed.", values }),
  });
}

export async function transferOwnershipAction(slug: string, _prev: FormState, formData: FormData): Promise<FormState> {
  return workspaceForm(slug, "owner", formData, {
    input: memberSchema,
    invalid: { ok: false, fieldErrors: { userId: ["Choose the member who will become the owner."] } },
    run: ({ inTenant }, input) => inTenant((ctx) => transferOwnership(ctx, input)),
    done: () => ({ ok: true, message: "Ownership transferred. You are now an admin of this workspace." }),
  });
}

export async function deleteWorkspaceAction(slug: string, _prev: FormState, formData: FormData): Promise<FormState> {
  return workspaceForm(slug, "owner", formData, {
    input: z.object({ confirmName: z.string() }),
    run: ({ actor }, input) => withPlatform((tx) => deleteWorkspace({ tx, actor }, input)),
    done: () => redirect("/"),
  });
}
