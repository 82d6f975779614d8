import { env } from "@/lib/config/env";

/**
 * Sandbox numbers never call Meta and have no token, so nothing proves who owns them. Meta
 * documents no range of phone number ids it never issues, so Switchboard reserves an
 * unlikely one: ids starting with 999 (Meta's are 15–16 digits and, so far, start with 1).
 * Outside that prefix a number needs a token Graph confirms.
 */
export const sandboxPrefix = "999";

export function isSandboxNumberId(phoneNumberId: string): boolean {
  return phoneNumberId.startsWith(sandboxPrefix);
}

/** Whether this server lets workspaces connect sandbox numbers (`SANDBOX_NUMBERS`). */
export function sandboxNumbersAllowed(): boolean {
  return env().SANDBOX_NUMBERS === "on";
}
