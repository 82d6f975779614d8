"use client";

import { ActionForm } from "@/components/forms/action-form";
import { Field } from "@/components/ui/field";
import { SubmitButton } from "@/components/ui/submit-button";
import type { FormState } from "@/lib/forms";

type Action = (prev: FormState, formData: FormData) => Promise<FormState>;

type NumberDefaults = { label: string; displayNumber: string };

function LabelField({ state, idPrefix, defaults }: { state: FormState; idPrefix: string; defaults?: NumberDefaults }) {
  return (
    <Field idPrefix={idPrefix} label="Label" name="label" placeholder="Support" defaultValue={state.values?.label ?? defaults?.label} errors={state.fieldErrors?.label} hint="What your team calls this number." required />
  );
}

/** Only sandbox numbers type it: Meta tells Switchboard a real number's display number. */
function SandboxDisplayField({ state, idPrefix, defaults }: { state: FormState; idPrefix: string; defaults?: NumberDefaults }) {
  return (
    <Field
      idPrefix={idPrefix}
      label="Display phone number"
      name="displayNumber"
      placeholder="+1 555 010 0001"
      defaultValue={state.values?.displayNumber ?? defaults?.displayNumber}
      errors={state.fieldErrors?.displayNumber}
      hint="Sandbox numbers only; with a token, Meta's own is used."
    />
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
            <LabelField state={state} idPrefix="add" />
            <Field
              idPrefix="add"
              label="WhatsApp Business Account ID"
              name="wabaId"
              inputMode="numeric"
              placeholder="104400000000001"
              defaultValue={state.values?.wabaId}
              errors={state.fieldErrors?.wabaId}
              required
            />
            <SandboxDisplayField state={state} idPrefix="add" />
            <Field
              idPrefix="add"
              label="Access token"
              name="accessToken"
              type="password"
              autoComplete="off"
              errors={state.fieldErrors?.accessToken}
              hint="A system user token of Switchboard's Meta app, with whatsapp_business_management and whatsapp_business_messaging. Switchboard asks Meta whether it sees this number before connecting it. Stored encrypted; you will only see its last 4 characters."
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
  const sandbox = !number.accessTokenLast4;
  return (
    <ActionForm action={action}>
      {(state) => (
        <>
          <input type="hidden" name="id" value={number.id} />
          <div className="grid gap-4 sm:grid-cols-2">
            <LabelField state={state} idPrefix={`edit-${number.id}`} defaults={number} />
            {sandbox ? <SandboxDisplayField state={state} idPrefix={`edit-${number.id}`} defaults={number} /> : null}
            <Field
              idPrefix={`edit-${number.id}`}
              label="New access token"
              name="accessToken"
              type="password"
              autoComplete="off"
              errors={state.fieldErrors?.accessToken}
              hint={
                number.accessTokenLast4
                  ? `Leave blank to keep the current token (ending ${number.accessTokenLast4}). A new one is checked with Meta first.`
                  : "No token yet: add one to send replies."
              }
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

export function CheckNumberForm({ action, id }: { action: Action; id: string }) {
  return (
    <ActionForm action={action} className="space-y-2">
      {() => (
        <>
          <input type="hidden" name="id" value={id} />
          <SubmitButton variant="secondary" pendingLabel="Checking…">
            Check again
          </SubmitButton>
        </>
      )}
    </ActionForm>
  );
}
