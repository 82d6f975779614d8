import { searchInbox } from "@/lib/inbox/search";
import { inboxRoute, queryOf } from "../inbox-route";

export const dynamic = "force-dynamic";

/** Contacts and message text matching `q`, within this workspace only. */
export async function GET(request: Request, { params }: { params: Promise<{ slug: string }> }) {
  return inboxRoute(request, (await params).slug, (tx, access) =>
    searchInbox(tx, { tenantId: access.tenantId, query: queryOf(request).q ?? "" }),
  );
}
