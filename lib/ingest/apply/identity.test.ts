import { eq } from "drizzle-orm";
import { beforeAll, expect, inject, it } from "vitest";
import { conversations } from "@/db/schema";
import { withTenant } from "@/db/tenant";
import { mergeContacts, survivorOf } from "@/lib/contacts/merge";
import { createTestNumber, createTestWorkspace } from "@/testing/db/factories";
import { messageItem, textItem } from "@/testing/ingest-items";
import { workspaceData } from "@/testing/webhook";
import { applyMessages } from "./messages";
import type { MessageItem } from "./types";

let a: string;
let aNumber: string;
let aSecond: string;

beforeAll(async () => {
  a = (await createTestWorkspace("Alpha")).id;
  aNumber = (await createTestNumber(a, "110000000000001")).id;
  aSecond = (await createTestNumber(a, "110000000000002")).id;
});

const apply = (items: MessageItem[]) => withTenant(a, (tx) => applyMessages({ tx, tenantId: a }, items));
const at = (minute: number) => new Date(Date.UTC(2026, 10, 20, 10, minute));

/** Each given wamid's contact and conversation, and the contacts holding these identities. */
async function people(wamids: string[], identities: { waIds?: string[]; userIds?: string[] } = {}) {
  const data = await workspaceData(a);
  const stored = wamids.map((w) => data.messages.find((m) => m.wamid === w)!);
  return {
    conversationIds: [...new Set(stored.map((m) => m.conversationId))],
    contacts: data.contacts.filter(
      (c) => (c.waId && identities.waIds?.includes(c.waId)) || (c.userId && identities.userIds?.includes(c.userId)),
    ),
    conversations: data.conversations,
    messages: data.messages,
  };
}

it("joins a customer first seen by user id only with the phone number seen beside it later: one contact, one conversation", async () => {
  await apply([textItem({ businessNumberId: aNumber, wamid: "wamid.PAIR1A", userId: "US.1001", name: "Mira", at: at(1) })]);
  await apply([textItem({ businessNumberId: aNumber, wamid: "wamid.PAIR1B", userId: "US.1001", waId: "15552001001", name: "Mira K", at: at(2) })]);
  const found = await people(["wamid.PAIR1A", "wamid.PAIR1B"], { waIds: ["15552001001"], userIds: ["US.1001"] });
  expect(found.contacts).toMatchObject([{ waId: "15552001001", userId: "US.1001", profileName: "Mira K" }]);
  expect(found.conversationIds).toHaveLength(1);
  expect(found.conversations.find((c) => c.id === found.conversationIds[0])).toMatchObject({ unreadCount: 2, lastMessageAt: at(2) });
});

it("merges the contact known by number and the one known by user id when a message shows both, conversations and history included", async () => {
  await apply([textItem({ businessNumberId: aNumber, wamid: "wamid.MERGE1", waId: "15552002002", name: "Old name", at: at(1) })]);
  await apply([textItem({ businessNumberId: aNumber, wamid: "wamid.MERGE2", userId: "US.2002", name: "Newer name", at: at(5) })]);
  await apply([textItem({ businessNumberId: aSecond, wamid: "wamid.MERGE3", userId: "US.2002", at: at(6) })]);
  const before = await people(["wamid.MERGE1", "wamid.MERGE2", "wamid.MERGE3"]);
  const [byNumber, byUser, onSecond] = before.conversationIds;
  await withTenant(a, (tx) => tx.update(conversations).set({ status: "resolved" }).where(eq(conversations.id, byNumber!)));

  // A reaction names both and says nothing new: it still joins the two.
  await apply([
    messageItem({
      businessNumberId: aNumber,
      at: at(3),
      profile: { wa_id: "15552002002", user_id: "US.2002" },
      message: { id: "wamid.MERGE4", from: "15552002002", type: "reaction", reaction: { message_id: "wamid.MERGE1", emoji: "👍" } },
    }),
  ]);

  const after = await people(["wamid.MERGE1", "wamid.MERGE2", "wamid.MERGE3", "wamid.MERGE4"], {
    waIds: ["15552002002"],
    userIds: ["US.2002"],
  });
  expect(after.contacts).toMatchObject([{ waId: "15552002002", userId: "US.2002", profileName: "Newer name" }]);
  // The number-keyed contact came first, so its conversation survives on the first number.
  expect(after.conversationIds.sort()).toEqual([byNumber, onSecond].sort());
  const survivor = after.conversations.find((c) => c.id === byNumber)!;
  expect(survivor).toMatchObject({ status: "open", unreadCount: 2, lastMessageAt: at(5), lastInboundAt: at(5) });
  expect(after.messages.filter((m) => m.conversationId === byNumber).map((m) => m.wamid)).toEqual([
    "wamid.MERGE1",
    "wamid.MERGE4",
    "wamid.MERGE2",
  ]);
  expect(after.conversations.find((c) => c.id === onSecond)).toMatchObject({ contactId: after.contacts[0]!.id });
  // The merged-away conversation's id still leads somewhere: to the survivor.
  expect(await withTenant(a, (tx) => survivorOf(tx, a, byUser!))).toBe(byNumber);
});

