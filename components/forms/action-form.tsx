"use client";

import { useActionState } from "react";
import { FormMessage } from "@/components/ui/form-message";
import type { FormState } from "@/lib/forms";

type Action = (prev: FormState, formData: FormData) => Promise<FormState>;

/**
 * A form bound to a server action. `children` receives the action's last answer, to put
 * each field's errors beside it and keep what was typed.
 */
export function ActionForm({
  action,
  children,
  className = "space-y-4",
}: {
  action: Action;
  children: (state: FormState) => React.ReactNode;
  className?: string;
}) {
  const [state, formAction] = useActionState(action, {});
  return (
    <form action={formAction} className={className} noValidate>
      <FormMessage ok={state.ok} message={state.message} />
      {children(state)}
    </form>
  );
}
