import { and, eq, lt, ne, or, sql } from "drizzle-orm";
import { createHash } from "node:crypto";
import { db } from "@/db/client";
import { webhookDeliveries } from "@/db/schema";

export type DeliveryState = (typeof webhookDeliveries.$inferSelect)["state"];
export type StoredDelivery = { id: string; state: DeliveryState; rawBody: string; isNew: boolean };

/** Fatal decoding: a body that is not UTF-8 text is not JSON Meta sent. */
const utf8 = new TextDecoder("utf-8", { fatal: true });
const notTextError = "body is not UTF-8 text (kept base64-encoded in raw_body)";

function asText(raw: Uint8Array): string | null {
  try {
    const text = utf8.decode(raw);
    // Postgres text cannot hold NUL; JSON never contains a raw one.
    return text.includes("\u0000") ? null : text;
  } catch {
    return null;
  }
}

/**
 * Stores a signed delivery durably, once per distinct body: Meta's redelivery of the same
 * bytes finds the row stored the first time. Each statement commits on its own, so when
 * this returns the row is on disk; a concurrent twin's insert waits for ours and then
 * finds it.
 */
export async function storeDelivery(raw: Uint8Array): Promise<StoredDelivery> {
  const bodySha256 = createHash("sha256").update(raw).digest("hex");
  const text = asText(raw);
  const [inserted] = await db()
    .insert(webhookDeliveries)
    .values(
      text === null
        ? { rawBody: Buffer.from(raw).toString("base64"), bodySha256, state: "ignored", error: notTextError }
        : { rawBody: text, bodySha256 },
    )
    .onConflictDoNothing({ target: webhookDeliveries.bodySha256 })
    .returning({ id: webhookDeliveries.id, state: webhookDeliveries.state, rawBody: webhookDeliveries.rawBody });
  if (inserted) return { ...inserted, isNew: true };
  const [existing] = await db()
    .select({ id: webhookDeliveries.id, state: webhookDeliveries.state, rawBody: webhookDeliveries.rawBody })
    .from(webhookDeliveries)
    .where(eq(webhookDeliveries.bodySha256, bodySha256));
  if (!existing) throw new Error("webhook delivery conflicted on its body hash but could not be read back");
  return { ...existing, isNew: false };
}

export type DeliveryOutcome = { state: "processed" | "ignored"; note?: string } | { state: "failed"; error: string };

export async function markDelivery(id: string, outcome: DeliveryOutcome): Promise<void> {
  const error = outcome.state === "failed" ? outcome.error : (outcome.note ?? null);
  await db()
    .update(webhookDeliveries)
    .set({
      state: outcome.state,
      error,
      attempts: sql`${webhookDeliveries.attempts} + 1`,
      processedAt: outcome.state === "failed" ? null : new Date(),
    })
    // A copy processed at the same moment may have succeeded; its work is all there, so a
    // later failure of this copy must not send the delivery back to the retry queue.
    .where(and(eq(webhookDeliveries.id, id), outcome.state === "failed" ? ne(webhookDeliveries.state, "processed") : undefined));
}

export async function loadDelivery(id: string): Promise<{ id: string; rawBody: string } | null> {
  const [row] = await db()
    .select({ id: webhookDeliveries.id, rawBody: webhookDeliveries.rawBody })
    .from(webhookDeliveries)
    .where(eq(webhookDeliveries.id, id));
  return row ?? null;
}

/**
 * Deliveries whose processing failed, or that were stored but never finished (the process
 * stopped between storing and processing). `receivedBefore` keeps a delivery still being
 * processed by a live request out; `maxAttempts` leaves repeatedly failing ones to the operator.
 */
export async function pendingDeliveryIds(options: { receivedBefore: Date; maxAttempts?: number }): Promise<string[]> {
  const failed =
    options.maxAttempts === undefined
      ? eq(webhookDeliveries.state, "failed")
      : and(eq(webhookDeliveries.state, "failed"), lt(webhookDeliveries.attempts, options.maxAttempts));
  const rows = await db()
    .select({ id: webhookDeliveries.id })
    .from(webhookDeliveries)
    .where(
      and(
        or(failed, eq(webhookDeliveries.state, "received")),
        lt(webhookDeliveries.receivedAt, options.receivedBefore),
      ),
    )
    .orderBy(webhookDeliveries.receivedAt);
  return rows.map((r) => r.id);
}
