import type { z } from "zod";
import { randomUUID } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { messages } from "@/db/schema";
import { withTenant } from "@/db/tenant";
import {
  createTestConversation,
  createTestMember,
  createTestMessage,
  createTestNumber,
  createTestWorkspace,
} from "@/testing/db/factories";
import { tokenExpiredReason, windowClosedReason } from "@/lib/outbound/failures";
import { fixtureJson } from "@/testing/fixtures";
import { assignConversation, resolveConversation } from "./queue";
import { getThread, getThreadInput, type ThreadMessage } from "./thread";

const at = (minutesAgo: number) => new Date(Date.UTC(2026, 5, 1, 12, 0, 0) - minutesAgo * 60_000);

let a: string;
let b: string;
let me: { id: string };
let bob: { id: string };
let numberId: string;
let conversationId: string;
let bConversation: string;
let bMessage: string;
const m: Record<string, { id: string; wamid: string | null }> = {};

type FailedStatus = { entry: [{ changes: [{ value: { statuses: [{ errors: unknown[] }] } }] }] };
const metaErrors = fixtureJson<FailedStatus>("whatsapp", "status-failed").entry[0].changes[0].value.statuses[0].errors;

beforeAll(async () => {
  a = (await createTestWorkspace("Alpha")).id;
  b = (await createTestWorkspace("Bravo")).id;
  me = await createTestMember(a, "agent", "Ana Agent");
  bob = await createTestMember(a, "agent", "Bob Builder");
  numberId = (await createTestNumber(a, "110000000000001", "Sales")).id;
  conversationId = (await createTestConversation(a, { numberId, waId: "5215512345678", name: "Ana Ruiz" })).conversation.id;
  const add = async (key: string, seed: Parameters<typeof createTestMessage>[2]) => {
    m[key] = await createTestMessage(a, conversationId, seed);
  };
  await add("hello", { direction: "inbound", text: "Hola\nnecesito ayuda", sentAt: at(100) });
  await add("question", { direction: "outbound", text: "¿En qué te ayudo?", status: "read", authorUserId: me.id, sentAt: at(90) });
  await add("thumbs", { direction: "inbound", type: "reaction", text: "👍", replyToWamid: m.question!.wamid!, sentAt: at(80) });
  await add("removed", { direction: "inbound", type: "reaction", text: null, replyToWamid: m.question!.wamid!, sentAt: at(70) });
  // Arrives last but happened first: it must not win.
  await add("late", { direction: "inbound", type: "reaction", text: "😮", replyToWamid: m.question!.wamid!, sentAt: at(85) });
  await add("heart", { direction: "outbound", type: "reaction", text: "❤️", replyToWamid: m.hello!.wamid!, sentAt: at(60) });
  await add("reply", { direction: "inbound", text: "Sí, esa dirección", replyToWamid: m.question!.wamid!, sentAt: at(50) });
  await add("orphanReply", { direction: "inbound", text: "¿y esto?", replyToWamid: "wamid.NEVER-STORED", sentAt: at(45) });
  await add("failed", { direction: "outbound", text: "Seguimos aquí", status: "failed", error: metaErrors, sentAt: at(40) });
  // As the status applier stores it (lib/ingest/apply/statuses.ts) and as a refused send does.
  await add("reportedFailure", {
    direction: "outbound",
    text: "¿Sigues ahí?",
    status: "failed",
    error: { code: 131026, title: "Message undeliverable", message: "Message undeliverable", details: "Unable to deliver message." },
    sentAt: at(39),
  });
  await add("refused", {
    direction: "outbound",
    text: "Te llamo mañana",
    status: "failed",
    error: { reason: tokenExpiredReason, code: 190, title: "Error validating access token", details: null },
    sentAt: at(38),
  });
  await add("system", { direction: "inbound", type: "system", text: "Ana changed their number", sentAt: at(35) });
  await add("location", { direction: "inbound", type: "location", text: "Oficina central", sentAt: at(30) });
  await withTenant(a, (tx) => assignConversation({ tx, actor: { tenantId: a, userId: me.id, role: "agent" } }, { conversationId, assigneeUserId: bob.id }));
  await withTenant(a, (tx) => resolveConversation({ tx, actor: { tenantId: a, userId: bob.id, role: "agent" } }, { conversationId }));

  const bNumber = await createTestNumber(b, "220000000000001");
  bConversation = (await createTestConversation(b, { numberId: bNumber.id })).conversation.id;
  bMessage = (await createTestMessage(b, bConversation, { direction: "inbound", text: "B only" })).id;
  // B's own row reacting to A's wamid: a wamid is only meaningful inside its workspace.
  await createTestMessage(b, bConversation, { direction: "inbound", type: "reaction", text: "💀", replyToWamid: m.question!.wamid! });
});

