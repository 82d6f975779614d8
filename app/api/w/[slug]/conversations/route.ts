import { z } from "zod";
import { workspaceRoute } from "@/lib/edge/route";
import { listConversations, listConversationsInput } from "@/lib/inbox/conversations";

export const dynamic = "force-dynamic";

/** The list's filters as the client's URL names them (`number` is the business number's id). */
const query = z.preprocess((raw: Record<string, string>) => {
  const { status, assignee, number, cursor } = raw;
  return { status, assignee, businessNumberId: number, cursor };
}, listConversationsInput);

/** A page of the inbox list for the client's live refetches and "Load more". */
export const GET = workspaceRoute({ query }, ({ query, inTenant }) => inTenant((ctx) => listConversations(ctx, query)));
