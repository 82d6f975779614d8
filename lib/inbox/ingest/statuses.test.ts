import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestConversation, createTestMessage, createTestNumber, createTestWorkspace } from "@/testing/db/factories";
import { withTenant } from "@/db/tenant";
import type { Unsubscribe } from "@/lib/realtime/hub";
import { commitBarrier, recorder, testHub } from "@/testing/realtime";
import { deliver, messageByWamid, rowCounts, seedOutboundMessage, workspaceData } from "@/testing/webhook";
import { fixtureBytes } from "@/testing/fixtures";
import { applyRecordedStatuses, recordStatus } from "./statuses";

let a: string;
let b: string;
let aNumber: string;

beforeAll(async () => {
  a = (await createTestWorkspace("Alpha")).id;
  b = (await createTestWorkspace("Bravo")).id;
  aNumber = (await createTestNumber(a, "110000000000001")).id;
  await createTestNumber(b, "220000000000001");
});

/** A status delivery in Meta's shape, for a wamid, through a receiving number. */
function statusDelivery(input: { phoneNumberId: string; wamid: string; status: string; timestamp: number; errors?: unknown[] }) {
  return JSON.stringify({
    object: "whatsapp_business_account",
    entry: [
      {
        id: "104400000000001",
        changes: [
          {
            field: "messages",
            value: {
              messaging_product: "whatsapp",
              metadata: { display_phone_number: "15550100001", phone_number_id: input.phoneNumberId },
              statuses: [
                {
                  id: input.wamid,
                  status: input.status,
                  timestamp: String(input.timestamp),
                  recipient_id: "5215512345678",
                  ...(input.errors ? { errors: input.errors } : {}),
                },
              ],
            },
          },
        ],
      },
    ],
  });
}

it("ends at read when read, delivered and sent arrive in that order", async () => {
  await seedOutboundMessage({ tenantId: a, businessNumberId: aNumber, waId: "5215512345678", wamid: "wamid.OUT-ORDER" });
  for (const [status, timestamp] of [["read", 1795000070], ["delivered", 1795000062], ["sent", 1795000061]] as const) {
    expect((await deliver(statusDelivery({ phoneNumberId: "110000000000001", wamid: "wamid.OUT-ORDER", status, timestamp }))).status).toBe(200);
    expect((await messageByWamid(a, "wamid.OUT-ORDER"))?.status).toBe("read");
  }
  const recorded = (await workspaceData(a)).statuses.filter((s) => s.wamid === "wamid.OUT-ORDER");
  expect(recorded.map((s) => s.status).sort()).toEqual(["delivered", "read", "sent"]);
});

it("moves forward one step at a time when statuses arrive in order", async () => {
  await seedOutboundMessage({ tenantId: a, businessNumberId: aNumber, waId: "5215512345678", wamid: "wamid.OUT-STEPS" });
  for (const [status, timestamp] of [["sent", 1795000061], ["delivered", 1795000062], ["read", 1795000070]] as const) {
    await deliver(statusDelivery({ phoneNumberId: "110000000000001", wamid: "wamid.OUT-STEPS", status, timestamp }));
    expect((await messageByWamid(a, "wamid.OUT-STEPS"))?.status).toBe(status);
  }
});

it("takes Meta's played (a voice note listened to) as read: forward from delivered, never back", async () => {
  const wamid = "wamid.OUT-VOICE-NOTE";
  await seedOutboundMessage({ tenantId: a, businessNumberId: aNumber, waId: "5215512345678", wamid });
  await deliver(statusDelivery({ phoneNumberId: "110000000000001", wamid, status: "delivered", timestamp: 1795000501 }));
  expect((await messageByWamid(a, wamid))?.status).toBe("delivered");
  expect((await deliver(statusDelivery({ phoneNumberId: "110000000000001", wamid, status: "played", timestamp: 1795000510 }))).status).toBe(200);
  expect((await messageByWamid(a, wamid))?.status).toBe("read");
  for (const [status, timestamp] of [["read", 1795000505], ["delivered", 1795000502], ["sent", 1795000500]] as const) {
    await deliver(statusDelivery({ phoneNumberId: "110000000000001", wamid, status, timestamp }));
    expect((await messageByWamid(a, wamid))?.status).toBe("read");
  }
});

