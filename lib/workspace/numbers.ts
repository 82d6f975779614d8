import { randomUUID } from "node:crypto";
import { and, asc, eq, isNull, sql } from "drizzle-orm";
import { z } from "zod";
import type { Tx } from "@/db/client";
import { pgCodes, pgErrorCode } from "@/db/errors";
import { withPlatform } from "@/db/platform";
import { businessNumbers, phoneNumberRoutes } from "@/db/schema";
import { enterTenant, withTenant } from "@/db/tenant";
import { encryptSecret } from "@/lib/crypto/secret-box";
import { processUnroutedDeliveries } from "@/lib/inbox/ingest/unrouted";
import { log } from "@/lib/log";
import { NotFoundError, requireRole, RuleError, type Actor } from "./access";
import { recordAudit } from "./audit";
import { typedText } from "@/lib/typed-text";

const digits = (what: string) =>
  z
    .string()
    .trim()
    .regex(/^\d{5,32}$/, `${what} is digits only, as shown in Meta's WhatsApp Manager.`);

const numberFields = {
  label: typedText().trim().min(1, "Give the number a label, like Support or Sales.").max(80, "Keep the label under 80 characters."),
  displayNumber: z
    .string()
    .trim()
    .min(4, "Enter the phone number customers see, like +1 555 010 0001.")
    .max(32, "That phone number is too long.")
    .regex(/^\+?[0-9][0-9 ().-]*$/, "Use digits, spaces, brackets, dashes and an optional leading +."),
  wabaId: digits("The WhatsApp Business Account ID"),
  accessToken: z
    .string()
    .trim()
    .max(4096, "That access token is too long.")
    .refine((v) => v === "" || v.length >= 16, "That does not look like a complete access token.")
    .transform((v) => v || undefined),
};

export const addNumberSchema = z.object({ ...numberFields, phoneNumberId: digits("The phone number ID") });
export const updateNumberSchema = z.object({ ...numberFields, id: z.uuid() });
export const removeNumberSchema = z.object({ id: z.uuid() });

export type AddNumberInput = z.infer<typeof addNumberSchema>;
export type UpdateNumberInput = z.infer<typeof updateNumberSchema>;

/** What pages may show about a number: never the token, only its last four characters. */
export type NumberView = {
  id: string;
  label: string;
  phoneNumberId: string;
  displayNumber: string;
  wabaId: string;
  accessTokenLast4: string | null;
  accessTokenInvalidAt: Date | null;
  removedAt: Date | null;
  createdAt: Date;
};

const numberView = {
  id: businessNumbers.id,
  label: businessNumbers.label,
  phoneNumberId: businessNumbers.phoneNumberId,
  displayNumber: businessNumbers.displayNumber,
  wabaId: businessNumbers.wabaId,
  accessTokenLast4: businessNumbers.accessTokenLast4,
  accessTokenInvalidAt: businessNumbers.accessTokenInvalidAt,
  removedAt: businessNumbers.removedAt,
  createdAt: businessNumbers.createdAt,
};

function sealToken(token: string | undefined, numberId: string) {
  if (token === undefined) return {};
  // The number's id is the additional data: a sealed token copied onto another row does not open.
  return { accessTokenEncrypted: encryptSecret(token, numberId), accessTokenLast4: token.slice(-4), accessTokenInvalidAt: null };
}

export async function listNumbers(tx: Tx): Promise<NumberView[]> {
  return tx.select(numberView).from(businessNumbers).orderBy(asc(businessNumbers.removedAt), asc(businessNumbers.label));
}

export const numberTakenMessage =
  "This phone number ID is already connected to another Switchboard workspace. " +
  "Remove it there first, or check that you copied the right ID from WhatsApp Manager.";

/**
 * Connects a WhatsApp number to the actor's workspace: the platform-wide route and the
 * workspace's number row in one transaction. The route's primary key decides who owns a
 * phone_number_id, so two workspaces racing for one number cannot both win. Re-adding a
 * number this workspace removed brings back the same row, with its conversations.
 */
export async function addNumber(actor: Actor, input: AddNumberInput): Promise<NumberView> {
  requireRole(actor, "admin");
  try {
    const number = await withPlatform((tx) => insertNumber(tx, actor, input));
    log.info("number_added", { workspaceId: actor.tenantId, numberId: number.id, phoneNumberId: number.phoneNumberId });
    await replayEarlierDeliveries(number.phoneNumberId);
    return number;
  } catch (error) {
    if (pgErrorCode(error) !== pgCodes.uniqueViolation) throw error;
    const ours = await withTenant(actor.tenantId, (tx) =>
      tx
        .select({ id: businessNumbers.id })
        .from(businessNumbers)
        .where(and(eq(businessNumbers.phoneNumberId, input.phoneNumberId), isNull(businessNumbers.removedAt))),
    );
    throw new RuleError(
      ours.length > 0 ? "This number is already connected to this workspace." : numberTakenMessage,
      "phoneNumberId",
    );
  }
}

