import { randomUUID } from "node:crypto";
import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { accountNotices, businessNumbers, contacts, conversations, messageTemplates, messages, outboxEvents } from "@/db/schema";
import { enterTenant, withTenant } from "@/db/tenant";
import type { Unsubscribe } from "@/lib/realtime/hub";
import { listConversationTemplates, syncTemplates } from "@/lib/templates/templates";
import { createTestConversation, createTestMessage, createTestNumber, createTestWorkspace } from "@/testing/db/factories";
import { fakeGraphPerFile } from "@/testing/fake-graph-per-file";
import { fixtureJson } from "@/testing/fixtures";
import { outboundWorld, type OutboundWorld } from "@/testing/outbound";
import { commitBarrier, recorder, testHub } from "@/testing/realtime";
import { interleaved, onPostgres } from "@/testing/db/interleaved";
import { statusItem } from "@/testing/ingest-items";
import { captureLogs, logAtLevelInEachTest, logLines } from "@/testing/logs";
import { applyFieldItems } from "./fields";
import { applyStatuses } from "./statuses";
import type { FieldItem, OtherField } from "./types";

const graph = fakeGraphPerFile();

type Fixture = { entry: { id: string; time: number; changes: { field: OtherField; value: Record<string, unknown> }[] }[] };

/**
 * A FieldItem as the pipeline builds it from one of the real-shaped fixtures: the change's
 * value, the WABA of the entry, and the number the phone number id routed to.
 */
function itemFrom(
  name: string,
  options: { wabaId?: string; businessNumberId?: string | null; at?: Date; value?: (value: Record<string, unknown>) => Record<string, unknown> } = {},
): FieldItem {
  const delivery = fixtureJson<Fixture>("whatsapp", name);
  const entry = delivery.entry[0]!;
  const change = entry.changes[0]!;
  const metadata = change.value.metadata as { phone_number_id: string } | undefined;
  return {
    kind: "field",
    itemId: randomUUID(),
    field: change.field,
    occurredAt: options.at ?? new Date(entry.time * 1000),
    timestampSubstituted: false,
    wabaId: options.wabaId ?? entry.id,
    phoneNumberId: metadata?.phone_number_id ?? null,
    businessNumberId: options.businessNumberId ?? null,
    value: options.value ? options.value(structuredClone(change.value)) : change.value,
  };
}

const apply = (tenantId: string, ...items: FieldItem[]) => withTenant(tenantId, (tx) => applyFieldItems({ tx, tenantId }, items));

/** Everything a workspace's live inbox heard about since `from` (a barrier proves nothing is in flight). */
function liveInbox() {
  const heard = new Map<string, ReturnType<typeof recorder>>();
  const stops: Unsubscribe[] = [];
  return {
    async listen(tenantId: string) {
      const events = recorder();
      heard.set(tenantId, events);
      stops.push(await testHub().subscribe(tenantId, events.subscriber));
    },
    async heardBy(tenantId: string) {
      const events = heard.get(tenantId)!;
      const barrier = await commitBarrier(tenantId);
      await events.received(barrier);
      const all = events.events.filter((e) => e.conversationId !== barrier);
      events.events.length = 0;
      return all.map(({ type, conversationId }) => ({ type, conversationId }));
    },
    stop: () => Promise.all(stops.map((stop) => stop())),
  };
}