it("moves both the phone number and the user id on a number change, so the next username-only message lands in the same conversation", async () => {
  await apply([textItem({ businessNumberId: aNumber, wamid: "wamid.MOVE1", waId: "15552003003", userId: "US.3003-old", name: "Ana", at: at(1) })]);
  await apply([
    messageItem({
      businessNumberId: aNumber,
      at: at(2),
      message: {
        id: "wamid.MOVE2",
        from: "15552003003",
        type: "system",
        system: {
          body: "Ana changed from 15552003003 to 15552003999",
          type: "user_changed_number",
          wa_id: "15552003999",
          user_id: "US.3003-new",
          previous_user_id: "US.3003-old",
        },
      },
    }),
  ]);
  await apply([textItem({ businessNumberId: aNumber, wamid: "wamid.MOVE3", userId: "US.3003-new", text: "it's me", at: at(3) })]);
  const found = await people(["wamid.MOVE1", "wamid.MOVE2", "wamid.MOVE3"], {
    waIds: ["15552003003", "15552003999"],
    userIds: ["US.3003-old", "US.3003-new"],
  });
  expect(found.contacts).toMatchObject([{ waId: "15552003999", userId: "US.3003-new", profileName: "Ana" }]);
  expect(found.conversationIds).toHaveLength(1);
  expect(found.conversations.find((c) => c.id === found.conversationIds[0])).toMatchObject({ unreadCount: 2 });
});

it("moves the user id alone on a user id change, so the next message under the new id lands in the same conversation", async () => {
  await apply([textItem({ businessNumberId: aNumber, wamid: "wamid.NEWID1", userId: "US.7007-old", name: "Lu", at: at(1) })]);
  await apply([
    messageItem({
      businessNumberId: aNumber,
      at: at(2),
      message: {
        id: "wamid.NEWID2",
        from_user_id: "US.7007-old",
        type: "system",
        system: { type: "user_changed_user_id", user_id: "US.7007-new", previous_user_id: "US.7007-old" },
      },
    }),
  ]);
  await apply([textItem({ businessNumberId: aNumber, wamid: "wamid.NEWID3", userId: "US.7007-new", at: at(3) })]);
  const found = await people(["wamid.NEWID1", "wamid.NEWID2", "wamid.NEWID3"], { userIds: ["US.7007-old", "US.7007-new"] });
  expect(found.contacts).toMatchObject([{ waId: null, userId: "US.7007-new", profileName: "Lu" }]);
  expect(found.conversationIds).toHaveLength(1);
});

it("moves the number on a change that names no user ids (Meta's older shape), and finds it again if seen twice", async () => {
  const change = messageItem({
    businessNumberId: aNumber,
    at: at(2),
    message: {
      id: "wamid.MOVEOLD2",
      from: "15552004004",
      type: "system",
      system: { body: "changed", type: "user_changed_number", wa_id: "15552004999" },
    },
  });
  await apply([textItem({ businessNumberId: aNumber, wamid: "wamid.MOVEOLD1", waId: "15552004004", at: at(1) })]);
  await apply([change]);
  await apply([{ ...change, message: { ...change.message, id: "wamid.MOVEOLD3" } }]);
  await apply([textItem({ businessNumberId: aNumber, wamid: "wamid.MOVEOLD4", waId: "15552004999", at: at(4) })]);
  const found = await people(["wamid.MOVEOLD1", "wamid.MOVEOLD2", "wamid.MOVEOLD3", "wamid.MOVEOLD4"], {
    waIds: ["15552004004", "15552004999"],
  });
  expect(found.contacts).toMatchObject([{ waId: "15552004999" }]);
  expect(found.conversationIds).toHaveLength(1);
});

it("merges a contact that wrote from the new number before the change arrived", async () => {
  await apply([textItem({ businessNumberId: aNumber, wamid: "wamid.EARLY1", waId: "15552005005", at: at(1) })]);
  await apply([textItem({ businessNumberId: aNumber, wamid: "wamid.EARLY2", waId: "15552005999", at: at(3) })]);
  await apply([
    messageItem({
      businessNumberId: aNumber,
      at: at(2),
      message: { id: "wamid.EARLY3", from: "15552005005", type: "system", system: { type: "user_changed_number", wa_id: "15552005999" } },
    }),
  ]);
  const found = await people(["wamid.EARLY1", "wamid.EARLY2", "wamid.EARLY3"], { waIds: ["15552005005", "15552005999"] });
  expect(found.contacts).toMatchObject([{ waId: "15552005999" }]);
  expect(found.conversationIds).toHaveLength(1);
  expect(found.conversations.find((c) => c.id === found.conversationIds[0])).toMatchObject({ unreadCount: 2, lastMessageAt: at(3) });
});

