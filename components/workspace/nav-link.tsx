"use client";

import Link from "next/link";
import { usePathname } from "next/navigation";

/** A navigation link that marks itself as the current page. */
export function NavLink({ href, children, exact = false, variant = "side" }: { href: string; children: React.ReactNode; exact?: boolean; variant?: "side" | "tab" }) {
  const pathname = usePathname();
  const active = exact ? pathname === href : pathname === href || pathname.startsWith(`${href}/`);
  const classes =
    variant === "side"
      ? `flex items-center gap-2.5 rounded-lg px-3 py-2 text-sm font-medium transition-colors ${
          active
            ? "bg-emerald-50 text-emerald-800 dark:bg-emerald-950/60 dark:text-emerald-200"
            : "text-slate-600 hover:bg-slate-100 hover:text-slate-900 dark:text-slate-300 dark:hover:bg-slate-800 dark:hover:text-white"
        }`
      : `whitespace-nowrap border-b-2 px-1 pb-3 text-sm font-medium ${
          active
            ? "border-emerald-600 text-emerald-700 dark:border-emerald-400 dark:text-emerald-300"
            : "border-transparent text-slate-500 hover:border-slate-300 hover:text-slate-700 dark:text-slate-400 dark:hover:text-slate-200"
        }`;
  return (
    <Link href={href} className={classes} aria-current={active ? "page" : undefined}>
      {children}
    </Link>
  );
}
