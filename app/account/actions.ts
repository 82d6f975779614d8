"use server";

import { headers } from "next/headers";
import { redirect } from "next/navigation";
import { z } from "zod";
import { resendVerification } from "@/lib/account/verification";
import { changePassword, changePasswordSchema, signOutEverywhere } from "@/lib/account/sessions";
import { clientIp } from "@/lib/auth/credentials";
import { dropSessionCookie, renewSession } from "@/lib/auth/session";
import { userForm } from "@/lib/edge/action";
import type { FormState } from "@/lib/forms";

/** A new password; every other device is signed out, this browser gets a fresh session. */
export async function changePasswordAction(_prev: FormState, formData: FormData): Promise<FormState> {
  return userForm("/account", formData, {
    input: changePasswordSchema,
    secretFields: ["currentPassword", "newPassword"],
    keepValues: false,
    run: async (user, input) => {
      const now = new Date();
      await changePassword(user.id, input, now);
      await renewSession(user.id, now);
    },
    done: () => ({ ok: true, message: "Your password is changed. Every other device that was signed in is signed out." }),
  });
}

/** Every session of the user ends, this browser's too. */
export async function signOutEverywhereAction(_prev: FormState, formData: FormData): Promise<FormState> {
  return userForm("/account", formData, {
    input: z.object({}),
    run: async (user) => {
      await signOutEverywhere(user.id);
      await dropSessionCookie();
    },
    done: () => redirect("/sign-in"),
  });
}

/** Another confirmation link, within the mail limits. */
export async function resendVerificationAction(_prev: FormState, formData: FormData): Promise<FormState> {
  const ip = clientIp(await headers());
  return userForm("/account", formData, {
    input: z.object({}),
    run: (user) => resendVerification(user, ip),
    done: () => ({ ok: true, message: "A new confirmation link is on its way. It works once, for 48 hours." }),
  });
}
