import { buttonClass } from "@/components/ui/styles";

/** Why a send failed, in Meta's or our words, with Retry (same message id) when it can be retried. */
export function SendFailure({
  error,
  canRetry,
  pending,
  onRetry,
  onDismiss,
}: {
  error: string | null;
  canRetry: boolean;
  pending: boolean;
  onRetry: () => void;
  onDismiss: () => void;
}) {
  return (
    <div aria-live="assertive">
      {error ? (
        <div
          role="alert"
          className="flex flex-wrap items-center justify-between gap-2 rounded-lg border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-800 dark:border-red-900 dark:bg-red-950 dark:text-red-200"
        >
          <p className="min-w-0">Not sent: {error}</p>
          <span className="flex gap-2">
            {canRetry ? (
              <button type="button" className={buttonClass.secondary} onClick={onRetry} disabled={pending} aria-busy={pending}>
                {pending ? "Retrying…" : "Retry"}
              </button>
            ) : null}
            <button type="button" className={buttonClass.ghost} onClick={onDismiss}>
              Dismiss
            </button>
          </span>
        </div>
      ) : null}
    </div>
  );
}