it(`never fails and never splits twenty new customers whose (user id) and (user id + number) first messages are applied at once${
  inject("testDatabase").kind === "pglite" ? " (PGlite runs them one after another)" : ""
}`, async () => {
  const pairs = Array.from({ length: 20 }, (_, i) => {
    const userId = `US.9${String(i).padStart(3, "0")}`;
    const waId = `1555300${String(i).padStart(4, "0")}`;
    return [
      textItem({ businessNumberId: aNumber, wamid: `wamid.RACE${i}A`, userId, at: at(1) }),
      textItem({ businessNumberId: aNumber, wamid: `wamid.RACE${i}B`, userId, waId, at: at(2) }),
    ];
  });
  // Each message in its own transaction, as two pipeline instances would run them.
  const outcomes = await Promise.allSettled(pairs.flat().map((item) => apply([item])));
  expect(outcomes.filter((o) => o.status === "rejected")).toEqual([]);
  for (const [i, [first, second]] of pairs.entries()) {
    const found = await people([first!.message.id, second!.message.id], {
      waIds: [second!.message.from!],
      userIds: [`US.9${String(i).padStart(3, "0")}`],
    });
    expect(found.contacts).toMatchObject([{ waId: second!.message.from, userId: `US.9${String(i).padStart(3, "0")}` }]);
    expect(found.conversationIds).toHaveLength(1);
  }
});

it("never fails and never splits customers whose number-only, user-id-only and combined first messages are applied at once, merging where needed", async () => {
  const triples = Array.from({ length: 12 }, (_, i) => {
    const userId = `US.8${String(i).padStart(3, "0")}`;
    const waId = `1555400${String(i).padStart(4, "0")}`;
    return [
      textItem({ businessNumberId: aNumber, wamid: `wamid.TRI${i}A`, waId, at: at(1) }),
      textItem({ businessNumberId: aNumber, wamid: `wamid.TRI${i}B`, userId, at: at(2) }),
      textItem({ businessNumberId: aNumber, wamid: `wamid.TRI${i}C`, userId, waId, at: at(3) }),
    ];
  });
  const outcomes = await Promise.allSettled(triples.flat().map((item) => apply([item])));
  expect(outcomes.filter((o) => o.status === "rejected")).toEqual([]);
  for (const [i, triple] of triples.entries()) {
    const found = await people(
      triple.map((t) => t.message.id),
      { waIds: [triple[2]!.message.from!], userIds: [`US.8${String(i).padStart(3, "0")}`] },
    );
    expect(found.contacts).toHaveLength(1);
    expect(found.conversationIds).toHaveLength(1);
    expect(found.conversations.find((c) => c.id === found.conversationIds[0])).toMatchObject({ unreadCount: 3, lastMessageAt: at(3) });
  }
});

it("merges two contacts by hand with the same function, the redirect of an earlier merge following along", async () => {
  await apply([textItem({ businessNumberId: aNumber, wamid: "wamid.HAND1", waId: "15552006001", at: at(1) })]);
  await apply([textItem({ businessNumberId: aNumber, wamid: "wamid.HAND2", waId: "15552006002", at: at(2) })]);
  await apply([textItem({ businessNumberId: aNumber, wamid: "wamid.HAND3", waId: "15552006003", at: at(3) })]);
  const [first, second, third] = (await people(["wamid.HAND1", "wamid.HAND2", "wamid.HAND3"])).conversationIds;
  const contactOf = async (conversationId: string) =>
    (await workspaceData(a)).conversations.find((c) => c.id === conversationId)!.contactId;
  const [firstContact, secondContact, thirdContact] = [await contactOf(first!), await contactOf(second!), await contactOf(third!)];
  await withTenant(a, (tx) => mergeContacts({ tx, tenantId: a }, { survivorId: secondContact, mergedId: firstContact }));
  await withTenant(a, (tx) => mergeContacts({ tx, tenantId: a }, { survivorId: thirdContact, mergedId: secondContact }));
  for (const id of [first, second]) expect(await withTenant(a, (tx) => survivorOf(tx, a, id!))).toBe(third);
  const data = await workspaceData(a);
  expect(data.messages.filter((m) => m.conversationId === third).map((m) => m.wamid)).toEqual(["wamid.HAND1", "wamid.HAND2", "wamid.HAND3"]);
  expect(data.conversations.find((c) => c.id === third)).toMatchObject({ unreadCount: 3, lastMessageAt: at(3) });
  // The survivor kept its own number; the others' numbers are gone with their contacts.
  expect(data.contacts.filter((c) => c.waId?.startsWith("155520060"))).toMatchObject([{ waId: "15552006003" }]);
});
