import { sql, type SQL } from "drizzle-orm";
import { messages, type Message } from "@/db/schema";

/** A status Meta can move an outbound message to. */
export type ReportedStatus = "sent" | "delivered" | "read" | "failed";

/**
 * How far a message has got. Statuses arrive in any order and more than once; a message
 * only ever moves up this scale. `failed` ranks with `read`: both are final, and neither
 * replaces the other. `pending` and `sandbox` have not reached Meta.
 */
const rank: Record<NonNullable<Message["status"]>, number> = { pending: 0, sandbox: 0, sent: 1, delivered: 2, read: 3, failed: 3 };

/**
 * The status a message takes from what Meta reported, or null for a report that moves
 * nothing (`deleted`, or a status Meta adds later). Meta reports `played` when a voice
 * note was listened to, which needs it read: it ranks with read and shows as read.
 */
export function statusFromReport(reported: string): ReportedStatus | null {
  switch (reported) {
    case "sent":
    case "delivered":
    case "read":
    case "failed":
      return reported;
    case "played":
      return "read";
    default:
      return null;
  }
}

export function statusRank(status: ReportedStatus): number {
  return rank[status];
}

/**
 * The furthest of the statuses recorded for one message; among equals the earliest, since
 * the first final status (read or failed) is what happened.
 */
export function furthestStatus<T extends { status: string; occurredAt: Date }>(
  recorded: T[],
): (T & { status: ReportedStatus }) | undefined {
  return recorded
    .flatMap((r) => {
      const status = statusFromReport(r.status);
      return status ? [{ ...r, status }] : [];
    })
    .sort((a, b) => rank[b.status] - rank[a.status] || a.occurredAt.getTime() - b.occurredAt.getTime())[0];
}

/** The message row's current rank, in SQL, so an update can compare against the row it locks. */
export const currentStatusRank: SQL = sql`(case ${messages.status} ${sql.raw(
  Object.entries(rank)
    .map(([status, n]) => `when '${status}' then ${n}`)
    .join(" "),
)} else 0 end)`;
