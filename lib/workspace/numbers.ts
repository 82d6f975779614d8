import { randomUUID } from "node:crypto";
import { and, asc, eq, isNull, ne, sql } from "drizzle-orm";
import { z } from "zod";
import type { PlatformTx, TenantTx } from "@/db/transactions";
import { pgCodes, pgErrorCode } from "@/db/errors";
import { withPlatform } from "@/db/platform";
import { businessNumbers, conversations, phoneNumberRoutes, wabaOwners } from "@/db/schema";
import { enterTenant, withTenant } from "@/db/tenant";
import { decryptSecret, encryptSecret } from "@/lib/crypto/secret-box";
import { routeUnroutedItems, routeUnroutedWabaItems } from "@/lib/ingest/unrouted";
import { log } from "@/lib/log";
import type { PhoneNumberInfo } from "@/lib/whatsapp/graph/client";
import { notFound, rejected } from "@/lib/domain/errors";
import type { Actor, ActorCtx, TenantCtx } from "@/lib/domain/context";
import { requireVerifiedEmail } from "@/lib/account/verification";
import { requireRole } from "./access";
import { recordAudit } from "./audit";
import { proveNumber, type Verdict } from "./ownership";
import { isSandboxNumberId, sandboxNumbersAllowed, sandboxPrefix } from "@/lib/sandbox/numbers";
import { typedText } from "@/lib/typed-text";

export const digits = (what: string) =>
  z
    .string()
    .trim()
    .regex(/^\d{5,32}$/, `${what} is digits only, as shown in Meta's WhatsApp Manager.`);

/** Blank form fields are "not given". */
export const blankAsUndefined = (v: unknown) => (typeof v === "string" && v.trim() === "" ? undefined : v);

export const numberLabel = typedText().trim().min(1, "Give the number a label, like Support or Sales.").max(80, "Keep the label under 80 characters.");
/** Typed only for sandbox numbers; Meta's own display number replaces it for a verified one. */
const displayNumber = z.preprocess(
  blankAsUndefined,
  z
    .string()
    .trim()
    .min(4, "Enter the phone number customers see, like +1 555 010 0001.")
    .max(32, "That phone number is too long.")
    .regex(/^\+?[0-9][0-9 ().-]*$/, "Use digits, spaces, brackets, dashes and an optional leading +.")
    .optional(),
);
const accessToken = z
  .string()
  .trim()
  .max(4096, "That access token is too long.")
  .refine((v) => v === "" || v.length >= 16, "That does not look like a complete access token.")
  .transform((v) => v || undefined);

export const addNumberSchema = z.object({
  label: numberLabel,
  displayNumber,
  wabaId: digits("The WhatsApp Business Account ID"),
  accessToken: z.preprocess((v) => v ?? "", accessToken),
  phoneNumberId: digits("The phone number ID"),
});
export const updateNumberSchema = z.object({ id: z.uuid(), label: numberLabel, displayNumber, accessToken: z.preprocess((v) => v ?? "", accessToken) });
export const removeNumberSchema = z.object({ id: z.uuid() });
export const checkNumberSchema = z.object({ id: z.uuid() });

/** Validated at the edge (the settings form's schema): the domain receives trimmed, typed values. */
export type AddNumberInput = z.output<typeof addNumberSchema>;
export type UpdateNumberInput = z.output<typeof updateNumberSchema>;

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
  verifiedName: string | null;
  qualityRating: string | null;
  messagingLimit: string | null;
  /** Meta's last quality event for the number (DOWNGRADE, FLAGGED…) and when. */
  qualityEvent: string | null;
  qualityEventAt: Date | null;
  verifiedAt: Date | null;
  appSubscribed: boolean | null;
  checkedAt: Date | null;
  checkProblem: string | null;
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
  verifiedName: businessNumbers.verifiedName,
  qualityRating: businessNumbers.qualityRating,
  messagingLimit: businessNumbers.messagingLimit,
  qualityEvent: businessNumbers.qualityEvent,
  qualityEventAt: businessNumbers.qualityEventAt,
  verifiedAt: businessNumbers.verifiedAt,
  appSubscribed: businessNumbers.appSubscribed,
  checkedAt: businessNumbers.checkedAt,
  checkProblem: businessNumbers.checkProblem,
  createdAt: businessNumbers.createdAt,
};

