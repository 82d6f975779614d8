import { z } from "zod";

/** What the thread header asks of the queue; the server action validates it, the header builds it. */
export const queueActionInput = z.discriminatedUnion("action", [
  z.object({ action: z.literal("assign"), conversationId: z.uuid(), assigneeUserId: z.uuid() }),
  z.object({ action: z.literal("assign-me"), conversationId: z.uuid() }),
  z.object({ action: z.enum(["unassign", "resolve", "reopen"]), conversationId: z.uuid() }),
]);

export type QueueActionInput = z.input<typeof queueActionInput>;
