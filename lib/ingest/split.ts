import { z } from "zod";
import {
  messageSchema,
  messagesField,
  profileSchema,
  senderProfile,
  statusSchema,
  whatsappObject,
  type WhatsAppMessage,
  type WhatsAppProfile,
} from "@/lib/whatsapp/payload";
import { otherFields, type OtherField } from "./apply/types";

/**
 * A delivery split into items: each message, each status, each other field's event, and each
 * part of the envelope that could not be read. Pure: the same body and receipt time always
 * give the same items in the same positions, so splitting a delivery again inserts nothing twice.
 */

export type Lane = "messages" | "statuses" | "fields";
export type ItemKind = "message" | "status" | "field" | "envelope";

/** The item's own JSON, stored in `ingest_items.body` and read back by `decodeItem`. */
export type ItemBody =
  | { message: WhatsAppMessage; profile?: WhatsAppProfile }
  | { status: z.infer<typeof statusSchema> }
  | { field: OtherField; value: unknown };

export type SplitItem = {
  position: number;
  path: string;
  kind: ItemKind;
  lane: Lane;
  phoneNumberId: string | null;
  wabaId: string | null;
  /** Account-level fields route by the WABA; everything else by its phone number id. */
  routeBy: "phone" | "waba";
  occurredAt: Date;
  timestampSubstituted: boolean;
  /** Null when the item could not be stored (nested too deep); then `problem` says so. */
  body: ItemBody | null;
  /** Why the item cannot be applied: it is quarantined at once, with this reason. */
  problem: string | null;
};

/** Errors Meta reported about a number (a messages change's `value.errors`), not about one message. */
export type NumberError = { phoneNumberId: string; code?: unknown; title?: unknown };

export type SplitResult =
  | { ok: false; reason: string }
  | { ok: true; items: SplitItem[]; skipped: string[]; changes: number; numberErrors: NumberError[] };

/** Account-level fields: about the WABA (`entry.id`), not one number's conversation. */
const byWaba = new Set<OtherField>(["message_template_status_update", "account_update", "account_alerts", "phone_number_quality_update", "message_template_quality_update"]);
/** Fields whose value holds an array of events, split one item per element (apply/types.ts). */
const eventArrays: Partial<Record<OtherField, string>> = { user_preferences: "user_preferences", smb_message_echoes: "message_echoes" };

/**
 * Deeper than any delivery Meta sends (about 8 levels); an item nested deeper is quarantined,
 * since JSON.stringify and Postgres's jsonb parser both recurse and overflow on thousands.
 */
export const maxItemDepth = 64;

/** WhatsApp did not exist before 2009; more than a year ahead of receipt is not a clock's skew. */
const earliestPlausible = Date.UTC(2009, 0, 1);
const plausibleAheadMs = 366 * 86_400_000;

export function splitDelivery(text: string, receivedAt: Date): SplitResult {
  let json: unknown;
  try {
    // NUL and lone surrogates can only arrive as \u escapes (the raw bytes are refused as
    // not UTF-8 text); Postgres stores neither in text or jsonb, so they become U+FFFD.
    json = text.includes("\\u") ? JSON.parse(text, storable) : JSON.parse(text);
  } catch {
    return { ok: false, reason: "body is not valid JSON" };
  }
  if (!isRecord(json)) return { ok: false, reason: "not a webhook delivery: (root): expected an object" };
  if (typeof json.object !== "string") return { ok: false, reason: "not a webhook delivery: object: expected a string" };
  if (json.object !== whatsappObject) return { ok: false, reason: `object "${json.object}" is not handled` };
  if (!Array.isArray(json.entry)) return { ok: false, reason: "not a webhook delivery: entry: expected an array" };

  const items: SplitItem[] = [];
  const skipped: string[] = [];
  const numberErrors: NumberError[] = [];
  let changes = 0;
  const add = (item: Omit<SplitItem, "position">) => items.push({ ...item, position: items.length });
  const envelopeProblem = (path: string, problem: string, wabaId: string | null = null) =>
    add({ path, kind: "envelope", lane: "fields", phoneNumberId: null, wabaId, routeBy: "waba", occurredAt: receivedAt, timestampSubstituted: true, body: null, problem });

  json.entry.forEach((entry: unknown, e) => {
    const entryPath = `entry[${e}]`;
    if (!isRecord(entry)) return envelopeProblem(entryPath, "entry is not an object");
    // Routing needs entry.id only for account-level fields; Meta sends a string, a number is read as one.
    const wabaId = typeof entry.id === "string" || typeof entry.id === "number" ? String(entry.id) : null;
    if (!Array.isArray(entry.changes)) return envelopeProblem(entryPath, "entry has no changes array", wabaId);
    const entryTime = entry.time;
    entry.changes.forEach((change: unknown, c) => {
      const path = `${entryPath}.changes[${c}]`;
      if (!isRecord(change)) return envelopeProblem(path, "change is not an object", wabaId);
      if (typeof change.field !== "string") return envelopeProblem(path, "change has no field", wabaId);
      if (!isRecord(change.value)) return envelopeProblem(path, `change "${change.field}" has no value object`, wabaId);
      const value = change.value;
      if (change.field === messagesField) {
        const phoneNumberId = metadataNumber(value);
        if (!phoneNumberId) return envelopeProblem(path, "value.metadata.phone_number_id is missing", wabaId);
        changes++;
        if (Array.isArray(value.errors)) {
          for (const error of value.errors) numberErrors.push({ phoneNumberId, code: isRecord(error) ? error.code : undefined, title: isRecord(error) ? error.title : undefined });
        }
        splitMessages(value, { path: `${path}.value`, phoneNumberId, wabaId, receivedAt }, add);
        return;
      }
      const field = otherFields.find((f) => f === change.field);
      if (!field) return void skipped.push(`${path}: field "${change.field}" is not handled`);
      changes++;
      const routeBy = byWaba.has(field) ? "waba" : "phone";
      const phoneNumberId = metadataNumber(value);
      const arrayKey = eventArrays[field];
      const events = arrayKey ? value[arrayKey] : undefined;
      const perEvent = arrayKey && Array.isArray(events) ? events.map((event, i) => [`${path}.value.${arrayKey}[${i}]`, { ...value, [arrayKey]: [event] }, event] as const) : [[`${path}.value`, value, value] as const];
      for (const [itemPath, itemValue, event] of perEvent) {
        const time = isRecord(event) && event.timestamp !== undefined ? event.timestamp : entryTime;
        const { occurredAt, substituted } = readTimestamp(time, receivedAt);
        const tooDeep = nestedDeeperThan(itemValue, maxItemDepth);
        add({
          path: itemPath,
          kind: "field",
          lane: "fields",
          phoneNumberId,
          wabaId,
          routeBy,
          occurredAt,
          timestampSubstituted: substituted,
          body: tooDeep ? null : { field, value: itemValue },
          problem: tooDeep ? `nested deeper than ${maxItemDepth} levels` : routeBy === "phone" && !phoneNumberId ? "value.metadata.phone_number_id is missing" : null,
        });
      }
    });
  });
  return { ok: true, items, skipped, changes, numberErrors };
}