/**
 * Messages Meta sent to this number before anyone owned it were kept as unrouted; they
 * belong here now. A failure does not undo the connection: the periodic delivery retry
 * replays unclaimed items of owned numbers too.
 */
async function replayEarlierDeliveries(phoneNumberId: string): Promise<void> {
  try {
    const replayed = await processUnroutedDeliveries(phoneNumberId);
    if (replayed > 0) log.info("unrouted_replayed", { phoneNumberId, items: replayed });
  } catch (error) {
    log.error("unrouted_replay_failed", { phoneNumberId, error });
  }
}

async function insertNumber(tx: Tx, actor: Actor, input: AddNumberInput): Promise<NumberView> {
  await tx.insert(phoneNumberRoutes).values({ phoneNumberId: input.phoneNumberId, workspaceId: actor.tenantId });
  await enterTenant(tx, actor.tenantId);
  const fields = { label: input.label, displayNumber: input.displayNumber, wabaId: input.wabaId };
  // Only this transaction can hold the route now, so reading the removed row is race-free.
  const [removed] = await tx
    .select({ id: businessNumbers.id })
    .from(businessNumbers)
    .where(eq(businessNumbers.phoneNumberId, input.phoneNumberId));
  let number: NumberView | undefined;
  if (removed) {
    [number] = await tx
      .update(businessNumbers)
      .set({ ...fields, ...sealToken(input.accessToken, removed.id), removedAt: null })
      .where(eq(businessNumbers.id, removed.id))
      .returning(numberView);
  } else {
    const id = randomUUID();
    [number] = await tx
      .insert(businessNumbers)
      .values({ tenantId: actor.tenantId, id, phoneNumberId: input.phoneNumberId, ...fields, ...sealToken(input.accessToken, id) })
      .returning(numberView);
  }
  await recordAudit(tx, {
    tenantId: actor.tenantId,
    actorUserId: actor.userId,
    action: "number.added",
    target: `${input.label} (${input.displayNumber})`,
    details: { phoneNumberId: input.phoneNumberId, restored: Boolean(removed), accessToken: input.accessToken ? "set" : "none" },
  });
  return number!;
}

/** Changes a connected number; a blank access token keeps the current one. Tenant transaction. */
export async function updateNumber(tx: Tx, actor: Actor, input: UpdateNumberInput): Promise<NumberView> {
  requireRole(actor, "admin");
  const [before] = await tx
    .select(numberView)
    .from(businessNumbers)
    .where(and(eq(businessNumbers.id, input.id), isNull(businessNumbers.removedAt)))
    .for("update");
  if (!before) throw new NotFoundError("Number");
  const fields = { label: input.label, displayNumber: input.displayNumber, wabaId: input.wabaId };
  const [number] = await tx
    .update(businessNumbers)
    .set({ ...fields, ...sealToken(input.accessToken, before.id) })
    .where(eq(businessNumbers.id, before.id))
    .returning(numberView);
  const changed: string[] = (Object.keys(fields) as (keyof typeof fields)[]).filter((k) => before[k] !== fields[k]);
  if (input.accessToken) changed.push("accessToken");
  if (changed.length > 0) {
    await recordAudit(tx, {
      tenantId: actor.tenantId,
      actorUserId: actor.userId,
      action: "number.updated",
      target: `${input.label} (${input.displayNumber})`,
      details: { phoneNumberId: before.phoneNumberId, changed },
    });
  }
  return number!;
}

/**
 * Disconnects a number: its route goes (so Meta's deliveries for it are kept as unrouted
 * and another workspace may claim it) and the row is marked removed, keeping its
 * conversations readable. Nothing is deleted.
 */
export async function removeNumber(actor: Actor, input: { id: string }): Promise<void> {
  requireRole(actor, "admin");
  await withPlatform(async (tx) => {
    // Platform connection, so the subquery names this workspace explicitly; the update
    // below runs under row-level security and fails the whole transaction for a foreign id.
    await tx
      .delete(phoneNumberRoutes)
      .where(
        and(
          eq(phoneNumberRoutes.workspaceId, actor.tenantId),
          sql`${phoneNumberRoutes.phoneNumberId} in (select ${businessNumbers.phoneNumberId} from ${businessNumbers}
            where ${businessNumbers.tenantId} = ${actor.tenantId} and ${businessNumbers.id} = ${input.id})`,
        ),
      );
    await enterTenant(tx, actor.tenantId);
    const [number] = await tx
      .update(businessNumbers)
      .set({ removedAt: new Date() })
      .where(and(eq(businessNumbers.id, input.id), isNull(businessNumbers.removedAt)))
      .returning(numberView);
    if (!number) throw new NotFoundError("Number");
    await recordAudit(tx, {
      tenantId: actor.tenantId,
      actorUserId: actor.userId,
      action: "number.removed",
      target: `${number.label} (${number.displayNumber})`,
      details: { phoneNumberId: number.phoneNumberId },
    });
  });
  log.info("number_removed", { workspaceId: actor.tenantId, numberId: input.id });
}