function sealToken(token: string | undefined, numberId: string) {
  if (token === undefined) return {};
  // The number's id is the additional data: a sealed token copied onto another row does not open.
  return { accessTokenEncrypted: encryptSecret(token, numberId), accessTokenLast4: token.slice(-4), accessTokenInvalidAt: null };
}

/** What Graph said about the number, as stored on its row. */
function fromGraph(phone: PhoneNumberInfo, now: Date) {
  return {
    ...(phone.displayNumber ? { displayNumber: phone.displayNumber } : {}),
    verifiedName: phone.verifiedName,
    qualityRating: phone.qualityRating,
    messagingLimit: phone.messagingLimit,
    verifiedAt: now,
    appSubscribed: true,
    checkedAt: now,
    checkProblem: null,
  };
}

export type NumberListing = NumberView & { lastMessageAt: Date | null };

export async function listNumbers({ tx }: TenantCtx): Promise<NumberListing[]> {
  return tx
    .select({
      ...numberView,
      // Spelled out: in a one-table select Drizzle leaves column names unqualified, which the subquery would misread.
      lastMessageAt: sql<Date | null>`(select max(c.last_inbound_at) from conversations c
        where c.tenant_id = business_numbers.tenant_id and c.business_number_id = business_numbers.id)`.mapWith(conversations.lastInboundAt),
    })
    .from(businessNumbers)
    .orderBy(asc(businessNumbers.removedAt), asc(businessNumbers.label));
}

export const numberTakenMessage =
  "This phone number ID is already connected to another Switchboard workspace. " +
  "Remove it there first, or check that you copied the right ID from WhatsApp Manager.";

export const movedAwayProblem =
  "Another workspace proved, with its own access token, that it manages this number's WhatsApp Business Account, " +
  "so the account and its numbers moved there. If that is wrong, connect the number again with your token.";

/** Refuses a number the actor cannot connect, before anything is asked or stored. */
async function verdictForNewNumber(input: z.output<typeof addNumberSchema>): Promise<Verdict | null> {
  if (input.accessToken) {
    return proveNumber({ token: input.accessToken, wabaId: input.wabaId, phoneNumberId: input.phoneNumberId });
  }
  if (!isSandboxNumberId(input.phoneNumberId)) {
    throw rejected(
      "Paste the access token: Switchboard connects a number only once Meta confirms, with your token, that it is in your WhatsApp Business Account.",
      "accessToken",
    );
  }
  if (!sandboxNumbersAllowed()) {
    throw rejected(`Sandbox numbers (ids starting with ${sandboxPrefix}) are turned off on this server.`, "phoneNumberId");
  }
  return null;
}

/**
 * Connects a WhatsApp number to the actor's workspace. A number outside the sandbox prefix
 * needs a token with which Graph proves it (`proveNumber`); Graph's answers, not the form,
 * give its display number and health. The proof also makes the workspace the owner of the
 * number's WABA, taking it (and its numbers' routes) from a workspace that had it. Everything
 * is one transaction: platform rows first, then the workspace's. Re-adding a number this
 * workspace removed brings back the same row, with its conversations.
 */
export async function addNumber({ actor }: ActorCtx, input: AddNumberInput): Promise<NumberView> {
  requireRole(actor, "admin");
  await withTenant(actor.tenantId, (tx) => requireVerifiedEmail(tx, actor.userId));
  const verdict = await verdictForNewNumber(input);
  if (verdict && verdict.kind !== "proven") throw rejected(verdict.reason, verdict.kind === "unreachable" ? undefined : "accessToken");
  return storeNumber(actor, input, verdict);
}

/**
 * The second half of connecting a number, shared by the pasted-token form and Embedded
 * Signup (embedded-signup.ts): the number proven with `input.accessToken` (or `null`, a
 * sandbox number) is stored as `addNumber` describes, and its waiting deliveries replayed.
 */
export async function storeNumber(actor: Actor, input: AddNumberInput, verdict: Extract<Verdict, { kind: "proven" }> | null): Promise<NumberView> {
  requireRole(actor, "admin");
  const proof = verdict ? { phone: verdict.phone, wabaPhones: verdict.wabaPhones, token: input.accessToken! } : null;
  try {
    const connected = await withPlatform((tx) => connectNumber(tx, actor, input, proof));
    log.info("number_added", { workspaceId: actor.tenantId, numberId: connected.number.id, phoneNumberId: input.phoneNumberId, verified: Boolean(proof) });
    for (const phoneNumberId of connected.routed) await replayEarlierDeliveries(phoneNumberId, input.wabaId);
    return connected.number;
  } catch (error) {
    if (pgErrorCode(error) !== pgCodes.uniqueViolation) throw error;
    const ours = await withTenant(actor.tenantId, (tx) =>
      tx
        .select({ id: businessNumbers.id })
        .from(businessNumbers)
        .where(and(eq(businessNumbers.phoneNumberId, input.phoneNumberId), isNull(businessNumbers.removedAt))),
    );
    throw rejected(ours.length > 0 ? "This number is already connected to this workspace." : numberTakenMessage, "phoneNumberId");
  }
}

