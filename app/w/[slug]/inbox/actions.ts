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
  const target = { conversationId: request.conversationId };
  const result = await pageOrNotFound(
    inTenant((ctx) => {
      switch (request.action) {
        case "assign":
          return assignConversation(ctx, { ...target, assigneeUserId: request.assigneeUserId });
        case "assign-me":
          return assignConversation(ctx, { ...target, assigneeUserId: access.userId });
        case "unassign":
          return unassignConversation(ctx, target);
        case "resolve":
          return resolveConversation(ctx, target);
        case "reopen":
          return reopenConversation(ctx, target);
      }
    }),
  );
  return { changed: result.changed };
}
