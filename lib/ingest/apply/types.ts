import type { TenantTx } from "@/db/transactions";
import type { WhatsAppMessage, WhatsAppProfile, WhatsAppStatus } from "@/lib/whatsapp/payload";

/**
 * The contract between the ingest pipeline (split, route, claim, isolate failures) and the
 * appliers (what an item means for a workspace). An applier gets one workspace's open
 * transaction and a batch of that workspace's items, applies them set-based, and either
 * succeeds for all of them or throws: the pipeline then isolates the failing item by applying
 * smaller batches, so an applier never has to catch its own items' errors.
 *
 * Appliers are idempotent: the same item applied again (a batch retried after a crash that
 * lost its completion) changes nothing and emits no second event, because every side effect
 * is gated on a row that the first application inserted (ON CONFLICT … RETURNING).
 */
export type IngestCtx = { tx: TenantTx; tenantId: string };

type ItemBase = {
  /** The item's id in the pipeline's table: stable across retries. */
  itemId: string;
  /**
   * Meta's timestamp as a date; when Meta's value is out of range (not plausible Unix seconds),
   * the delivery's receipt time instead, and `timestampSubstituted` is true.
   */
  occurredAt: Date;
  timestampSubstituted: boolean;
};

/** One entry of `value.messages`, routed by `metadata.phone_number_id`. */
export type MessageItem = ItemBase & {
  kind: "message";
  phoneNumberId: string;
  businessNumberId: string;
  message: WhatsAppMessage;
  /** The sender's entry in `value.contacts`, when Meta sent one. */
  profile?: WhatsAppProfile;
};

/** One entry of `value.statuses`, routed by `metadata.phone_number_id`. */
export type StatusItem = ItemBase & {
  kind: "status";
  phoneNumberId: string;
  status: WhatsAppStatus;
};

export const otherFields = [
  "message_template_status_update",
  "message_template_quality_update",
  "user_preferences",
  "phone_number_quality_update",
  "account_update",
  "account_alerts",
  "smb_message_echoes",
] as const;
export type OtherField = (typeof otherFields)[number];

/**
 * One event of another field. Fields with an array of events in their value are split one item
 * per element: `user_preferences` (value = the change's value with `user_preferences` holding
 * the one element) and `smb_message_echoes` (likewise with `message_echoes`). Account-level
 * fields route by the WABA (`entry.id`), the others by `metadata.phone_number_id`; both ids
 * are given when known. `message_template_quality_update` is account-level, like the
 * template status.
 */
export type FieldItem = ItemBase & {
  kind: "field";
  field: OtherField;
  wabaId: string | null;
  phoneNumberId: string | null;
  /** The business number the item routed to, when it routed by phone number id. */
  businessNumberId: string | null;
  value: unknown;
};

export type IngestItem = MessageItem | StatusItem | FieldItem;
