import { beforeAll, describe, expect, it, vi } from "vitest";
import { eq } from "drizzle-orm";
import { createTestConversation, createTestMember, createTestMessage, createTestNumber } from "@/testing/db/factories";
import { conversations } from "@/db/schema";
import { withTenant } from "@/db/tenant";
import { signUp } from "@/lib/workspace/signup";
import { env } from "@/lib/config/env";
import { notifyWorkspace } from "@/lib/realtime/events";
import { streamReader } from "@/testing/realtime";
import { expectNotFound } from "@/testing/expect-next";
import { actAs } from "@/testing/next-request";
import { queueAction } from "@/app/w/[slug]/inbox/actions";
import { GET as listRoute } from "./conversations/route";
import { GET as conversationRoute } from "./conversations/[conversationId]/route";
import { POST as readRoute } from "./conversations/[conversationId]/read/route";
import { GET as messagesRoute } from "./conversations/[conversationId]/messages/route";
import { GET as eventsRoute } from "./events/route";
import { GET as searchRoute } from "./search/route";

vi.mock("next/headers", () => import("@/testing/next-request"));
vi.mock("next/cache", () => import("@/testing/next-cache"));

/** The inbox's JSON and SSE routes, called as Next calls them, by members of two workspaces. */
type Side = { slug: string; id: string; ownerId: string; conversationId: string; messageId: string };
let a: Side;
let b: Side;
let outsiderId: string;

async function workspace(name: string, phoneNumberId: string, customer: string, text: string): Promise<Side> {
  const owner = await signUp({ name: `${name} Owner`, email: `${name.toLowerCase()}@inbox.test`, password: `${name}-password-1`, workspaceName: name });
  const number = await createTestNumber(owner.workspace.id, phoneNumberId);
  const { conversation } = await createTestConversation(owner.workspace.id, { numberId: number.id, name: customer });
  const message = await createTestMessage(owner.workspace.id, conversation.id, { direction: "inbound", text });
  return { slug: owner.workspace.slug, id: owner.workspace.id, ownerId: owner.user.id, conversationId: conversation.id, messageId: message.id };
}

beforeAll(async () => {
  a = await workspace("Alpha", "310000000000001", "Alma Customer", "Where is my parcel?\nOrder 1234");
  b = await workspace("Bravo", "320000000000001", "Bruno Secretname", "Bravo private parcel question");
  outsiderId = (await createTestMember(b.id, "agent", "Only in Bravo")).id;
});

const url = (path: string) => new Request(`${env().APP_URL}${path}`);
const slugOnly = (slug: string) => ({ params: Promise.resolve({ slug }) });
const withConversation = (slug: string, conversationId: string) => ({ params: Promise.resolve({ slug, conversationId }) });

describe("conversation list route", () => {
  it("lists the workspace's own conversations and nothing of another's", async () => {
    await actAs(a.ownerId);
    const response = await listRoute(url(`/api/w/${a.slug}/conversations?status=open&assignee=all`), slugOnly(a.slug));
    expect(response.status).toBe(200);
    const body = await response.text();
    expect(body).toContain(a.conversationId);
    expect(body).toContain("Alma Customer");
    expect(body).not.toContain(b.conversationId);
    expect(body).not.toContain("Bruno");
  });

  it("answers 404 for another workspace's slug and 401 when signed out", async () => {
    await actAs(a.ownerId);
    expect((await listRoute(url(`/api/w/${b.slug}/conversations`), slugOnly(b.slug))).status).toBe(404);
    await actAs(null);
    expect((await listRoute(url(`/api/w/${a.slug}/conversations`), slugOnly(a.slug))).status).toBe(401);
  });

  it("refuses malformed filters and cursors with a 400 that says what to do", async () => {
    await actAs(a.ownerId);
    const badCursor = await listRoute(url(`/api/w/${a.slug}/conversations?cursor=not-a-cursor`), slugOnly(a.slug));
    expect(badCursor.status).toBe(400);
    expect(((await badCursor.json()) as { error: string }).error).toMatch(/reload the page/);
    expect((await listRoute(url(`/api/w/${a.slug}/conversations?status=deleted`), slugOnly(a.slug))).status).toBe(400);
  });
});

