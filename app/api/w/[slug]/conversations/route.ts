import { z } from "zod";
import { listConversations } from "@/lib/inbox/conversations";
import { inboxRoute, queryOf } from "../inbox-route";

export const dynamic = "force-dynamic";

const query = z.object({
  status: z.enum(["open", "resolved"]).optional(),
  assignee: z.enum(["all", "mine", "unassigned"]).optional(),
  number: z.uuid().optional(),
  cursor: z.string().max(200).optional(),
});

/** A page of the inbox list for the client's live refetches and "Load more". */
export async function GET(request: Request, { params }: { params: Promise<{ slug: string }> }) {
  return inboxRoute(request, (await params).slug, (tx, access) => {
    const { status, assignee, number, cursor } = query.parse(queryOf(request));
    return listConversations(tx, { tenantId: access.tenantId, userId: access.userId, status, assignee, businessNumberId: number, cursor });
  });
}