type GetThreadInput = z.input<typeof getThreadInput>;
const actorIn = (tenantId: string) => ({ tenantId, userId: randomUUID(), role: "agent" as const });
const thread = (input: Partial<GetThreadInput> = {}, tenantId = a) =>
  withTenant(tenantId, async (tx) => getThread({ tx, actor: actorIn(tenantId) }, getThreadInput.parse({ conversationId, ...input })));

describe("thread", () => {
  it("shows every message except reaction rows, newest first, with events last", async () => {
    const page = (await thread())!;
    const order = ["location", "system", "refused", "reportedFailure", "failed", "orphanReply", "reply", "question", "hello"].map((k) => m[k]!.id);
    expect(page.messages.slice(2).map((x) => x.id)).toEqual(order);
    expect(page.messages.slice(0, 2).map((x) => x.event?.kind)).toEqual(["resolved", "assigned"]);
    expect(page.messages.some((x) => x.type === "reaction")).toBe(false);
    expect(page.olderCursor).toBeNull();
    expect(page.newerCursor).toBeNull();
  });

  it("puts the newest reaction of each side on the bubble it reacts to, removal included", async () => {
    const byId = new Map((await thread())!.messages.map((x) => [x.id, x]));
    expect(byId.get(m.question!.id)!.reactions).toEqual({ inbound: { emoji: null, sentAt: at(70) }, outbound: null });
    expect(byId.get(m.hello!.id)!.reactions).toEqual({ inbound: null, outbound: { emoji: "❤️", sentAt: at(60) } });
    expect(byId.get(m.reply!.id)!.reactions).toEqual({ inbound: null, outbound: null });
  });

  it("quotes the replied-to message when the workspace has it, and says so when not", async () => {
    const byId = new Map((await thread())!.messages.map((x) => [x.id, x]));
    expect(byId.get(m.reply!.id)!.replyTo).toEqual({
      wamid: m.question!.wamid,
      message: { id: m.question!.id, direction: "outbound", type: "text", summary: "¿En qué te ayudo?" },
    });
    expect(byId.get(m.orphanReply!.id)!.replyTo).toEqual({ wamid: "wamid.NEVER-STORED", message: null });
  });

  it("carries delivery ticks, Meta's reason for a failure in words, retry for failures, and who sent an outbound message", async () => {
    const byId = new Map((await thread())!.messages.map((x) => [x.id, x]));
    expect(byId.get(m.question!.id)).toMatchObject({ status: "read", failure: null, canRetry: false, author: { id: me.id, name: "Ana Agent" } });
    expect(byId.get(m.failed!.id)).toMatchObject({ failure: { code: 131047, reason: windowClosedReason }, canRetry: true });
    expect(byId.get(m.reportedFailure!.id)).toMatchObject({
      failure: { code: 131026, reason: "Message undeliverable — Unable to deliver message." },
      canRetry: true,
    });
    expect(byId.get(m.refused!.id)).toMatchObject({ failure: { code: 190, reason: tokenExpiredReason }, canRetry: true });
    expect(byId.get(m.hello!.id)).toMatchObject({ text: "Hola\nnecesito ayuda", status: null, canRetry: false, author: null });
  });

  it("describes events with the actor's and assignee's names, and system and media messages legibly", async () => {
    const [resolved, assigned] = (await thread())!.messages as [ThreadMessage, ThreadMessage];
    expect(assigned.event).toEqual({
      kind: "assigned",
      actor: { id: me.id, name: "Ana Agent" },
      assignee: { id: bob.id, name: "Bob Builder" },
    });
    expect(assigned.summary).toBe("Ana Agent assigned this conversation to Bob Builder");
    expect(resolved.summary).toBe("Bob Builder resolved this conversation");
    const byId = new Map((await thread())!.messages.map((x) => [x.id, x]));
    expect(byId.get(m.system!.id)!.summary).toBe("Ana changed their number");
    expect(byId.get(m.location!.id)!.summary).toBe("Location: Oficina central");
  });

  it("answers null for another workspace's conversation, whichever tenant id is passed", async () => {
    expect(await thread({ conversationId: bConversation })).toBeNull();
    expect(await withTenant(a, (tx) => getThread({ tx, actor: actorIn(b) }, getThreadInput.parse({ conversationId: bConversation })))).toBeNull();
    expect(await thread({ conversationId: randomUUID() })).toBeNull();
  });

  it("ignores another workspace's message as an anchor and opens at the newest", async () => {
    const anchored = (await thread({ around: bMessage }))!;
    expect(anchored.messages.map((x) => x.id)).toEqual((await thread())!.messages.map((x) => x.id));
  });

  it("refuses to page in two directions at once", async () => {
    const cursor = (await thread({ limit: 1 }))!.olderCursor!;
    await expect(thread({ around: m.hello!.id, before: cursor })).rejects.toThrow(/one of before, after or around/);
    await expect(thread({ before: "not-a-cursor" })).rejects.toThrow(/reload the page/);
  });
});

