"use client";

import { ActionForm } from "@/components/forms/action-form";
import { Field } from "@/components/ui/field";
import { SubmitButton } from "@/components/ui/submit-button";
import type { FormState } from "@/lib/forms";

export function CreateWorkspaceForm({ action }: { action: (prev: FormState, formData: FormData) => Promise<FormState> }) {
  return (
    <ActionForm action={action}>
      {(state) => (
        <>
          <Field
            label="Workspace name"
            name="name"
            autoComplete="organization"
            hint="Usually your company or team. You can change it later."
            defaultValue={state.values?.name}
            errors={state.fieldErrors?.name}
            required
          />
          <SubmitButton pendingLabel="Creating…" className="w-full">
            Create workspace
          </SubmitButton>
        </>
      )}
    </ActionForm>
  );
}
