"use client";

import { ActionForm } from "@/components/forms/action-form";
import { Field } from "@/components/ui/field";
import { SubmitButton } from "@/components/ui/submit-button";
import type { FormState } from "@/lib/forms";

type Action = (prev: FormState, formData: FormData) => Promise<FormState>;

type NumberDefaults = { label: string; displayNumber: string; wabaId: string };

function NumberFields({ state, idPrefix, defaults }: { state: FormState; idPrefix: string; defaults?: NumberDefaults }) {
  const v = state.values ?? {};
  const e = state.fieldErrors ?? {};
  return (
    <>
      <Field idPrefix={idPrefix} label="Label" name="label" placeholder="Support" defaultValue={v.label ?? defaults?.label} errors={e.label} hint="What your team calls this number." required />
      <Field idPrefix={idPrefix} label="Display phone number" name="displayNumber" placeholder="+1 555 010 0001" defaultValue={v.displayNumber ?? defaults?.displayNumber} errors={e.displayNumber} required />
      <Field idPrefix={idPrefix} label="WhatsApp Business Account ID" name="wabaId" inputMode="numeric" placeholder="104400000000001" defaultValue={v.wabaId ?? defaults?.wabaId} errors={e.wabaId} required />
    </>
  );
}

export function AddNumberForm({ action }: { action: Action }) {
  return (
    <ActionForm action={action}>
      {(state) => (
        <>
          <div className="grid gap-4 sm:grid-cols-2">
            <Field
              idPrefix="add"
              label="Phone number ID"
              name="phoneNumberId"
              inputMode="numeric"
              placeholder="110000000000001"
              defaultValue={state.values?.phoneNumberId}
              errors={state.fieldErrors?.phoneNumberId}
              hint="Digits only. Meta shows it under WhatsApp Manager → API Setup."
              required
            />
            <NumberFields state={state} idPrefix="add" />
            <Field
              idPrefix="add"
              label="Access token"
              name="accessToken"
              type="password"
              autoComplete="off"
              errors={state.fieldErrors?.accessToken}
              hint="A permanent System User token with whatsapp_business_messaging. Stored encrypted; you will only see its last 4 characters."
              className="sm:col-span-2"
            />
          </div>
          <div className="flex justify-end">
            <SubmitButton pendingLabel="Connecting…">Add number</SubmitButton>
          </div>
        </>
      )}
    </ActionForm>
  );
}

export function EditNumberForm({ action, number }: { action: Action; number: NumberDefaults & { id: string; accessTokenLast4: string | null } }) {
  return (
    <ActionForm action={action}>
      {(state) => (
        <>
          <input type="hidden" name="id" value={number.id} />
          <div className="grid gap-4 sm:grid-cols-2">
            <NumberFields state={state} idPrefix={`edit-${number.id}`} defaults={number} />
            <Field
              idPrefix={`edit-${number.id}`}
              label="New access token"
              name="accessToken"
              type="password"
              autoComplete="off"
              errors={state.fieldErrors?.accessToken}
              hint={number.accessTokenLast4 ? `Leave blank to keep the current token (ending ${number.accessTokenLast4}).` : "No token yet: add one to send replies."}
            />
          </div>
          <div className="flex justify-end">
            <SubmitButton pendingLabel="Saving…">Save changes</SubmitButton>
          </div>
        </>
      )}
    </ActionForm>
  );
}

export function RemoveNumberForm({ action, id, label }: { action: Action; id: string; label: string }) {
  return (
    <ActionForm action={action} className="space-y-3">
      {() => (
        <>
          <input type="hidden" name="id" value={id} />
          <p className="text-sm text-slate-600 dark:text-slate-300">
            Remove <strong>{label}</strong>? New messages to it will no longer reach this workspace. Its conversations stay in the
            inbox, read-only, and you can add the number again later.
          </p>
          <SubmitButton variant="danger" pendingLabel="Removing…">
            Remove number
          </SubmitButton>
        </>
      )}
    </ActionForm>
  );
}