describe("message_template_status_update", () => {
  let world: OutboundWorld;
  let other: OutboundWorld;
  const picker = (w: OutboundWorld) =>
    withTenant(w.tenantId, (tx) => listConversationTemplates({ tx, actor: w.actor }, { conversationId: w.conversation.id })).then((options) =>
      options.map((o) => o.name),
    );
  const template = async (w: OutboundWorld, name: string) => {
    const [row] = await withTenant(w.tenantId, (tx) => tx.select().from(messageTemplates).where(eq(messageTemplates.name, name)));
    return row;
  };
  /** The fixture's PAUSED event, about one of the synced templates of `w`'s account. */
  const paused = (w: OutboundWorld, at = new Date(1796300000 * 1000), event = "PAUSED") =>
    itemFrom("field-template-status-update", {
      wabaId: w.number.wabaId,
      at,
      value: (v) => ({ ...v, event, message_template_name: "welcome_back", message_template_language: "en_US", message_template_id: 880000000000002 }),
    });

  beforeAll(async () => {
    world = await outboundWorld();
    other = await outboundWorld();
    await syncTemplates({ tenantId: world.tenantId, graph: graph.client() });
    await syncTemplates({ tenantId: other.tenantId, graph: graph.client() });
  });

  it("takes a paused template out of the picker at once, says why, and leaves another workspace's alone", async () => {
    expect(await picker(world)).toEqual(["order_update", "welcome_back"]);
    await apply(world.tenantId, paused(world));
    expect(await picker(world)).toEqual(["order_update"]);
    expect(await template(world, "welcome_back")).toMatchObject({
      status: "PAUSED",
      statusEvent: "PAUSED",
      statusReason: null,
      statusDetail: "Your message template has been paused for 6 hours until Dec 1, 2026 because it continued to have issues.",
      statusAt: new Date(1796300000 * 1000),
    });
    expect(await picker(other)).toEqual(["order_update", "welcome_back"]);
    expect(await template(other, "welcome_back")).toMatchObject({ status: "APPROVED", statusEvent: null });
  });

  it("changes nothing for the same event again or an older one; a newer one wins", async () => {
    const before = await template(world, "welcome_back");
    await apply(world.tenantId, paused(world));
    await apply(world.tenantId, paused(world, new Date(1796200000 * 1000), "APPROVED"));
    expect(await template(world, "welcome_back")).toEqual(before);
    await apply(world.tenantId, paused(world, new Date(1796400000 * 1000), "REINSTATED"));
    expect(await template(world, "welcome_back")).toMatchObject({ status: "APPROVED", statusEvent: "REINSTATED" });
    expect(await picker(world)).toEqual(["order_update", "welcome_back"]);
  });

  it.each([
    ["REJECTED", "REJECTED"],
    ["DISABLED", "DISABLED"],
    ["FLAGGED", "APPROVED"],
  ])("a %s event leaves the template %s", async (event, status) => {
    const w = await outboundWorld();
    await syncTemplates({ tenantId: w.tenantId, graph: graph.client() });
    await apply(w.tenantId, paused(w, new Date(Date.now() + 60_000), event));
    expect((await template(w, "welcome_back"))?.status).toBe(status);
    expect((await picker(w)).includes("welcome_back")).toBe(status === "APPROVED");
  });

  it("records a rejection's reason", async () => {
    const w = await outboundWorld();
    await syncTemplates({ tenantId: w.tenantId, graph: graph.client() });
    const rejected = paused(w, new Date(Date.now() + 60_000), "REJECTED");
    rejected.value = { ...(rejected.value as object), reason: "INVALID_FORMAT", other_info: undefined, rejection_info: { reason: "Variable at the start." } };
    await apply(w.tenantId, rejected);
    expect(await template(w, "welcome_back")).toMatchObject({ status: "REJECTED", statusReason: "INVALID_FORMAT", statusDetail: "Variable at the start." });
  });

  it("records an event for a template no sync has seen, and the next sync agrees with Meta", async () => {
    const w = await outboundWorld();
    const early = paused(w, new Date(Date.now() - 60_000), "REJECTED");
    await apply(w.tenantId, early);
    expect(await template(w, "welcome_back")).toMatchObject({ status: "REJECTED", syncedAt: null, category: "UTILITY" });
    expect(await picker(w)).toEqual([]);
    // Meta's list, fetched after the event, says APPROVED (the template was fixed and reviewed again).
    await syncTemplates({ tenantId: w.tenantId, graph: graph.client() });
    expect(await template(w, "welcome_back")).toMatchObject({ status: "APPROVED", category: "MARKETING", metaTemplateId: "880000000000002" });
    expect(await picker(w)).toEqual(["order_update", "welcome_back"]);
    // The same old event redelivered after the sync does not undo it.
    await apply(w.tenantId, early);
    expect(await picker(w)).toEqual(["order_update", "welcome_back"]);
  });

  it("keeps an approved template that only a webhook has named out of the picker until a sync describes it", async () => {
    const w = await outboundWorld();
    await apply(w.tenantId, paused(w, new Date(), "APPROVED"));
    expect(await template(w, "welcome_back")).toMatchObject({ status: "APPROVED", syncedAt: null });
    expect(await picker(w)).toEqual([]);
  });

  it("records a template's quality score", async () => {
    const quality: FieldItem = {
      ...paused(world),
      field: "message_template_quality_update",
      occurredAt: new Date(Date.now() + 120_000),
      value: {
        previous_quality_score: "GREEN",
        new_quality_score: "YELLOW",
        message_template_id: 880000000000001,
        message_template_name: "order_update",
        message_template_language: "es_MX",
      },
    };
    await apply(world.tenantId, quality);
    expect(await template(world, "order_update")).toMatchObject({ qualityScore: "YELLOW", status: "APPROVED" });
    expect(await template(other, "order_update")).toMatchObject({ qualityScore: null });
  });

  it("throws on an event that does not name its template, and on one without its account", async () => {
    const nameless = paused(world);
    nameless.value = { event: "PAUSED" };
    await expect(apply(world.tenantId, nameless)).rejects.toThrow();
    await expect(apply(world.tenantId, { ...paused(world), wabaId: null })).rejects.toThrow(/no WhatsApp Business Account id/);
  });
});