/**
 * What Meta sent to this number (and, for account-level fields, to its WABA) while nobody had
 * proved it was kept as unrouted; it belongs here now, and the processor applies it. A failure
 * does not undo the connection: proving the number again routes it.
 */
async function replayEarlierDeliveries(phoneNumberId: string, wabaId: string): Promise<void> {
  try {
    await routeUnroutedItems(phoneNumberId);
    await routeUnroutedWabaItems(wabaId);
  } catch (error) {
    log.error("unrouted_replay_failed", { phoneNumberId, error });
  }
}

type Proof = { phone: PhoneNumberInfo; wabaPhones: PhoneNumberInfo[]; token: string };

/**
 * Platform part of a proven connection: the workspace becomes the WABA's owner, and any
 * other workspace's rows for the number, or for the WABA's numbers, are closed there with
 * a notice and an audit entry. Returns the phone number ids whose routes now come here.
 * Runs on the platform connection, before the transaction enters the new owner's tenant.
 */
async function takeWaba(tx: PlatformTx, actor: Actor, wabaId: string, phoneNumberId: string): Promise<string[]> {
  await tx.insert(wabaOwners).values({ wabaId, workspaceId: actor.tenantId }).onConflictDoNothing();
  const [owner] = await tx.select().from(wabaOwners).where(eq(wabaOwners.wabaId, wabaId)).for("update");
  const previousOwner = owner!.workspaceId !== actor.tenantId ? owner!.workspaceId : null;
  if (previousOwner) {
    await tx.update(wabaOwners).set({ workspaceId: actor.tenantId, provenAt: new Date() }).where(eq(wabaOwners.wabaId, wabaId));
  }
  // Other workspaces' live rows for this number, or (when the WABA moves) for any number of it.
  const lost = await tx
    .update(businessNumbers)
    .set({ removedAt: new Date(), verifiedAt: null, checkProblem: movedAwayProblem })
    .where(
      and(
        ne(businessNumbers.tenantId, actor.tenantId),
        isNull(businessNumbers.removedAt),
        previousOwner
          ? sql`(${businessNumbers.phoneNumberId} = ${phoneNumberId} or (${businessNumbers.tenantId} = ${previousOwner} and ${businessNumbers.wabaId} = ${wabaId}))`
          : eq(businessNumbers.phoneNumberId, phoneNumberId),
      ),
    )
    .returning({ tenantId: businessNumbers.tenantId, phoneNumberId: businessNumbers.phoneNumberId, label: businessNumbers.label, displayNumber: businessNumbers.displayNumber });
  for (const row of lost) {
    await tx
      .delete(phoneNumberRoutes)
      .where(and(eq(phoneNumberRoutes.phoneNumberId, row.phoneNumberId), eq(phoneNumberRoutes.workspaceId, row.tenantId)));
    await recordAudit(tx, {
      tenantId: row.tenantId,
      actorUserId: null,
      action: "number.moved_away",
      target: `${row.label} (${row.displayNumber})`,
      details: { phoneNumberId: row.phoneNumberId, wabaId },
    });
  }
  if (previousOwner || lost.length > 0) {
    log.info("waba_moved", { wabaId, toWorkspaceId: actor.tenantId, fromWorkspaceId: previousOwner, numbers: lost.length });
  }
  return lost.filter((row) => row.phoneNumberId !== phoneNumberId).map((row) => row.phoneNumberId);
}