describe("conversation and thread routes", () => {
  it("return A's conversation and its messages to A", async () => {
    await actAs(a.ownerId);
    const header = await conversationRoute(url(`/api/w/${a.slug}/conversations/${a.conversationId}`), withConversation(a.slug, a.conversationId));
    expect(header.status).toBe(200);
    const thread = await messagesRoute(url(`/api/w/${a.slug}/conversations/${a.conversationId}/messages`), withConversation(a.slug, a.conversationId));
    expect(thread.status).toBe(200);
    expect(await thread.text()).toContain("Where is my parcel?\\nOrder 1234");
  });

  it("answer 404 for B's ids under A's slug, and for ids that are not ids", async () => {
    await actAs(a.ownerId);
    for (const id of [b.conversationId, "not-a-uuid"]) {
      const header = await conversationRoute(url(`/api/w/${a.slug}/conversations/${id}`), withConversation(a.slug, id));
      const thread = await messagesRoute(url(`/api/w/${a.slug}/conversations/${id}/messages`), withConversation(a.slug, id));
      expect([header.status, thread.status]).toEqual([404, 404]);
      expect(await thread.text()).not.toContain("Bravo private");
    }
  });

  it("refuses to work B's queue from A", async () => {
    await actAs(a.ownerId);
    await expectNotFound(() => queueAction(a.slug, { action: "resolve", conversationId: b.conversationId }));
    await expectNotFound(() => queueAction(a.slug, { action: "assign", conversationId: a.conversationId, assigneeUserId: outsiderId }));
    await actAs(b.ownerId);
    const header = await conversationRoute(url(`/api/w/${b.slug}/conversations/${b.conversationId}`), withConversation(b.slug, b.conversationId));
    expect(((await header.json()) as { status: string }).status).toBe("open");
  });
});

describe("read route", () => {
  const post = (slug: string, id: string) =>
    readRoute(
      new Request(url(`/api/w/${slug}/conversations/${id}/read`), { method: "POST", headers: { origin: new URL(env().APP_URL).origin } }),
      withConversation(slug, id),
    );
  const unread = (side: Side) =>
    withTenant(side.id, async (tx) => (await tx.select({ n: conversations.unreadCount }).from(conversations).where(eq(conversations.id, side.conversationId)))[0]!.n);
  const setUnread = (side: Side, n: number) =>
    withTenant(side.id, (tx) => tx.update(conversations).set({ unreadCount: n }).where(eq(conversations.id, side.conversationId)));

  it("clears what arrived while the thread was open", async () => {
    await setUnread(a, 2);
    await actAs(a.ownerId);
    expect((await post(a.slug, a.conversationId)).status).toBe(204);
    expect(await unread(a)).toBe(0);
  });

  it("answers 404 for B's conversation under A's slug and leaves B's unread count alone", async () => {
    await setUnread(b, 3);
    await actAs(a.ownerId);
    expect((await post(a.slug, b.conversationId)).status).toBe(404);
    expect((await post(a.slug, "not-a-uuid")).status).toBe(404);
    expect(await unread(b)).toBe(3);
  });
});

describe("search route", () => {
  it("finds A's messages and contacts, never B's", async () => {
    await actAs(a.ownerId);
    const own = await (await searchRoute(url(`/api/w/${a.slug}/search?q=parcel`), slugOnly(a.slug))).text();
    expect(own).toContain(a.messageId);
    expect(own).not.toContain(b.messageId);
    const theirs = await (await searchRoute(url(`/api/w/${a.slug}/search?q=Secretname`), slugOnly(a.slug))).json();
    expect(theirs).toEqual({ conversations: [], messages: [] });
    expect((await searchRoute(url(`/api/w/${a.slug}/search?q=ab`), slugOnly(a.slug))).status).toBe(400);
  });
});

describe("events route", () => {
  it("refuses the signed-out and non-members before opening a stream", async () => {
    await actAs(null);
    expect((await eventsRoute(url(`/api/w/${a.slug}/events`), slugOnly(a.slug))).status).toBe(401);
    await actAs(outsiderId);
    const refused = await eventsRoute(url(`/api/w/${a.slug}/events`), slugOnly(a.slug));
    expect(refused.status).toBe(404);
    expect(refused.headers.get("content-type")).not.toContain("event-stream");
  });

  it("streams the workspace's own events and never another workspace's", async () => {
    await actAs(a.ownerId);
    const abort = new AbortController();
    const response = await eventsRoute(new Request(`${env().APP_URL}/api/w/${a.slug}/events`, { signal: abort.signal }), slugOnly(a.slug));
    expect(response.headers.get("content-type")).toContain("text/event-stream");
    const stream = streamReader(response);
    await stream.until("event: resync");
    // Commit order is delivery order: once A's later event is here, B's earlier one would have been too.
    await withTenant(b.id, (tx) => notifyWorkspace(tx, { tenantId: b.id, type: "conversation.updated", conversationId: b.conversationId }));
    await withTenant(a.id, (tx) => notifyWorkspace(tx, { tenantId: a.id, type: "message.created", conversationId: a.conversationId, messageId: a.messageId }));
    await stream.until(a.messageId);
    expect(stream.text).toContain("event: message.created");
    expect(stream.text).not.toContain(b.conversationId);
    expect(stream.text).not.toContain(b.id);
    abort.abort();
    await stream.cancel();
  });
});
