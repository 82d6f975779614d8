"use client";

import { ActionForm } from "@/components/forms/action-form";
import { Field } from "@/components/ui/field";
import { SubmitButton } from "@/components/ui/submit-button";
import type { FormState } from "@/lib/forms";

type Action = (prev: FormState, formData: FormData) => Promise<FormState>;

export function RenameWorkspaceForm({ action, name }: { action: Action; name: string }) {
  return (
    <ActionForm action={action}>
      {(state) => (
        <div className="flex flex-wrap items-end gap-3">
          <Field idPrefix="rename" label="Workspace name" name="name" defaultValue={state.values?.name ?? name} errors={state.fieldErrors?.name} className="min-w-64 flex-1" required />
          <SubmitButton pendingLabel="Saving…">Save</SubmitButton>
        </div>
      )}
    </ActionForm>
  );
}

export function TransferOwnershipForm({ action, members }: { action: Action; members: { userId: string; name: string; email: string }[] }) {
  if (members.length === 0) {
    return <p className="text-sm text-slate-500 dark:text-slate-400">Invite someone first: ownership can only go to another member.</p>;
  }
  return (
    <ActionForm action={action}>
      {(state) => (
        <div className="flex flex-wrap items-end gap-3">
          <Field
            idPrefix="transfer"
            label="New owner"
            name="userId"
            defaultValue={state.values?.userId}
            errors={state.fieldErrors?.userId}
            options={members.map((m) => ({ value: m.userId, label: `${m.name} (${m.email})` }))}
            className="min-w-64 flex-1"
          />
          <SubmitButton variant="secondary" pendingLabel="Transferring…">
            Transfer ownership
          </SubmitButton>
        </div>
      )}
    </ActionForm>
  );
}

export function DeleteWorkspaceForm({ action, name }: { action: Action; name: string }) {
  return (
    <ActionForm action={action}>
      {(state) => (
        <div className="flex flex-wrap items-end gap-3">
          <Field
            idPrefix="delete"
            label={`Type ${name} to confirm`}
            name="confirmName"
            autoComplete="off"
            defaultValue={state.values?.confirmName}
            errors={state.fieldErrors?.confirmName}
            className="min-w-64 flex-1"
            required
          />
          <SubmitButton variant="danger" pendingLabel="Deleting…">
            Delete workspace
          </SubmitButton>
        </div>
      )}
    </ActionForm>
  );
}