async function connectNumber(
  tx: PlatformTx,
  actor: Actor,
  input: z.output<typeof addNumberSchema>,
  proof: Proof | null,
): Promise<{ number: NumberView; routed: string[] }> {
  const movedIn = proof ? await takeWaba(tx, actor, input.wabaId, input.phoneNumberId) : [];
  await tx.insert(phoneNumberRoutes).values({ phoneNumberId: input.phoneNumberId, workspaceId: actor.tenantId });
  // The WABA's other numbers follow it, as far as this token's list shows them.
  const following = proof ? proof.wabaPhones.filter((p) => movedIn.includes(p.id)) : [];
  for (const phone of following) {
    await tx.insert(phoneNumberRoutes).values({ phoneNumberId: phone.id, workspaceId: actor.tenantId }).onConflictDoNothing();
  }
  const tenantTx = await enterTenant(tx, actor.tenantId);
  const now = new Date();
  const number = await upsertNumberRow(tenantTx, actor.tenantId, {
    phoneNumberId: input.phoneNumberId,
    label: input.label,
    wabaId: input.wabaId,
    token: input.accessToken,
    fields: proof ? fromGraph(proof.phone, now) : { displayNumber: input.displayNumber ?? `+${input.phoneNumberId}` },
  });
  await recordAudit(tenantTx, {
    tenantId: actor.tenantId,
    actorUserId: actor.userId,
    action: "number.added",
    target: `${number.label} (${number.displayNumber})`,
    details: {
      phoneNumberId: input.phoneNumberId,
      restored: number.restored,
      accessToken: input.accessToken ? "set" : "none",
      verified: Boolean(proof),
    },
  });
  for (const phone of following) {
    const moved = await upsertNumberRow(tenantTx, actor.tenantId, {
      phoneNumberId: phone.id,
      label: phone.verifiedName ?? phone.displayNumber ?? phone.id,
      wabaId: input.wabaId,
      token: input.accessToken,
      fields: fromGraph(phone, now),
    });
    await recordAudit(tenantTx, {
      tenantId: actor.tenantId,
      actorUserId: actor.userId,
      action: "number.moved_in",
      target: `${moved.label} (${moved.displayNumber})`,
      details: { phoneNumberId: phone.id, wabaId: input.wabaId },
    });
  }
  return { number: numberViewOf(number), routed: [input.phoneNumberId, ...following.map((p) => p.id)] };
}

function numberViewOf({ restored, ...view }: NumberView & { restored: boolean }): NumberView {
  void restored;
  return view;
}

/** The workspace's row for a number: restored if it had one (same id, conversations kept), else new. */
async function upsertNumberRow(
  tx: TenantTx,
  tenantId: string,
  row: { phoneNumberId: string; label: string; wabaId: string; token: string | undefined; fields: Partial<typeof businessNumbers.$inferInsert> },
): Promise<NumberView & { restored: boolean }> {
  // Only this transaction can hold the route now, so reading the existing row is race-free.
  const [existing] = await tx.select({ id: businessNumbers.id }).from(businessNumbers).where(eq(businessNumbers.phoneNumberId, row.phoneNumberId));
  const values = { label: row.label, wabaId: row.wabaId, removedAt: null, ...row.fields };
  if (existing) {
    const [number] = await tx
      .update(businessNumbers)
      .set({ ...values, ...sealToken(row.token, existing.id) })
      .where(eq(businessNumbers.id, existing.id))
      .returning(numberView);
    return { ...number!, restored: true };
  }
  const id = randomUUID();
  const [number] = await tx
    .insert(businessNumbers)
    .values({ displayNumber: `+${row.phoneNumberId}`, ...values, tenantId, id, phoneNumberId: row.phoneNumberId, ...sealToken(row.token, id) })
    .returning(numberView);
  return { ...number!, restored: false };
}

/**
 * Changes a connected number's label (and a sandbox number's display number). A new token
 * is stored only once Graph proves the number with it; a blank one keeps the current token.
 */
