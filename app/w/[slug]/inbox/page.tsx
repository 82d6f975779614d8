import type { Metadata } from "next";
import Link from "next/link";
import { filtersFrom } from "@/components/inbox/api";
import { buttonClass } from "@/components/ui/styles";
import { hasRole } from "@/lib/workspace/roles";
import { requireWorkspace } from "@/lib/edge/workspace-access";
import { InboxFrame, paramsOf, type SearchParams } from "./inbox-frame";

export const metadata: Metadata = { title: "Inbox · Switchboard" };

/** Where agents land: the conversation list, and a hint where the thread will open. */
export default async function InboxPage({ params, searchParams }: { params: Promise<{ slug: string }>; searchParams: SearchParams }) {
  const access = await requireWorkspace((await params).slug);
  const filters = filtersFrom(await paramsOf(searchParams));
  const admin = hasRole(access.role, "admin");
  return (
    <InboxFrame access={access} filters={filters} selectedId={null}>
      <main className="flex flex-1 flex-col items-center justify-center p-8 text-center">
        <h2 className="text-lg font-semibold">Pick a conversation</h2>
        <p className="mt-2 max-w-sm text-sm text-slate-600 dark:text-slate-300">
          Customers who message this workspace&apos;s WhatsApp numbers appear on the left, live. Press <kbd>j</kbd>/<kbd>k</kbd> to move,{" "}
          <kbd>Enter</kbd> to open, <kbd>/</kbd> to search.
        </p>
        {admin ? (
          <Link href={`/w/${access.workspace.slug}/settings/numbers`} className={`${buttonClass.secondary} mt-6`}>
            Connect a WhatsApp number
          </Link>
        ) : null}
      </main>
    </InboxFrame>
  );
}