describe("user_preferences", () => {
  logAtLevelInEachTest("info");
  const inbox = liveInbox();
  let a: string;
  let b: string;
  let aNumber: string;
  beforeAll(async () => {
    a = (await createTestWorkspace("Prefs A")).id;
    b = (await createTestWorkspace("Prefs B")).id;
    aNumber = (await createTestNumber(a, "110000000000001")).id;
    await createTestNumber(b, "110000000000091");
    await inbox.listen(a);
  });
  afterAll(() => inbox.stop());

  const contactOf = async (tenantId: string, waId = "5215512345678") => {
    const [row] = await withTenant(tenantId, (tx) => tx.select().from(contacts).where(eq(contacts.waId, waId)));
    return row;
  };
  const preference = (value: "stop" | "resume", at: Date, waId = "5215512345678") =>
    itemFrom("field-user-preferences", {
      businessNumberId: aNumber,
      at,
      value: (v) => ({ ...v, user_preferences: [{ ...(v.user_preferences as object[])[0], wa_id: waId, value }] }),
    });

  it("records a marketing opt-out on the contact with its time, tells the open thread once, and leaves another workspace's contact alone", async () => {
    const { contact, conversation } = await createTestConversation(a, { numberId: aNumber, waId: "5215512345678", name: "Ana Ruiz" });
    await createTestConversation(b, { numberId: (await withTenant(b, (tx) => tx.select().from(businessNumbers)))[0]!.id, waId: "5215512345678" });
    const stop = itemFrom("field-user-preferences", { businessNumberId: aNumber });
    await apply(a, stop);
    expect(await contactOf(a)).toMatchObject({ id: contact.id, marketingPreference: "stop", marketingPreferenceAt: new Date(1796300000 * 1000), profileName: "Ana Ruiz" });
    expect(await inbox.heardBy(a)).toEqual([{ type: "conversation.updated", conversationId: conversation.id }]);
    await apply(a, stop);
    expect(await inbox.heardBy(a)).toEqual([]);
    expect(await contactOf(b)).toMatchObject({ marketingPreference: null, marketingPreferenceAt: null });
  });

  it("lets the newer choice win, whatever order they arrive in, and tells the open thread only of a change", async () => {
    const waId = "5215500000001";
    const { conversation } = await createTestConversation(a, { numberId: aNumber, waId });
    const updated = [{ type: "conversation.updated", conversationId: conversation.id }];
    await apply(a, preference("resume", new Date(2_000_000_000_000), waId));
    expect(await inbox.heardBy(a)).toEqual(updated);
    await apply(a, preference("stop", new Date(1_900_000_000_000), waId));
    expect(await contactOf(a, waId)).toMatchObject({ marketingPreference: "resume", marketingPreferenceAt: new Date(2_000_000_000_000) });
    expect(await inbox.heardBy(a)).toEqual([]);
    await apply(a, preference("stop", new Date(2_100_000_000_000), waId));
    expect(await contactOf(a, waId)).toMatchObject({ marketingPreference: "stop" });
    expect(await inbox.heardBy(a)).toEqual(updated);
  });

  it("records the choice of a customer who never wrote, without opening a conversation", async () => {
    const waId = "5215500000002";
    await apply(a, preference("stop", new Date(1796300000 * 1000), waId));
    const contact = await contactOf(a, waId);
    expect(contact).toMatchObject({ marketingPreference: "stop" });
    expect(await withTenant(a, (tx) => tx.select().from(conversations).where(eq(conversations.contactId, contact!.id)))).toEqual([]);
    expect(await inbox.heardBy(a)).toEqual([]);
  });

  it("ignores a category or value Meta has not documented yet, and throws on a preference naming nobody", async () => {
    const waId = "5215500000003";
    const unknown = itemFrom("field-user-preferences", {
      value: (v) => ({ ...v, user_preferences: [{ ...(v.user_preferences as object[])[0], wa_id: waId, category: "service_messages" }] }),
    });
    const { output } = await captureLogs(() => apply(a, unknown));
    expect(await contactOf(a, waId)).toBeUndefined();
    expect(logLines(output).filter((l) => l.event === "user_preference_ignored")).toEqual([
      expect.objectContaining({ level: "info", tenantId: a, itemId: unknown.itemId, category: "service_messages", value: "stop" }),
    ]);
    const nobody = itemFrom("field-user-preferences", {
      value: (v) => ({ ...v, user_preferences: [{ category: "marketing_messages", value: "stop" }] }),
    });
    await expect(apply(a, nobody)).rejects.toThrow(/names no customer/);
  });
});