export async function updateNumber({ actor }: ActorCtx, input: UpdateNumberInput): Promise<NumberView> {
  requireRole(actor, "admin");
  const before = await withTenant(actor.tenantId, async (tx) => {
    const [row] = await tx.select(numberView).from(businessNumbers).where(and(eq(businessNumbers.id, input.id), isNull(businessNumbers.removedAt)));
    return row;
  });
  if (!before) throw notFound("Number");
  let verdict: Verdict | null = null;
  if (input.accessToken) {
    verdict = await proveNumber({ token: input.accessToken, wabaId: before.wabaId, phoneNumberId: before.phoneNumberId });
    if (verdict.kind !== "proven") throw rejected(verdict.reason, verdict.kind === "unreachable" ? undefined : "accessToken");
  }
  const proven = verdict?.kind === "proven" ? verdict.phone : null;
  const sandbox = !before.accessTokenLast4 && !proven;
  const fields = { label: input.label, ...(sandbox && input.displayNumber ? { displayNumber: input.displayNumber } : {}) };
  const number = await withTenant(actor.tenantId, async (tx) => {
    const [row] = await tx
      .update(businessNumbers)
      .set({ ...fields, ...(proven ? fromGraph(proven, new Date()) : {}), ...sealToken(input.accessToken, before.id) })
      .where(and(eq(businessNumbers.id, before.id), isNull(businessNumbers.removedAt)))
      .returning(numberView);
    if (!row) throw notFound("Number");
    const changed: string[] = (Object.keys(fields) as (keyof typeof fields)[]).filter((k) => before[k] !== fields[k]);
    if (input.accessToken) changed.push("accessToken");
    if (changed.length > 0) {
      await recordAudit(tx, {
        tenantId: actor.tenantId,
        actorUserId: actor.userId,
        action: "number.updated",
        target: `${row.label} (${row.displayNumber})`,
        details: { phoneNumberId: before.phoneNumberId, changed },
      });
    }
    return row;
  });
  if (proven) await restoreRoute(actor.tenantId, number);
  return number;
}

/**
 * Disconnects a number: its route goes (so Meta's deliveries for it are kept as unrouted
 * and another workspace may claim it) and the row is marked removed, keeping its
 * conversations readable. The WABA stays this workspace's while another of its numbers is
 * connected here. Nothing is deleted.
 */
export async function removeNumber({ actor }: ActorCtx, input: { id: string }): Promise<void> {
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
    await tx.delete(wabaOwners).where(
      and(
        eq(wabaOwners.workspaceId, actor.tenantId),
        sql`${wabaOwners.wabaId} in (select ${businessNumbers.wabaId} from ${businessNumbers}
          where ${businessNumbers.tenantId} = ${actor.tenantId} and ${businessNumbers.id} = ${input.id})`,
        sql`not exists (select 1 from ${businessNumbers} where ${businessNumbers.tenantId} = ${actor.tenantId}
          and ${businessNumbers.wabaId} = ${wabaOwners.wabaId} and ${businessNumbers.id} <> ${input.id} and ${businessNumbers.removedAt} is null)`,
      ),
    );
    const tenantTx = await enterTenant(tx, actor.tenantId);
    const [number] = await tenantTx
      .update(businessNumbers)
      .set({ removedAt: new Date() })
      .where(and(eq(businessNumbers.id, input.id), isNull(businessNumbers.removedAt)))
      .returning(numberView);
    if (!number) throw notFound("Number");
    await recordAudit(tenantTx, {
      tenantId: actor.tenantId,
      actorUserId: actor.userId,
      action: "number.removed",
      target: `${number.label} (${number.displayNumber})`,
      details: { phoneNumberId: number.phoneNumberId },
    });
  });
  log.info("number_removed", { workspaceId: actor.tenantId, numberId: input.id });
}

/** A proven number gets its route back if it lost it and nobody else holds it; then its waiting history. */
async function restoreRoute(tenantId: string, number: NumberView): Promise<void> {
  const routed = await withPlatform(async (tx) => {
    await tx.insert(wabaOwners).values({ wabaId: number.wabaId, workspaceId: tenantId }).onConflictDoNothing();
    const inserted = await tx
      .insert(phoneNumberRoutes)
      .values({ phoneNumberId: number.phoneNumberId, workspaceId: tenantId })
      .onConflictDoNothing()
      .returning({ id: phoneNumberRoutes.phoneNumberId });
    return inserted.length > 0;
  });
  if (routed) log.info("number_route_restored", { workspaceId: tenantId, numberId: number.id });
  await replayEarlierDeliveries(number.phoneNumberId, number.wabaId);
}

export type CheckOutcome = "verified" | "lost" | "token_rejected" | "unreachable" | "sandbox";

/**
 * Asks Meta again whether this workspace's token proves the number ("Check again", and the
 * periodic re-check). Proven: details refreshed, route restored if it was lost. Meta says
 * the token can no longer see the number (or our app was unsubscribed): the route goes, so
 * its deliveries wait as unrouted until a token proves it again. A rejected token is
 * flagged but keeps the route (an expired token says nothing about who owns the number);
 * Meta unreachable changes nothing but the note.
 */
