"use server";

import { actionInput, pageOrNotFound, workspaceCaller } from "@/lib/edge/action";
import { queueActionInput, type QueueActionInput } from "@/lib/inbox/queue-action";
import { assignConversation, reopenConversation, resolveConversation, unassignConversation } from "@/lib/inbox/queue";

/**
 * Works the queue from the thread header. The domain records the thread event and tells
 * every open inbox; the caller refetches. Another workspace's ids answer 404.
 */
export async function queueAction(slug: string, input: QueueActionInput): Promise<{ changed: boolean }> {
  const { access, inTenant } = await workspaceCaller(slug, "agent");
  const request = actionInput(queueActionInput, input);
  const base = { tenantId: access.tenantId, conversationId: request.conversationId, actorUserId: access.userId };
  const result = await pageOrNotFound(
    inTenant(({ tx }) => {
      switch (request.action) {
        case "assign":
          return assignConversation(tx, { ...base, assigneeUserId: request.assigneeUserId });
        case "assign-me":
          return assignConversation(tx, { ...base, assigneeUserId: access.userId });
        case "unassign":
          return unassignConversation(tx, base);
        case "resolve":
          return resolveConversation(tx, base);
        case "reopen":
          return reopenConversation(tx, base);
      }
    }),
  );
  return { changed: result.changed };
}
