import { z } from "zod";
import { workspaceRoute } from "@/lib/edge/route";
import { searchInbox, searchInput } from "@/lib/inbox/search";

export const dynamic = "force-dynamic";

const query = z.preprocess((raw: Record<string, string>) => ({ query: raw.q ?? "" }), searchInput);

/** Contacts and message text matching `q`, within this workspace only. */
export const GET = workspaceRoute({ query }, ({ query, inTenant }) => inTenant((ctx) => searchInbox(ctx, query)));
