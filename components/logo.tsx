/** The product mark: a speech bubble with a switch, and the name. */
export function Logo({ compact = false }: { compact?: boolean }) {
  return (
    <span className="inline-flex items-center gap-2 text-slate-900 dark:text-white">
      <span className="grid size-8 place-items-center rounded-lg bg-emerald-600 text-white shadow-sm" aria-hidden="true">
        <svg viewBox="0 0 24 24" className="size-5" fill="none" stroke="currentColor" strokeWidth="2" strokeLinecap="round" strokeLinejoin="round">
          <path d="M21 12a8 8 0 0 1-11.6 7.1L4 20l1-4.6A8 8 0 1 1 21 12Z" />
          <path d="M9 10h6M9 14h4" />
        </svg>
      </span>
      {compact ? null : <span className="text-lg font-semibold tracking-tight">Switchboard</span>}
    </span>
  );
}
