import { revalidatePath } from "next/cache";
import { notFound } from "next/navigation";
import type { z } from "zod";
import { withTenant } from "@/db/tenant";
import { assertSameOrigin } from "@/lib/auth/origin";
import { requireUser, type SessionUser } from "@/lib/auth/session";
import { requireWorkspace, type WorkspaceAccess } from "@/lib/edge/workspace-access";
import type { Actor, Role, TenantCtx } from "@/lib/domain/context";
import { AppError } from "@/lib/domain/errors";
import { formValues, invalidForm, type FormState } from "@/lib/forms";
import { statusOf } from "./status";

export type WorkspaceCall = {
  access: WorkspaceAccess;
  actor: Actor;
  /** Runs `work` in one transaction of the caller's workspace, with the domain context. */
  inTenant: <T>(work: (ctx: TenantCtx) => Promise<T>) => Promise<T>;
};

/**
 * The caller of a server action in a workspace: refused if another site sent it, sent to
 * sign in when signed out, 404 when not a member or the role is below `role`.
 */
export async function workspaceCaller(slug: string, role: Role): Promise<WorkspaceCall> {
  await assertSameOrigin();
  const access = await requireWorkspace(slug, role);
  const actor = { tenantId: access.tenantId, userId: access.userId, role: access.role };
  return { access, actor, inTenant: (work) => withTenant(access.tenantId, (tx) => work({ tx, actor })) };
}

/**
 * A server action's input, validated at the edge: the typed input, or a 404 for input no
 * page of ours sends (ids of another workspace look exactly the same).
 */
export function actionInput<T>(schema: z.ZodType<T>, raw: unknown): T {
  const parsed = schema.safeParse(raw);
  if (!parsed.success) notFound();
  return parsed.data;
}

/**
 * For actions without a form: the work's result, with the AppErrors that mean "not here"
 * answered as the 404 page; any other error propagates (the client shows it).
 */
export async function pageOrNotFound<T>(work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (error) {
    if (error instanceof AppError && statusOf[error.kind] === 404) notFound();
    throw error;
  }
}

/** An AppError as the form shows it: beside its field, or above the form; 404s stay 404s. */
function formStateOf(error: unknown, values: Record<string, string>): FormState {
  if (!(error instanceof AppError)) throw error;
  if (statusOf[error.kind] === 404) notFound();
  return error.field
    ? { ok: false, fieldErrors: { [error.field]: [error.message] }, values }
    : { ok: false, message: error.message, values };
}

export type FormSpec<I, R> = {
  input: z.ZodType<I>;
  /** Fields never echoed back to the form (passwords, tokens). */
  secretFields?: string[];
  /** Whether a refused form keeps what was typed (forms with only hidden ids do not). */
  keepValues?: boolean;
  /** The state when the input does not parse (a form of hidden ids); without it, each field gets its problem. */
  invalid?: FormState;
  run: (input: I) => Promise<R>;
  /** The state shown on success; may redirect instead. */
  done: (result: R, input: I, values: Record<string, string>) => FormState;
};

/** The one path of a form action after its caller is known: parse, run, answer in words. */
export async function runForm<I, R>(formData: FormData, spec: FormSpec<I, R>, after?: () => void): Promise<FormState> {
  const typed = formValues(formData, spec.secretFields);
  const values = spec.keepValues === false ? undefined : typed;
  const parsed = spec.input.safeParse(Object.fromEntries(formData));
  if (!parsed.success) {
    return spec.invalid ? { ...spec.invalid, ...(values ? { values } : {}) } : invalidForm(parsed.error, typed);
  }
  let result: R;
  try {
    result = await spec.run(parsed.data);
  } catch (error) {
    return formStateOf(error, values ?? {});
  }
  after?.();
  return spec.done(result, parsed.data, typed);
}

/**
 * The one wrapper of a workspace's form actions: the caller with the declared role, the
 * form validated, the domain call, the workspace's pages refreshed, the outcome in words.
 */
export async function workspaceForm<I, R>(
  slug: string,
  role: Role,
  formData: FormData,
  spec: Omit<FormSpec<I, R>, "run"> & { run: (call: WorkspaceCall, input: I) => Promise<R> },
): Promise<FormState> {
  const call = await workspaceCaller(slug, role);
  return runForm(formData, { ...spec, run: (input) => spec.run(call, input) }, () =>
    revalidatePath(`/w/${call.access.workspace.slug}`, "layout"),
  );
}

/** The same for forms anyone may send (sign-up, joining by invitation). */
export async function publicForm<I, R>(formData: FormData, spec: FormSpec<I, R>): Promise<FormState> {
  await assertSameOrigin();
  return runForm(formData, spec);
}

/** The same for a signed-in user outside any workspace; signed out, they sign in and come back to `returnTo`. */
export async function userForm<I, R>(
  returnTo: string,
  formData: FormData,
  spec: Omit<FormSpec<I, R>, "run"> & { run: (user: SessionUser, input: I) => Promise<R> },
): Promise<FormState> {
  await assertSameOrigin();
  const user = await requireUser(returnTo);
  return runForm(formData, { ...spec, run: (input) => spec.run(user, input) });
}
