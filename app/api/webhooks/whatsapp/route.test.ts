import { beforeAll, describe, expect, it } from "vitest";
import { closeDatabase, database, installDatabase, openDatabase } from "@/db/client";
import { createTestNumber, createTestWorkspace } from "@/testing/db/factories";
import { env } from "@/lib/config/env";
import { maxDeliveryBytes } from "@/lib/ingest/receive";
import { deliveryRows, messageByWamid, rowCounts, seedOutboundMessage, workspaceData } from "@/testing/webhook";
import { fixtureBytes, fixtureNames } from "@/testing/fixtures";
import { simulatedTextDelivery } from "@/testing/simulated-delivery";
import { signBody } from "@/lib/whatsapp/signature";
import { drainIngest, itemsOf } from "@/testing/ingest";
import { db } from "@/db/client";
import { wabaOwners } from "@/db/schema";
import { GET, POST } from "./route";

const url = "http://localhost/api/webhooks/whatsapp";
const wamid = (suffix: string) => `wamid.HBgNNTIxNTUxMjM0NTY3OBUCABIYFjNFQj${suffix}`;
const ana = "5215512345678";

/** Posts as Meta does; the answer comes before processing, so the pipeline then runs until it is done. */
async function post(body: Uint8Array, signature: string | null = signBody(body, env().WHATSAPP_APP_SECRET)) {
  const headers = new Headers({ "content-type": "application/json" });
  if (signature !== null) headers.set("X-Hub-Signature-256", signature);
  const response = await POST(new Request(url, { method: "POST", headers, body: new Uint8Array(body) }));
  if (response.status === 200) await drainIngest();
  return response;
}

let a: string;
let b: string;
const numbers: Record<string, string> = {};

beforeAll(async () => {
  a = (await createTestWorkspace("Alpha")).id;
  b = (await createTestWorkspace("Bravo")).id;
  numbers.a1 = (await createTestNumber(a, "110000000000001")).id;
  numbers.a2 = (await createTestNumber(a, "110000000000002", "Second line")).id;
  numbers.b1 = (await createTestNumber(b, "220000000000001")).id;
  // Account-level fields route by the WABA (entry.id), through its owner.
  await db().insert(wabaOwners).values([
    { wabaId: "104400000000001", workspaceId: a },
    { wabaId: "104400000000002", workspaceId: b },
  ]);
  // What the business sent earlier: statuses, reactions and replies in the fixtures refer to these.
  for (const suffix of ["AOUT001", "AOUT002", "AOUT003"]) {
    await seedOutboundMessage({ tenantId: a, businessNumberId: numbers.a1!, waId: ana, wamid: wamid(suffix) });
  }
});

describe("GET verification handshake", () => {
  const verify = (query: string) => GET(new Request(`${url}?${query}`));

  it("echoes the challenge as plain text for the configured verify token", async () => {
    const token = encodeURIComponent(env().WHATSAPP_VERIFY_TOKEN);
    const response = await verify(`hub.mode=subscribe&hub.verify_token=${token}&hub.challenge=1158201444`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^text\/plain/);
    expect(await response.text()).toBe("1158201444");
  });

  it("answers 403 for a wrong token, a wrong mode or no challenge", async () => {
    const token = encodeURIComponent(env().WHATSAPP_VERIFY_TOKEN);
    for (const query of [
      "hub.mode=subscribe&hub.verify_token=guess&hub.challenge=1",
      `hub.mode=subscribe&hub.verify_token=${token.slice(0, -1)}&hub.challenge=1`,
      `hub.mode=unsubscribe&hub.verify_token=${token}&hub.challenge=1`,
      `hub.mode=subscribe&hub.verify_token=${token}`,
      "",
    ]) {
      const response = await verify(query);
      expect(response.status, query).toBe(403);
      expect(await response.text()).not.toContain("1");
    }
  });
});

