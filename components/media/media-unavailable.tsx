/**
 * Stands in for media that cannot be shown: expired on WhatsApp (kept about 30 days) or
 * not downloadable now. `kind` names what it was, for the reader.
 */
export function MediaUnavailable({ kind, message, expired = true }: { kind: string; message?: string; expired?: boolean }) {
  return (
    <div
      role="note"
      className="flex max-w-xs items-center gap-2 rounded-lg border border-dashed border-slate-300 bg-slate-50 px-3 py-2 text-xs text-slate-600 dark:border-slate-700 dark:bg-slate-800/60 dark:text-slate-300"
    >
      <span aria-hidden="true">{expired ? "⌛" : "⚠"}</span>
      <span>
        <span className="font-medium">{expired ? `${kind} expired` : `${kind} unavailable`}</span>
        {" — "}
        {message ?? "This media is no longer available on WhatsApp (it is kept for about 30 days)."}
      </span>
    </div>
  );
}
