import { eq } from "drizzle-orm";
import { messageStatuses } from "@/db/schema";
import type { TenantTx } from "@/db/transactions";
import { deliveryErrorFromStatus, type DeliveryError } from "./delivery-error";
import { furthestStatus, type ReportedStatus } from "./status";

/**
 * The status to store with a wamid the moment it becomes ours: a send Meta accepted
 * (lib/outbound/send.ts) or a message the business typed in the WhatsApp Business app
 * (lib/inbox/business-app-echoes.ts). Meta's status webhooks can be applied before that
 * transaction commits; they are kept in message_statuses (by wamid) and taken up here.
 * `sent` when Meta reported nothing yet. The caller holds the wamid's lock
 * (`lockName.wamid`), as the status applier does, so whichever commits second sees the
 * other's rows.
 */
export async function statusAlreadyReported(tx: TenantTx, wamid: string): Promise<{ status: ReportedStatus; error: DeliveryError | null }> {
  const reported = await tx
    .select({ status: messageStatuses.status, occurredAt: messageStatuses.occurredAt, payload: messageStatuses.payload })
    .from(messageStatuses)
    .where(eq(messageStatuses.wamid, wamid));
  const furthest = furthestStatus(reported);
  if (!furthest) return { status: "sent", error: null };
  if (furthest.status !== "failed") return { status: furthest.status, error: null };
  return { status: "failed", error: deliveryErrorFromStatus(furthest.payload) };
}