describe("POST rejects what it cannot trust, and writes nothing", () => {
  const body = fixtureBytes("whatsapp", "text-inbound");

  const secret = () => env().WHATSAPP_APP_SECRET;
  it.each<[string, () => string | null]>([
    ["no signature", () => null],
    ["an empty signature header", () => ""],
    ["a signature made with another secret", () => signBody(body, "not-the-app-secret-at-all")],
    ["a valid signature of a different body", () => signBody(fixtureBytes("whatsapp", "image-inbound"), secret())],
    ["a signature of the body with one byte changed", () => signBody(Buffer.concat([body, Buffer.from(" ")]), secret())],
    ["a header that is not sha256=<hex>", () => `sha1=${signBody(body, secret()).slice(7, 47)}`],
    ["a truncated signature", () => signBody(body, secret()).slice(0, -2)],
  ])("%s → 401", async (_name, signature) => {
    const before = await rowCounts();
    const response = await post(body, signature());
    expect(response.status).toBe(401);
    expect(await rowCounts()).toEqual(before);
  });

  it("answers 413 for a body over 3 MB, even correctly signed", async () => {
    const before = await rowCounts();
    const huge = Buffer.concat([body, Buffer.alloc(maxDeliveryBytes + 1 - body.byteLength, " ")]);
    const response = await post(huge);
    expect(response.status).toBe(413);
    expect(await rowCounts()).toEqual(before);
  });

  it("accepts a body of exactly 3 MB", async () => {
    const delivery = simulatedTextDelivery({ to: "110000000000001", from: "15550007777", text: "big", wamid: "wamid.EXACTLY3MB" });
    const exact = Buffer.concat([delivery, Buffer.alloc(maxDeliveryBytes - delivery.byteLength, " ")]);
    expect((await post(exact)).status).toBe(200);
    expect((await messageByWamid(a, "wamid.EXACTLY3MB"))?.text).toBe("big");
  });

  it("keeps a signed body that is not JSON, marks it ignored and answers 200 (a retry would not help)", async () => {
    const before = await rowCounts();
    const response = await post(Buffer.from('{"object": "whatsapp_business_account", "entry": [', "utf8"));
    expect(response.status).toBe(200);
    const after = await rowCounts();
    expect(after).toEqual({ ...before, webhookDeliveries: before.webhookDeliveries + 1 });
    const stored = (await deliveryRows()).at(-1)!;
    expect(stored).toMatchObject({ state: "ignored", error: "body is not valid JSON" });
  });

  it("keeps a signed body that is not UTF-8 text, base64-encoded, as ignored", async () => {
    const bytes = Buffer.from([0x7b, 0xff, 0xfe, 0x00, 0x7d]);
    expect((await post(bytes)).status).toBe(200);
    expect((await deliveryRows()).at(-1)).toMatchObject({
      state: "ignored",
      rawBody: bytes.toString("base64"),
      error: expect.stringContaining("not UTF-8"),
    });
  });

  it("keeps a signed delivery for an object it does not handle as ignored", async () => {
    const response = await post(Buffer.from(JSON.stringify({ object: "page", entry: [] }), "utf8"));
    expect(response.status).toBe(200);
    expect((await deliveryRows()).at(-1)).toMatchObject({ state: "ignored", error: 'object "page" is not handled' });
  });

  it("answers 503 when the delivery cannot be stored, so that Meta retries", async () => {
    const before = await rowCounts();
    const real = database();
    // A port nothing listens on: the same failure as a database that went down.
    installDatabase(openDatabase({ kind: "postgres", url: "postgres://postgres@127.0.0.1:1/none", poolMax: 1 }));
    let status: number;
    try {
      status = (await post(fixtureBytes("whatsapp", "location-inbound"))).status;
    } finally {
      await closeDatabase();
      installDatabase(real);
    }
    expect(status).toBe(503);
    expect(await rowCounts()).toEqual(before);
    expect(await messageByWamid(a, wamid("ALOC001"))).toBeUndefined();
  });
});

