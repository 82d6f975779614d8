"use client";

import { ActionForm } from "@/components/forms/action-form";
import { CopyField } from "@/components/ui/copy-button";
import { Field } from "@/components/ui/field";
import { SubmitButton } from "@/components/ui/submit-button";
import { roleLabels, type Role } from "@/lib/workspace/roles";
import type { FormState } from "@/lib/forms";

type Action = (prev: FormState, formData: FormData) => Promise<FormState>;

export function InviteForm({ action }: { action: Action }) {
  return (
    <ActionForm action={action}>
      {(state) => (
        <>
          <div className="grid gap-4 sm:grid-cols-[1fr_12rem]">
            <Field
              idPrefix="invite"
              label="Email address"
              name="email"
              type="email"
              autoComplete="off"
              placeholder="teammate@company.com"
              defaultValue={state.ok ? "" : state.values?.email}
              errors={state.fieldErrors?.email}
              required
            />
            <Field
              idPrefix="invite"
              label="Role"
              name="role"
              defaultValue={state.ok ? "agent" : (state.values?.role ?? "agent")}
              errors={state.fieldErrors?.role}
              options={[
                { value: "agent", label: "Agent: the inbox" },
                { value: "admin", label: "Admin: numbers, members, settings" },
              ]}
            />
          </div>
          <div className="flex justify-end">
            <SubmitButton pendingLabel="Sending…">Send invitation</SubmitButton>
          </div>
          {state.ok && state.result?.link ? (
            <div className="rounded-lg border border-emerald-200 bg-emerald-50 p-4 dark:border-emerald-900 dark:bg-emerald-950/50" role="status">
              <CopyField
                id="invitation-link"
                label={`Invitation link for ${state.result.email}`}
                value={state.result.link}
                hint={
                  state.result.mailed === "yes"
                    ? `We mailed this link to ${state.result.email}. You can also pass it on yourself: it works once, for 7 days, and is not shown again.`
                    : `The mail to ${state.result.email} could not be sent: send them this link yourself. It works once, for 7 days, and is not shown again.`
                }
              />
            </div>
          ) : null}
        </>
      )}
    </ActionForm>
  );
}

export function RoleForm({ action, userId, name, role, choices }: { action: Action; userId: string; name: string; role: Role; choices: Role[] }) {
  return (
    <ActionForm action={action} className="flex flex-col gap-2">
      {(state) => (
        <div className="flex items-end gap-2">
          <input type="hidden" name="userId" value={userId} />
          <Field
            idPrefix={`role-${userId}`}
            label={`Role for ${name}`}
            name="role"
            defaultValue={role}
            errors={state.fieldErrors?.role}
            options={choices.map((r) => ({ value: r, label: roleLabels[r] }))}
            className="[&>label]:sr-only"
          />
          <SubmitButton variant="secondary" pendingLabel="Saving…">
            Save
          </SubmitButton>
        </div>
      )}
    </ActionForm>
  );
}

export function RemoveMemberForm({ action, userId, name }: { action: Action; userId: string; name: string }) {
  return (
    <ActionForm action={action} className="space-y-3">
      {() => (
        <>
          <input type="hidden" name="userId" value={userId} />
          <p className="text-sm text-slate-600 dark:text-slate-300">
            Remove <strong>{name}</strong>? They lose access to this workspace immediately. Their past replies stay in the inbox.
          </p>
          <SubmitButton variant="danger" pendingLabel="Removing…">
            Remove {name}
          </SubmitButton>
        </>
      )}
    </ActionForm>
  );
}

export function RevokeInvitationForm({ action, id, email }: { action: Action; id: string; email: string }) {
  return (
    <ActionForm action={action} className="space-y-2">
      {() => (
        <>
          <input type="hidden" name="id" value={id} />
          <SubmitButton variant="secondary" pendingLabel="Revoking…">
            <span>
              Revoke<span className="sr-only"> invitation for {email}</span>
            </span>
          </SubmitButton>
        </>
      )}
    </ActionForm>
  );
}