describe("phone_number_quality_update", () => {
  it("sets the limit and the event on the number with that display number in the account, in this workspace only", async () => {
    const a = (await createTestWorkspace("Quality A")).id;
    const b = (await createTestWorkspace("Quality B")).id;
    const target = await createTestNumber(a, "110000000000012");
    const sibling = await createTestNumber(a, "110000000000011");
    const elsewhere = await createTestNumber(b, "110000000000092");
    const display = (tenantId: string, id: string, displayNumber: string) =>
      withTenant(tenantId, (tx) => tx.update(businessNumbers).set({ displayNumber, wabaId: "104400000000001", messagingLimit: "TIER_1K" }).where(eq(businessNumbers.id, id)));
    await display(a, target.id, "+1 555-010-0002");
    await display(a, sibling.id, "+1 555-010-0001");
    await display(b, elsewhere.id, "+1 555-010-0002");

    await apply(a, itemFrom("field-phone-number-quality-update"));
    const numbers = async (tenantId: string) =>
      withTenant(tenantId, (tx) =>
        tx.select({ id: businessNumbers.id, limit: businessNumbers.messagingLimit, event: businessNumbers.qualityEvent }).from(businessNumbers).orderBy(businessNumbers.phoneNumberId),
      );
    expect(await numbers(a)).toEqual([
      { id: sibling.id, limit: "TIER_1K", event: null },
      { id: target.id, limit: "TIER_250", event: "DOWNGRADE" },
    ]);
    expect(await numbers(b)).toEqual([{ id: elsewhere.id, limit: "TIER_1K", event: null }]);

    // An older event arriving late does not put the old limit back.
    await apply(
      a,
      itemFrom("field-phone-number-quality-update", { at: new Date(1796200000 * 1000), value: (v) => ({ ...v, event: "UPGRADE", current_limit: "TIER_1K" }) }),
    );
    expect((await numbers(a))[1]).toEqual({ id: target.id, limit: "TIER_250", event: "DOWNGRADE" });
  });
});

describe("account_update and account_alerts", () => {
  it("keeps each notice once, with restrictions and their expiry, alerts with severity and status, in this workspace only", async () => {
    const a = (await createTestWorkspace("Notices A")).id;
    const b = (await createTestWorkspace("Notices B")).id;
    const update = itemFrom("field-account-update");
    const alert = itemFrom("field-account-alerts");
    await apply(a, update, alert);
    await apply(a, update);
    await apply(a, { ...alert, itemId: randomUUID() });
    const rows = await withTenant(a, (tx) => tx.select().from(accountNotices).orderBy(accountNotices.field));
    expect(rows).toMatchObject([
      {
        field: "account_alerts",
        wabaId: "104400000000001",
        kind: "OBA_APPROVED",
        subject: "PHONE_NUMBER 110000000000002",
        severity: "INFORMATIONAL",
        alertStatus: "ACTIVE",
        description: "Your request for an Official Business Account was approved.",
      },
      {
        field: "account_update",
        kind: "ACCOUNT_RESTRICTION",
        subject: "15550100001",
        restrictions: [{ type: "RESTRICTED_ADD_PHONE_NUMBER_ACTION", expiresAt: new Date(1796900000 * 1000).toISOString() }],
      },
    ]);
    expect(rows).toHaveLength(2);
    expect(await withTenant(b, (tx) => tx.select().from(accountNotices))).toEqual([]);
  });

  it("reads an expiry written as Graph writes dates", async () => {
    const a = (await createTestWorkspace("Notices C")).id;
    const update = itemFrom("field-account-update", {
      value: (v) => ({ ...v, restriction_info: [{ restriction_type: "RESTRICTED_BIZ_INITIATED_MESSAGING", expiration: "2026-12-19T13:59:20+0000" }] }),
    });
    await apply(a, update);
    const [row] = await withTenant(a, (tx) => tx.select().from(accountNotices));
    expect(row!.restrictions).toEqual([{ type: "RESTRICTED_BIZ_INITIATED_MESSAGING", expiresAt: "2026-12-19T13:59:20.000Z" }]);
  });
});

