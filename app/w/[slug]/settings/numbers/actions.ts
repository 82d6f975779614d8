"use server";

import { workspaceForm } from "@/lib/edge/action";
import type { FormState } from "@/lib/forms";
import {
  connectSignedUpNumber,
  connectSignedUpNumberSchema,
  exchangeSignupCode,
  exchangeSignupCodeSchema,
} from "@/lib/workspace/embedded-signup";
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

const secretFields = ["accessToken"];

export async function addNumberAction(slug: string, _prev: FormState, formData: FormData): Promise<FormState> {
  return workspaceForm(slug, "admin", formData, {
    input: addNumberSchema,
    secretFields,
    run: ({ actor }, input) => addNumber({ actor }, input),
    done: (number) => ({ ok: true, message: `${number.label} (${number.displayNumber}) is connected.` }),
  });
}

export async function updateNumberAction(slug: string, _prev: FormState, formData: FormData): Promise<FormState> {
  return workspaceForm(slug, "admin", formData, {
    input: updateNumberSchema,
    secretFields,
    run: ({ actor }, input) => updateNumber({ actor }, input),
    done: (_number, _input, values) => ({ ok: true, message: "Changes saved.", values }),
  });
}

export async function removeNumberAction(slug: string, _prev: FormState, formData: FormData): Promise<FormState> {
  return workspaceForm(slug, "admin", formData, {
    input: removeNumberSchema,
    keepValues: false,
    invalid: { ok: false, message: "Choose a number to remove." },
    run: ({ actor }, input) => removeNumber({ actor }, input),
    done: () => ({ ok: true, message: "Number removed." }),
  });
}

const checkMessages: Record<CheckOutcome, FormState> = {
  verified: { ok: true, message: "Meta confirms this number is yours; messages to it arrive here." },
  lost: { ok: false, message: "Meta no longer confirms this number with its token. Its messages wait, unrouted, until a token proves it again." },
  token_rejected: { ok: false, message: "Meta rejected the access token. Paste a new one under Edit." },
  unreachable: { ok: false, message: "Switchboard could not reach WhatsApp. Nothing was changed; try again in a minute." },
  sandbox: { ok: true, message: "A sandbox number has nothing to check with Meta." },
};

export async function checkNumberAction(slug: string, _prev: FormState, formData: FormData): Promise<FormState> {
  return workspaceForm(slug, "admin", formData, {
    input: checkNumberSchema,
    keepValues: false,
    invalid: { ok: false, message: "Choose a number to check." },
    run: ({ actor }, input) => checkNumber({ actor }, input),
    done: (outcome) => checkMessages[outcome],
  });
}

/** Embedded Signup, step 1: the code from Facebook's window, exchanged at once (it lives minutes); answers the sealed grant. */
export async function exchangeSignupCodeAction(slug: string, _prev: FormState, formData: FormData): Promise<FormState> {
  return workspaceForm(slug, "admin", formData, {
    input: exchangeSignupCodeSchema,
    secretFields: ["code"],
    keepValues: false,
    invalid: { ok: false, message: "Facebook's window did not send what Switchboard needs to connect the number. Start again with Connect with Facebook." },
    run: ({ actor }, input) => exchangeSignupCode({ actor }, input),
    done: ({ grant }) => ({ ok: true, result: { grant } }),
  });
}

/** Embedded Signup, step 2: register the number with the admin's PIN, prove it, store it. */
export async function connectSignedUpNumberAction(slug: string, _prev: FormState, formData: FormData): Promise<FormState> {
  return workspaceForm(slug, "admin", formData, {
    input: connectSignedUpNumberSchema,
    secretFields: ["pin", "grant"],
    run: ({ actor }, input) => connectSignedUpNumber({ actor }, input),
    done: (number) => ({ ok: true, message: `${number.label} (${number.displayNumber}) is connected.` }),
  });
}