it("keeps a failure's code, title and details, and a late sent does not undo it", async () => {
  await seedOutboundMessage({
    tenantId: a,
    businessNumberId: aNumber,
    waId: "5215512345678",
    wamid: "wamid.HBgNNTIxNTUxMjM0NTY3OBUCABIYFjNFQjAOUT003",
  });
  expect((await deliver(fixtureBytes("whatsapp", "status-failed"))).status).toBe(200);
  await deliver(statusDelivery({ phoneNumberId: "110000000000001", wamid: "wamid.HBgNNTIxNTUxMjM0NTY3OBUCABIYFjNFQjAOUT003", status: "sent", timestamp: 1795000080 }));
  expect(await messageByWamid(a, "wamid.HBgNNTIxNTUxMjM0NTY3OBUCABIYFjNFQjAOUT003")).toMatchObject({
    status: "failed",
    error: {
      code: 131047,
      title: "Re-engagement message",
      message: "Re-engagement message",
      details: "Message failed to send because more than 24 hours have passed since the customer last replied to this number.",
    },
  });
});

it("never touches workspace A's message for a status that came through workspace B's number", async () => {
  const message = await seedOutboundMessage({ tenantId: a, businessNumberId: aNumber, waId: "5215512345678", wamid: "wamid.OUT-A-ONLY" });
  const aBefore = await workspaceData(a);

  const response = await deliver(statusDelivery({ phoneNumberId: "220000000000001", wamid: "wamid.OUT-A-ONLY", status: "read", timestamp: 1795000099 }));
  expect(response.status).toBe(200);

  expect(await messageByWamid(a, "wamid.OUT-A-ONLY")).toEqual(message);
  expect(await workspaceData(a)).toEqual(aBefore);
  // B keeps what its number reported, about a wamid B does not have.
  expect((await workspaceData(b)).statuses.map((s) => [s.wamid, s.status])).toEqual([["wamid.OUT-A-ONLY", "read"]]);
});

it("records a status for a wamid nobody knows without failing the delivery, and applies it once the message exists", async () => {
  const before = await rowCounts();
  const response = await deliver(statusDelivery({ phoneNumberId: "110000000000001", wamid: "wamid.OUT-LATER", status: "delivered", timestamp: 1795000100 }));
  expect(response.status).toBe(200);
  expect(await rowCounts()).toMatchObject({ messageStatuses: before.messageStatuses + 1, messages: before.messages });

  // The send's answer arrives after the status: storing its wamid applies what was already reported.
  await seedOutboundMessage({ tenantId: a, businessNumberId: aNumber, waId: "5215512345678", wamid: "wamid.OUT-LATER" });
  await withTenant(a, (tx) => applyRecordedStatuses(tx, a, "wamid.OUT-LATER"));
  expect((await messageByWamid(a, "wamid.OUT-LATER"))?.status).toBe("delivered");
});

it("records each (wamid, status) once however often Meta repeats it", async () => {
  await seedOutboundMessage({ tenantId: a, businessNumberId: aNumber, waId: "5215512345678", wamid: "wamid.OUT-REPEAT" });
  const copies = Array.from({ length: 6 }, (_, i) =>
    // Different bytes each time (a new delivery), the same status inside.
    statusDelivery({ phoneNumberId: "110000000000001", wamid: "wamid.OUT-REPEAT", status: "delivered", timestamp: 1795000200 }) + " ".repeat(i),
  );
  await Promise.all(copies.map((copy) => deliver(copy)));
  const recorded = (await workspaceData(a)).statuses.filter((s) => s.wamid === "wamid.OUT-REPEAT");
  expect(recorded.map((s) => s.status)).toEqual(["delivered"]);
  expect((await messageByWamid(a, "wamid.OUT-REPEAT"))?.status).toBe("delivered");
});

it("ends at read when sent, delivered and read are processed at the same moment", async () => {
  await seedOutboundMessage({ tenantId: a, businessNumberId: aNumber, waId: "5215512345678", wamid: "wamid.OUT-RACE" });
  await Promise.all(
    (["read", "delivered", "sent"] as const).map((status, i) =>
      deliver(statusDelivery({ phoneNumberId: "110000000000001", wamid: "wamid.OUT-RACE", status, timestamp: 1795000300 - i })),
    ),
  );
  expect((await messageByWamid(a, "wamid.OUT-RACE"))?.status).toBe("read");
});