export async function checkNumber({ actor }: { actor: Actor | { tenantId: string; userId: null } }, { id }: { id: string }): Promise<CheckOutcome> {
  if ("role" in actor) requireRole(actor, "admin");
  const row = await withTenant(actor.tenantId, async (tx) => {
    const [found] = await tx
      .select({ ...numberView, sealed: businessNumbers.accessTokenEncrypted })
      .from(businessNumbers)
      .where(and(eq(businessNumbers.id, id), isNull(businessNumbers.removedAt)));
    return found;
  });
  if (!row) throw notFound("Number");
  if (!row.sealed) return "sandbox";
  const verdict = await proveNumber({ token: decryptSecret(row.sealed, row.id), wabaId: row.wabaId, phoneNumberId: row.phoneNumberId });
  const now = new Date();
  if (verdict.kind === "proven") {
    const number = await withTenant(actor.tenantId, async (tx) => {
      const [updated] = await tx.update(businessNumbers).set(fromGraph(verdict.phone, now)).where(eq(businessNumbers.id, row.id)).returning(numberView);
      if (!row.verifiedAt) {
        await recordAudit(tx, { tenantId: actor.tenantId, actorUserId: actor.userId, action: "number.verified", target: `${updated!.label} (${updated!.displayNumber})`, details: { phoneNumberId: row.phoneNumberId } });
      }
      return updated!;
    });
    await restoreRoute(actor.tenantId, number);
    return "verified";
  }
  if (verdict.kind === "unreachable" || verdict.kind === "token_rejected") {
    await withTenant(actor.tenantId, (tx) =>
      tx
        .update(businessNumbers)
        .set({ checkedAt: now, checkProblem: verdict.reason, ...(verdict.kind === "token_rejected" && !row.accessTokenInvalidAt ? { accessTokenInvalidAt: now } : {}) })
        .where(eq(businessNumbers.id, row.id)),
    );
    return verdict.kind;
  }
  await withPlatform(async (tx) => {
    await tx.delete(phoneNumberRoutes).where(and(eq(phoneNumberRoutes.phoneNumberId, row.phoneNumberId), eq(phoneNumberRoutes.workspaceId, actor.tenantId)));
    const tenantTx = await enterTenant(tx, actor.tenantId);
    await tenantTx
      .update(businessNumbers)
      .set({ verifiedAt: null, checkedAt: now, checkProblem: verdict.reason, appSubscribed: verdict.appSubscribed ?? row.appSubscribed })
      .where(eq(businessNumbers.id, row.id));
    if (row.verifiedAt) {
      await recordAudit(tenantTx, {
        tenantId: actor.tenantId,
        actorUserId: actor.userId,
        action: "number.verification_lost",
        target: `${row.label} (${row.displayNumber})`,
        details: { phoneNumberId: row.phoneNumberId },
      });
    }
  });
  log.warn("number_verification_lost", { workspaceId: actor.tenantId, numberId: row.id, phoneNumberId: row.phoneNumberId });
  return "lost";
}

/** Every connected number with a token, in every workspace: what the periodic re-check visits. */
export async function numbersToCheck(): Promise<{ tenantId: string; id: string }[]> {
  return withPlatform((tx) =>
    tx
      .select({ tenantId: businessNumbers.tenantId, id: businessNumbers.id })
      .from(businessNumbers)
      .where(and(isNull(businessNumbers.removedAt), sql`${businessNumbers.accessTokenEncrypted} is not null`)),
  );
}

/** Runs `checkNumber` for every number with a token; one failure does not stop the others. */
export async function recheckAllNumbers(): Promise<Record<CheckOutcome | "failed", number>> {
  const counts: Record<CheckOutcome | "failed", number> = { verified: 0, lost: 0, token_rejected: 0, unreachable: 0, sandbox: 0, failed: 0 };
  for (const number of await numbersToCheck()) {
    try {
      counts[await checkNumber({ actor: { tenantId: number.tenantId, userId: null } }, { id: number.id })]++;
    } catch (error) {
      counts.failed++;
      log.error("number_check_failed", { workspaceId: number.tenantId, numberId: number.id, error });
    }
  }
  return counts;
}

/** Re-checks every number's proof, run by the server's job worker (lib/server/background-jobs.ts): every six hours. */
export const numberChecks = {
  name: "number-checks",
  everySeconds: 6 * 60 * 60,
  run: async () => {
    const counts = await recheckAllNumbers();
    if (counts.lost > 0 || counts.failed > 0) log.warn("number_checks_finished", counts);
  },
};