type MessagesContext = { path: string; phoneNumberId: string; wabaId: string | null; receivedAt: Date };

function splitMessages(value: Record<string, unknown>, ctx: MessagesContext, add: (item: Omit<SplitItem, "position">) => void) {
  const base = { phoneNumberId: ctx.phoneNumberId, wabaId: ctx.wabaId, routeBy: "phone" as const };
  const profiles = z.array(profileSchema).safeParse(value.contacts);
  const sendersOf = { contacts: profiles.success ? profiles.data : [] } as Parameters<typeof senderProfile>[0];
  for (const [key, kind, lane, schema] of [
    ["messages", "message", "messages", messageSchema],
    ["statuses", "status", "statuses", statusSchema],
  ] as const) {
    const list = value[key];
    if (list === undefined) continue;
    if (!Array.isArray(list)) {
      add({ ...base, path: `${ctx.path}.${key}`, kind, lane, occurredAt: ctx.receivedAt, timestampSubstituted: true, body: null, problem: `${key} is not an array` });
      continue;
    }
    list.forEach((raw: unknown, i) => {
      const path = `${ctx.path}.${key}[${i}]`;
      const time = isRecord(raw) ? raw.timestamp : undefined;
      const { occurredAt, substituted } = readTimestamp(time, ctx.receivedAt);
      const item = { ...base, path, kind, lane, occurredAt, timestampSubstituted: substituted };
      if (nestedDeeperThan(raw, maxItemDepth)) return add({ ...item, body: null, problem: `nested deeper than ${maxItemDepth} levels` });
      // Meta's own timestamp is kept beside the receipt time that replaces it, visibly.
      const stamped = isRecord(raw) && substituted ? { ...raw, timestamp: unixSeconds(occurredAt), timestamp_substituted: { original: raw.timestamp ?? null } } : raw;
      const parsed = schema.safeParse(stamped);
      if (!parsed.success) return add({ ...item, body: null, problem: describeIssues(parsed.error) });
      if (kind === "status") return add({ ...item, body: { status: parsed.data as z.infer<typeof statusSchema> }, problem: null });
      const message = parsed.data as WhatsAppMessage;
      const profile = senderProfile(sendersOf, message);
      const problem = !message.from && !message.from_user_id ? "message has neither from nor from_user_id" : null;
      add({ ...item, body: profile ? { message, profile } : { message }, problem });
    });
  }
}

function metadataNumber(value: Record<string, unknown>): string | null {
  const id = isRecord(value.metadata) ? value.metadata.phone_number_id : undefined;
  if (typeof id === "number" && Number.isSafeInteger(id)) return String(id);
  return typeof id === "string" && id.length > 0 && id.length <= 256 ? id : null;
}

/** Meta's Unix seconds, or the receipt time when they are missing or not plausible. */
export function readTimestamp(value: unknown, receivedAt: Date): { occurredAt: Date; substituted: boolean } {
  const seconds = typeof value === "string" && /^\d{1,12}$/.test(value) ? Number(value) : typeof value === "number" && Number.isInteger(value) ? value : NaN;
  const ms = seconds * 1000;
  if (Number.isFinite(ms) && ms >= earliestPlausible && ms <= receivedAt.getTime() + plausibleAheadMs) {
    return { occurredAt: new Date(ms), substituted: false };
  }
  return { occurredAt: receivedAt, substituted: true };
}

const unixSeconds = (date: Date) => String(Math.floor(date.getTime() / 1000));

/** Without recursion, so that a value nested thousands deep cannot overflow the stack here. */
export function nestedDeeperThan(value: unknown, limit: number): boolean {
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    if (node === null || typeof node !== "object") continue;
    if (depth >= limit) return true;
    for (const child of Object.values(node)) stack.push([child, depth + 1]);
  }
  return false;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

const unstorable = /\u0000/g;
const storableText = (value: string) => value.toWellFormed().replace(unstorable, "\ufffd");

function storable(_key: string, value: unknown): unknown {
  if (typeof value === "string") return storableText(value);
  if (value && typeof value === "object" && !Array.isArray(value)) {
    const keys = Object.keys(value);
    if (keys.some((key) => storableText(key) !== key)) {
      return Object.fromEntries(keys.map((key) => [storableText(key), (value as Record<string, unknown>)[key]]));
    }
  }
  return value;
}

function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`)
    .join("; ");
}