describe("forward only, decided by the message's own status", () => {
  // The message is already at `read` with no status row saying so (as when the send stored
  // it from statuses that arrived first), so only the rank check on the message row itself
  // stands between a late status and a step backwards.
  const events = recorder();
  let stop: Unsubscribe;
  beforeAll(async () => {
    stop = await testHub().subscribe(a, events.subscriber);
  });
  afterAll(() => stop());

  async function messageAt(status: "read" | "failed", wamid: string) {
    const { conversation } = await createTestConversation(a, { numberId: aNumber });
    return createTestMessage(a, conversation.id, { direction: "outbound", wamid, status });
  }

  async function record(wamid: string, status: string, timestamp: number) {
    return withTenant(a, (tx) =>
      recordStatus(tx, a, { id: wamid, status, timestamp: String(timestamp), recipient_id: "5215512345678" } as never),
    );
  }

  /** The events for this message committed so far (a barrier proves nothing is still in flight). */
  async function eventsFor(messageId: string) {
    const barrier = await commitBarrier(a);
    await events.received(barrier);
    return events.events.filter((e) => e.messageId === messageId);
  }

  it.each(["sent", "delivered"])("keeps a message at read when %s arrives after it, and tells nobody", async (late) => {
    const message = await messageAt("read", `wamid.READ-THEN-${late}`);
    expect(await record(message.wamid!, late, 1795000400)).toEqual({ recorded: true });
    expect((await messageByWamid(a, message.wamid!))?.status).toBe("read");
    expect(await eventsFor(message.id)).toEqual([]);
  });

  it("keeps read when failed arrives after it (both final), and tells nobody", async () => {
    const message = await messageAt("read", "wamid.READ-THEN-FAILED");
    await record(message.wamid!, "failed", 1795000401);
    expect(await messageByWamid(a, message.wamid!)).toMatchObject({ status: "read", error: null });
    expect(await eventsFor(message.id)).toEqual([]);
  });

  it("keeps failed when read arrives after it", async () => {
    const message = await messageAt("failed", "wamid.FAILED-THEN-READ");
    await record(message.wamid!, "read", 1795000402);
    expect((await messageByWamid(a, message.wamid!))?.status).toBe("failed");
    expect(await eventsFor(message.id)).toEqual([]);
  });

  async function messageAtSent(wamid: string) {
    const message = await messageAt("read", wamid);
    await withTenant(a, (tx) => tx.execute(sql`update messages set status = 'sent' where id = ${message.id}`));
    return message;
  }

  it("ignores a status it does not know (Meta adds new ones), alone or beside known ones, and keeps no error", async () => {
    const message = await messageAtSent("wamid.UNKNOWN-STATUS");
    expect(await record(message.wamid!, "deleted", 1795000404)).toEqual({ recorded: true });
    expect(await messageByWamid(a, message.wamid!)).toMatchObject({ status: "sent", error: null });
    expect(await eventsFor(message.id)).toEqual([]);
    await record(message.wamid!, "delivered", 1795000405);
    expect(await messageByWamid(a, message.wamid!)).toMatchObject({ status: "delivered", error: null });
  });

  it("keeps a failure that came without error_data, its details empty", async () => {
    const message = await messageAtSent("wamid.FAILED-NO-DATA");
    await withTenant(a, (tx) =>
      recordStatus(tx, a, {
        id: message.wamid!,
        status: "failed",
        timestamp: "1795000406",
        recipient_id: "5215512345678",
        errors: [{ code: 131026, title: "Message undeliverable" }],
      } as never),
    );
    expect(await messageByWamid(a, message.wamid!)).toMatchObject({
      status: "failed",
      error: { code: 131026, title: "Message undeliverable", message: null, details: null },
    });
  });

  it("announces a step forward exactly once", async () => {
    const message = await messageAt("read", "wamid.READ-CONTROL");
    await withTenant(a, (tx) => tx.execute(sql`update messages set status = 'sent' where id = ${message.id}`));
    await record(message.wamid!, "delivered", 1795000403);
    expect((await messageByWamid(a, message.wamid!))?.status).toBe("delivered");
    expect((await eventsFor(message.id)).map((e) => e.type)).toEqual(["message.updated"]);
  });
});