/** What each fixture must leave behind (beyond a stored delivery and a 200). */
const expectations: Record<string, () => Promise<void>> = {
  "text-inbound": async () => {
    const message = await messageByWamid(a, wamid("ATEXT01"));
    // Byte-exact: the body was signed and stored as received, non-ASCII included.
    expect(message).toMatchObject({ direction: "inbound", type: "text", text: "Hola, ¿tienen envío hoy? 🚚" });
    expect(message!.sentAt.toISOString()).toBe("2026-11-18T11:06:40.000Z");
  },
  "text-reply-with-context": async () => {
    expect(await messageByWamid(a, wamid("ATEXT02"))).toMatchObject({ text: "Sí, esa dirección", replyToWamid: wamid("AOUT001") });
  },
  "image-inbound": async () => {
    const message = await messageByWamid(a, wamid("AIMG001"));
    expect(message).toMatchObject({ type: "image", text: "Foto del paquete" });
    expect(message!.payload).toMatchObject({
      image: { id: "1480000000000001", mime_type: "image/jpeg", sha256: "Hn6bC8gJ0oR2o1a3cT0xZl0m1n2o3p4q5r6s7t8u9v0=" },
    });
  },
  "document-inbound": async () => {
    const message = await messageByWamid(a, wamid("ADOC001"));
    expect(message).toMatchObject({ type: "document", text: "Factura" });
    expect(message!.payload).toMatchObject({
      document: { id: "1480000000000002", filename: "factura-1042.pdf", mime_type: "application/pdf" },
    });
  },
  "audio-voice-inbound": async () => {
    const message = await messageByWamid(a, wamid("AAUD001"));
    expect(message).toMatchObject({ type: "audio", text: "Voice message" });
    expect(message!.payload).toMatchObject({ audio: { id: "1480000000000003", voice: true, mime_type: "audio/ogg; codecs=opus" } });
  },
  "location-inbound": async () => {
    const message = await messageByWamid(a, wamid("ALOC001"));
    expect(message).toMatchObject({ type: "location", text: "Zócalo, Plaza de la Constitución, Centro, CDMX" });
    expect(message!.payload).toMatchObject({ location: { latitude: 19.4326, longitude: -99.1332 } });
  },
  "contacts-card-inbound": async () => {
    expect(await messageByWamid(a, wamid("ACRD001"))).toMatchObject({ type: "contacts", text: "Contact: Luis Pérez" });
  },
  "interactive-button-reply": async () => {
    expect(await messageByWamid(a, wamid("ABTN001"))).toMatchObject({
      type: "interactive",
      text: "Confirmar",
      replyToWamid: wamid("AOUT002"),
    });
  },
  "reaction-inbound": async () => {
    expect(await messageByWamid(a, wamid("ARCT001"))).toMatchObject({
      type: "reaction",
      text: "👍",
      replyToWamid: wamid("AOUT001"),
    });
  },
  "reaction-removed": async () => {
    expect(await messageByWamid(a, wamid("ARCT002"))).toMatchObject({ type: "reaction", text: null, replyToWamid: wamid("AOUT001") });
  },
  "unsupported-inbound": async () => {
    const message = await messageByWamid(a, wamid("AUNS001"));
    expect(message).toMatchObject({ type: "unsupported" });
    expect(message!.text).toMatch(/^Unsupported message/);
  },
  "referral-ad-inbound": async () => {
    const message = await messageByWamid(a, wamid("AREF001"));
    expect(message).toMatchObject({ type: "text", text: "Hi, I saw your ad" });
    expect(message!.payload).toMatchObject({ referral: { source_type: "ad", ctwa_clid: "ARAkLk0Sxy" } });
    const { contacts } = await workspaceData(a);
    expect(contacts.find((c) => c.waId === "2348031234567")?.profileName).toBe("Ben Okafor");
  },
  "username-user-inbound": async () => {
    expect(await messageByWamid(a, wamid("ABSU001"))).toMatchObject({ text: "hello from a username account" });
    const { contacts } = await workspaceData(a);
    expect(contacts.filter((c) => c.userId === "US.13491208655302741918")).toMatchObject([
      { waId: null, profileName: "Mira K" },
    ]);
  },
  "system-changed-number": async () => {
    const message = await messageByWamid(a, wamid("ASYS001"));
    expect(message).toMatchObject({ direction: "inbound", type: "system", text: "Ana Ruiz changed from 5215512345678 to 5215587654321" });
    const { contacts, conversations } = await workspaceData(a);
    const contactId = conversations.find((c) => c.id === message!.conversationId)!.contactId;
    expect(contacts.find((c) => c.id === contactId)?.waId).toBe("5215587654321");
    expect(contacts.filter((c) => c.waId === ana)).toHaveLength(0);
  },
  "status-sent": async () => {
    const recorded = (await workspaceData(a)).statuses.filter((s) => s.wamid === wamid("AOUT001")).map((s) => s.status);
    expect(recorded).toContain("sent");
    // Whichever of this message's statuses the other fixtures delivered first, a `sent`
    // never undoes a further one: the message is at the furthest status recorded.
    const furthest = ["read", "delivered", "sent"].find((status) => recorded.includes(status));
    expect((await messageByWamid(a, wamid("AOUT001")))?.status).toBe(furthest);
  },
  "status-delivered": async () => {
    expect((await messageByWamid(a, wamid("AOUT001")))?.status).not.toBe("pending");
  },
  "status-read": async () => {
    expect((await messageByWamid(a, wamid("AOUT001")))?.status).toBe("read");
  },
  "status-failed": async () => {
    const message = await messageByWamid(a, wamid("AOUT003"));
    expect(message).toMatchObject({
      status: "failed",
      error: {
        code: 131047,
        title: "Re-engagement message",
        details: "Message failed to send because more than 24 hours have passed since the customer last replied to this number.",
      },
    });
  },
  "errors-toplevel": async () => {
    expect((await deliveryRows()).at(-1)).toMatchObject({ state: "processed" });
  },
  "batch-two-tenants": async () => {
    const inA = await workspaceData(a);
    const inB = await workspaceData(b);
    const batchA = inA.messages.filter((m) => m.wamid?.includes("ABAT"));
    const batchB = inB.messages.filter((m) => m.wamid?.includes("ABAT"));
    expect(batchA.map((m) => m.text)).toEqual(["first", "second", "to the second number"]);
    expect(batchB.map((m) => m.text)).toEqual(["same customer, other business"]);
    // Ana's message to A's second number is a conversation of its own, on that number.
    const toSecond = inA.conversations.find((c) => c.id === batchA[2]!.conversationId)!;
    expect(toSecond.businessNumberId).toBe(numbers.a2);
    expect(inB.conversations.map((c) => c.businessNumberId)).toEqual([numbers.b1]);
    expect(inB.contacts.map((c) => c.waId)).toEqual([ana]);
  },
  // Other fields are items of their own, routed to the workspace that owns the WABA or the
  // number; what each means for the workspace is its applier's (lib/ingest/apply/fields.ts).
  ...Object.fromEntries(
    (
      [
        ["field-account-alerts", "account_alerts"],
        ["field-account-update", "account_update"],
        ["field-phone-number-quality-update", "phone_number_quality_update"],
        ["field-smb-message-echoes", "smb_message_echoes"],
        ["field-template-status-update", "message_template_status_update"],
        ["field-user-preferences", "user_preferences"],
      ] as const
    ).map(([name, field]) => [
      name,
      async () => {
        const stored = (await deliveryRows()).at(-1)!;
        expect(stored).toMatchObject({ state: "processed", error: null });
        const items = await itemsOf(stored.id);
        expect(items.length).toBeGreaterThan(0);
        for (const item of items) {
          expect(item).toMatchObject({ kind: "field", lane: "fields", workspaceId: a, body: { field } });
        }
      },
    ]),
  ),
  "unknown-number": async () => {
    expect(await messageByWamid(a, wamid("AUNK001"))).toBeUndefined();
    expect(await messageByWamid(b, wamid("AUNK001"))).toBeUndefined();
    const items = await itemsOf((await deliveryRows()).at(-1)!.id);
    expect(items).toMatchObject([{ kind: "message", state: "unrouted", phoneNumberId: "990000000000009", workspaceId: null }]);
  },
};

