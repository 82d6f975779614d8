import Link from "next/link";
import { roleLabels, type Role } from "@/lib/workspace/roles";

type WorkspaceItem = { name: string; slug: string; role: Role };

/** The current workspace, and a menu of the others the user belongs to. Works without JavaScript. */
export function WorkspaceSwitcher({ current, workspaces }: { current: WorkspaceItem; workspaces: WorkspaceItem[] }) {
  return (
    <details className="group relative">
      <summary
        className="flex cursor-pointer list-none items-center justify-between gap-2 rounded-lg border border-slate-200 bg-white px-3 py-2 text-left shadow-sm hover:bg-slate-50 dark:border-slate-700 dark:bg-slate-900 dark:hover:bg-slate-800 [&::-webkit-details-marker]:hidden"
        aria-label={`Workspace: ${current.name}. Switch workspace`}
      >
        <span className="min-w-0">
          <span className="block truncate text-sm font-semibold">{current.name}</span>
          <span className="block text-xs text-slate-500 dark:text-slate-400">{roleLabels[current.role]}</span>
        </span>
        <svg viewBox="0 0 20 20" className="size-4 shrink-0 text-slate-400 group-open:rotate-180" fill="currentColor" aria-hidden="true">
          <path fillRule="evenodd" d="M5.23 7.21a.75.75 0 0 1 1.06.02L10 11.17l3.71-3.94a.75.75 0 1 1 1.08 1.04l-4.25 4.5a.75.75 0 0 1-1.08 0l-4.25-4.5a.75.75 0 0 1 .02-1.06Z" clipRule="evenodd" />
        </svg>
      </summary>
      <div className="absolute inset-x-0 z-20 mt-1 overflow-hidden rounded-lg border border-slate-200 bg-white shadow-lg dark:border-slate-700 dark:bg-slate-900">
        <p className="px-3 pb-1 pt-2 text-xs font-medium uppercase tracking-wide text-slate-400">Your workspaces</p>
        <ul>
          {workspaces.map((w) => (
            <li key={w.slug}>
              <Link
                href={`/w/${w.slug}/inbox`}
                aria-current={w.slug === current.slug ? "true" : undefined}
                className="flex items-center justify-between gap-2 px-3 py-2 text-sm hover:bg-slate-50 dark:hover:bg-slate-800"
              >
                <span className="truncate">{w.name}</span>
                {w.slug === current.slug ? <span className="text-xs text-emerald-600 dark:text-emerald-400">Current</span> : null}
              </Link>
            </li>
          ))}
        </ul>
        <Link
          href="/workspaces/new"
          className="block border-t border-slate-200 px-3 py-2 text-sm font-medium text-emerald-700 hover:bg-slate-50 dark:border-slate-700 dark:text-emerald-400 dark:hover:bg-slate-800"
        >
          + Create workspace
        </Link>
      </div>
    </details>
  );
}
