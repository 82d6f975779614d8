import type { Metadata } from "next";
import Link from "next/link";
import { buttonClass } from "@/components/ui/styles";
import { PageHeader } from "@/components/workspace/page-header";
import { hasRole } from "@/lib/auth/roles";
import { requireWorkspace } from "@/lib/auth/workspace";

export const metadata: Metadata = { title: "Inbox · Switchboard" };

/** Where agents land. Conversations arrive with the inbox itself; until then, say so plainly. */
export default async function InboxPage({ params }: { params: Promise<{ slug: string }> }) {
  const access = await requireWorkspace((await params).slug);
  const admin = hasRole(access.role, "admin");
  return (
    <>
      <PageHeader title="Inbox" description={`Conversations with customers of ${access.workspace.name}.`} />
      <main className="mx-auto max-w-5xl px-6 py-16">
        <div className="mx-auto flex max-w-md flex-col items-center text-center">
          <span className="grid size-12 place-items-center rounded-full bg-emerald-50 text-emerald-600 dark:bg-emerald-950 dark:text-emerald-400" aria-hidden="true">
            <svg viewBox="0 0 24 24" className="size-6" fill="none" stroke="currentColor" strokeWidth="2" strokeLinecap="round" strokeLinejoin="round">
              <path d="M21 12a8 8 0 0 1-11.6 7.1L4 20l1-4.6A8 8 0 1 1 21 12Z" />
            </svg>
          </span>
          <h2 className="mt-4 text-lg font-semibold">No conversations yet</h2>
          <p className="mt-2 text-sm text-slate-500 dark:text-slate-400">
            When customers message one of this workspace&apos;s WhatsApp numbers, their conversations appear here.
          </p>
          {admin ? (
            <Link href={`/w/${access.workspace.slug}/settings/numbers`} className={`${buttonClass.primary} mt-6`}>
              Connect a WhatsApp number
            </Link>
          ) : null}
        </div>
      </main>
    </>
  );
}