// The system message moves Ana to her new number; sent last, the other fixtures all find her
// under the number they were written with.
const fixtureOrder = [...fixtureNames("whatsapp").filter((n) => n !== "system-changed-number"), "system-changed-number"];

describe("every fixture, signed from its raw bytes", () => {
  it("has an expectation for every fixture in the folder", () => {
    expect(Object.keys(expectations).sort()).toEqual(fixtureNames("whatsapp"));
  });

  it.each(fixtureOrder)("%s is stored and answered 200", async (name) => {
    const before = await rowCounts();
    const response = await post(fixtureBytes("whatsapp", name));
    expect(response.status).toBe(200);
    expect((await rowCounts()).webhookDeliveries).toBe(before.webhookDeliveries + 1);
    await expectations[name]!();
  });

  it("lands batch-two-tenants as 3 messages in A (across two numbers) and 1 in B, and nothing else in B", async () => {
    expect((await workspaceData(b)).messages).toHaveLength(1);
    expect(new Set((await workspaceData(a)).conversations.map((c) => c.businessNumberId))).toEqual(
      new Set([numbers.a1, numbers.a2]),
    );
  });

  it("counts customer messages as unread and keeps the last inbound time, but not reactions or system lines", async () => {
    const { messages, conversations } = await workspaceData(a);
    const conversation = conversations.find((c) => c.id === messages.find((m) => m.wamid === wamid("ATEXT01"))!.conversationId)!;
    const inThread = messages.filter((m) => m.conversationId === conversation.id && m.direction === "inbound");
    const countable = inThread.filter((m) => m.type !== "reaction" && m.type !== "system");
    expect(conversation.unreadCount).toBe(countable.length);
    expect(conversation.lastInboundAt).toEqual(new Date(Math.max(...countable.map((m) => m.sentAt.getTime()))));
    expect(conversation.lastMessageAt.getTime()).toBeGreaterThanOrEqual(conversation.lastInboundAt!.getTime());
  });

  it("stores nothing new when every fixture is delivered again", async () => {
    const before = await rowCounts();
    const conversationsBefore = (await workspaceData(a)).conversations;
    for (const name of fixtureOrder) expect((await post(fixtureBytes("whatsapp", name))).status, name).toBe(200);
    expect(await rowCounts()).toEqual(before);
    expect((await workspaceData(a)).conversations).toEqual(conversationsBefore);
  });

  it("stores no new message when the same events arrive in a differently encoded delivery", async () => {
    const before = await rowCounts();
    for (const name of fixtureOrder) {
      const reencoded = Buffer.from(JSON.stringify(JSON.parse(fixtureBytes("whatsapp", name).toString("utf8"))), "utf8");
      expect((await post(reencoded)).status, name).toBe(200);
    }
    // New deliveries (different bytes) split into new items, and the unknown number's is kept
    // as unrouted again; no new message, contact, status or event.
    const { ingestItems: itemsBefore, ...rest } = before;
    const { ingestItems: itemsAfter, ...after } = await rowCounts();
    expect(after).toEqual({
      ...rest,
      webhookDeliveries: before.webhookDeliveries + fixtureOrder.length,
      unroutedItems: before.unroutedItems + 1,
    });
    expect(itemsAfter).toBeGreaterThan(itemsBefore);
  });

  it("accepts what `npm run simulate` sends and stores exactly one message, in the number's workspace", async () => {
    const body = simulatedTextDelivery({ to: "220000000000001", from: "447700900123", text: "hi", wamid: "wamid.SIMULATED1" });
    expect((await post(body)).status).toBe(200);
    expect((await workspaceData(b)).messages.filter((m) => m.wamid === "wamid.SIMULATED1").map((m) => m.text)).toEqual(["hi"]);
    expect(await messageByWamid(a, "wamid.SIMULATED1")).toBeUndefined();
  });
});