describe("thread paging", () => {
  let paged: string;
  let expected: string[];

  beforeAll(async () => {
    paged = (await createTestConversation(a, { numberId, name: "Long thread" })).conversation.id;
    // 150 bubbles in groups of five sharing one WhatsApp second, with reactions in between.
    const rows = Array.from({ length: 150 }, (_, i) => ({
      tenantId: a,
      conversationId: paged,
      direction: i % 2 ? ("outbound" as const) : ("inbound" as const),
      wamid: `wamid.PAGED${i}`,
      type: "text",
      text: `message ${i}`,
      payload: { type: "text" },
      sentAt: new Date(Date.UTC(2026, 0, 1) + Math.floor(i / 5) * 1000),
    }));
    const reactions = rows.filter((_, i) => i % 10 === 0).map((r, i) => ({
      ...r,
      wamid: `wamid.REACT${i}`,
      type: "reaction",
      text: "👍",
      replyToWamid: r.wamid,
    }));
    const inserted = await withTenant(a, (tx) =>
      tx.insert(messages).values([...rows, ...reactions]).returning({ id: messages.id, type: messages.type, sentAt: messages.sentAt }),
    );
    expected = inserted
      .filter((x) => x.type !== "reaction")
      .sort((x, y) => y.sentAt.getTime() - x.sentAt.getTime() || (x.id < y.id ? 1 : -1))
      .map((x) => x.id);
  });

  const walk = async (start: Partial<GetThreadInput>, direction: "older" | "newer") => {
    const seen: string[] = [];
    let input = start;
    for (;;) {
      const page = (await thread({ conversationId: paged, limit: 13, ...input }))!;
      seen.push(...page.messages.map((x) => x.id));
      const next = direction === "older" ? page.olderCursor : page.newerCursor;
      if (!next) return { seen, page };
      input = direction === "older" ? { before: next } : { after: next };
    }
  };

  it("loads older pages until the first message, without gaps or repeats", async () => {
    const { seen } = await walk({}, "older");
    expect(seen).toEqual(expected);
  });

  it("opens at a search hit and reaches both ends from there", async () => {
    const hit = expected[97]!;
    const opened = (await thread({ conversationId: paged, limit: 13, around: hit }))!;
    expect(opened.messages.map((x) => x.id)).toContain(hit);
    expect(opened.messages.map((x) => x.id)).toEqual(expected.slice(97 - 6, 97 + 7));

    const older = await walk({ before: opened.olderCursor! }, "older");
    const newer = await walk({ after: opened.newerCursor! }, "newer");
    // `after` pages are newest-first too; reading them in fetch order gives oldest pages first.
    const newerIds: string[] = [];
    for (let i = 0; i < newer.seen.length; i += 13) newerIds.unshift(...newer.seen.slice(i, i + 13));
    expect([...newerIds, ...opened.messages.map((x) => x.id), ...older.seen]).toEqual(expected);
  });
});