describe("smb_message_echoes", () => {
  const inbox = liveInbox();
  let a: string;
  let aNumber: string;
  const wamid = "wamid.HBgNNTIxNTUxMjM0NTY3OBUCABEYEkVDSE8wMDAwMDAwMDAwMDAxAA==";
  beforeAll(async () => {
    a = (await createTestWorkspace("Echo A")).id;
    aNumber = (await createTestNumber(a, "110000000000021")).id;
    await inbox.listen(a);
  });
  afterAll(() => inbox.stop());

  it("shows a reply typed in the WhatsApp Business app as an outbound message, once, moving the conversation without making it unread", async () => {
    const { conversation } = await createTestConversation(a, { numberId: aNumber, waId: "5215512345678", lastMessageAt: new Date(1796290000 * 1000) });
    const echo = itemFrom("field-smb-message-echoes", { businessNumberId: aNumber, at: new Date(1796299980 * 1000) });
    await apply(a, echo);
    await apply(a, { ...echo, itemId: randomUUID() });
    const stored = await withTenant(a, (tx) => tx.select().from(messages).where(eq(messages.conversationId, conversation.id)));
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({
      direction: "outbound",
      wamid,
      type: "text",
      text: "Listo, tu pedido sale mañana 🚚",
      status: "sent",
      fromBusinessApp: true,
      authorUserId: null,
      sentAt: new Date(1796299980 * 1000),
    });
    const [after] = await withTenant(a, (tx) => tx.select().from(conversations).where(eq(conversations.id, conversation.id)));
    expect(after).toMatchObject({ lastMessageAt: new Date(1796299980 * 1000), unreadCount: 0, lastInboundAt: null });
    expect(await inbox.heardBy(a)).toEqual([
      { type: "message.created", conversationId: conversation.id },
      { type: "conversation.updated", conversationId: conversation.id },
    ]);
    // The live inbox folds repeats; later consumers read the outbox, one row per event.
    const outbox = await withTenant(a, (tx) => tx.select({ type: outboxEvents.type }).from(outboxEvents).where(eq(outboxEvents.conversationId, conversation.id)));
    expect(outbox.map((e) => e.type).sort()).toEqual(["conversation.updated", "message.created"]);
  });

  it("opens the conversation when the business wrote first from the app", async () => {
    const echo = itemFrom("field-smb-message-echoes", {
      businessNumberId: aNumber,
      value: (v) => ({ ...v, message_echoes: [{ ...(v.message_echoes as object[])[0], id: "wamid.ECHO-FIRST", to: "5215500000009" }] }),
    });
    await apply(a, echo);
    const [row] = await withTenant(a, (tx) =>
      tx
        .select({ direction: messages.direction, unread: conversations.unreadCount })
        .from(messages)
        .innerJoin(conversations, and(eq(conversations.tenantId, messages.tenantId), eq(conversations.id, messages.conversationId)))
        .where(eq(messages.wamid, "wamid.ECHO-FIRST")),
    );
    expect(row).toEqual({ direction: "outbound", unread: 0 });
  });

  // Statuses are applied in their own lane, and can be applied before the echo they report on
  // (they arrive in other deliveries, or wait in a backlog behind it): they must not be lost.
  const echoTo = (id: string, to: string) =>
    itemFrom("field-smb-message-echoes", {
      businessNumberId: aNumber,
      value: (v) => ({ ...v, message_echoes: [{ ...(v.message_echoes as object[])[0], id, to }] }),
    });

  it("ends at the furthest status Meta reported before the echo itself was applied", async () => {
    await withTenant(a, (tx) =>
      applyStatuses({ tx, tenantId: a }, [
        statusItem({ wamid: "wamid.ECHO-READ-FIRST", status: "delivered", at: new Date("2026-11-20T10:00:01Z") }),
        statusItem({ wamid: "wamid.ECHO-READ-FIRST", status: "read", at: new Date("2026-11-20T10:00:02Z") }),
        statusItem({
          wamid: "wamid.ECHO-FAILED-FIRST",
          status: "failed",
          at: new Date("2026-11-20T10:00:03Z"),
          errors: [{ code: 131026, title: "Message undeliverable", error_data: { details: "Unable to deliver message." } }],
        }),
      ]),
    );
    await apply(a, echoTo("wamid.ECHO-READ-FIRST", "5215500000031"), echoTo("wamid.ECHO-FAILED-FIRST", "5215500000032"));
    const [read] = await withTenant(a, (tx) => tx.select().from(messages).where(eq(messages.wamid, "wamid.ECHO-READ-FIRST")));
    const [failed] = await withTenant(a, (tx) => tx.select().from(messages).where(eq(messages.wamid, "wamid.ECHO-FAILED-FIRST")));
    expect(read).toMatchObject({ status: "read", fromBusinessApp: true });
    expect(failed).toMatchObject({ status: "failed", error: { code: 131026 } });
  });

  // The two interleavings, forced on Postgres (testing/db/interleaved.ts): each side's
  // transaction open, its work done, while the other runs.
  const read = (wamid: string) => statusItem({ wamid, status: "read", at: new Date("2026-11-20T10:00:02Z") });
  const statusOf = async (wamid: string) =>
    (await withTenant(a, (tx) => tx.select({ status: messages.status }).from(messages).where(eq(messages.wamid, wamid))))[0]?.status;

  it.runIf(onPostgres)("ends read when the read status is applied while the echo's transaction is storing it", async () => {
    await interleaved(
      async (tx) => applyFieldItems({ tx: await enterTenant(tx, a), tenantId: a }, [echoTo("wamid.ECHO-RACE-1", "5215500000041")]),
      () => withTenant(a, (tx) => applyStatuses({ tx, tenantId: a }, [read("wamid.ECHO-RACE-1")])),
    );
    expect(await statusOf("wamid.ECHO-RACE-1")).toBe("read");
  });

  it.runIf(onPostgres)("ends read when the echo is applied while the read status's transaction is still open", async () => {
    await interleaved(
      async (tx) => applyStatuses({ tx: await enterTenant(tx, a), tenantId: a }, [read("wamid.ECHO-RACE-2")]),
      () => apply(a, echoTo("wamid.ECHO-RACE-2", "5215500000042")),
    );
    expect(await statusOf("wamid.ECHO-RACE-2")).toBe("read");
  });

  it("adds nothing and tells nobody when a message with the echo's wamid is already stored", async () => {
    const { conversation } = await createTestConversation(a, { numberId: aNumber, waId: "5215500000051" });
    const before = await createTestMessage(a, conversation.id, { direction: "outbound", wamid: "wamid.ECHO-KNOWN", text: "ya", status: "delivered" });
    await inbox.heardBy(a);
    await apply(a, echoTo("wamid.ECHO-KNOWN", "5215500000051"));
    const stored = await withTenant(a, (tx) => tx.select().from(messages).where(eq(messages.wamid, "wamid.ECHO-KNOWN")));
    expect(stored).toEqual([before]);
    expect(await inbox.heardBy(a)).toEqual([]);
  });

  it("throws on an echo that routed to no number or names no recipient", async () => {
    await expect(apply(a, itemFrom("field-smb-message-echoes", { businessNumberId: null }))).rejects.toThrow(/did not route/);
    const nobody = itemFrom("field-smb-message-echoes", {
      businessNumberId: aNumber,
      value: (v) => ({ ...v, message_echoes: [{ ...(v.message_echoes as Record<string, unknown>[])[0], to: undefined }] }),
    });
    await expect(apply(a, nobody)).rejects.toThrow(/names no recipient/);
  });
});
