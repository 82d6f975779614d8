import { randomUUID } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { withTenant } from "@/db/tenant";
import { createTestWorkspace } from "@/testing/db/factories";
import { notifyWorkspace } from "./events";
import { MembershipWatch } from "./membership-watch";
import { workspaceEventResponse, workspaceEventStream } from "./sse";
import { maxStreamsPerUser, StreamCap } from "./stream-cap";
import { testHub } from "@/testing/realtime";

let a: string;
let b: string;

beforeAll(async () => {
  a = (await createTestWorkspace("Alpha")).id;
  b = (await createTestWorkspace("Bravo")).id;
});

/** Reads whole SSE blocks (separated by a blank line) from a stream. */
function blocks(stream: ReadableStream<Uint8Array>) {
  const reader = stream.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  return {
    async next(): Promise<string | null> {
      for (;;) {
        const end = buffer.indexOf("\n\n");
        if (end >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          return block;
        }
        const { done, value } = await reader.read();
        if (done) return null;
        buffer += decoder.decode(value, { stream: true });
      }
    },
    /** The next block that is not a keep-alive comment. */
    async nextEvent(): Promise<string | null> {
      for (;;) {
        const block = await this.next();
        if (block === null || !block.startsWith(":")) return block;
      }
    },
    cancel: () => reader.cancel(),
  };
}

function fields(block: string | null) {
  return Object.fromEntries((block ?? "").split("\n").map((line) => [line.slice(0, line.indexOf(":")), line.slice(line.indexOf(":") + 2)]));
}

async function commit(tenantId: string) {
  const conversationId = randomUUID();
  const messageId = randomUUID();
  await withTenant(tenantId, (tx) => notifyWorkspace(tx, { tenantId, type: "message.created", conversationId, messageId }));
  return { conversationId, messageId };
}

describe("workspace event stream", () => {
  it("tells the browser how to retry, asks it to resync, then streams only its workspace's events", async () => {
    const hub = testHub();
    const controller = new AbortController();
    const stream = blocks(workspaceEventStream({ tenantId: a, hub, signal: controller.signal, retryMs: 2500 }));

    expect(await stream.next()).toBe("retry: 2500");
    expect(fields(await stream.next())).toEqual({ id: "1", event: "resync", data: '{"reason":"connected"}' });

    await commit(b);
    const mine = await commit(a);
    expect(fields(await stream.nextEvent())).toEqual({
      id: "2",
      event: "message.created",
      data: JSON.stringify({ type: "message.created", ...mine }),
    });
    controller.abort();
  });

  it("answers as an uncached event stream a route can return as it is", async () => {
    const controller = new AbortController();
    const response = workspaceEventResponse({ tenantId: a, hub: testHub(), signal: controller.signal });
    expect(response.headers.get("content-type")).toBe("text/event-stream; charset=utf-8");
    expect(response.headers.get("cache-control")).toContain("no-cache");
    const stream = blocks(response.body!);
    expect(await stream.next()).toBe("retry: 3000");
    expect(fields(await stream.next()).event).toBe("resync");
    controller.abort();
    expect(await stream.nextEvent()).toBeNull();
  });

  it("sends keep-alive comments while nothing happens", async () => {
    const controller = new AbortController();
    const stream = blocks(workspaceEventStream({ tenantId: a, hub: testHub(), signal: controller.signal, heartbeatMs: 10 }));
    const seen: string[] = [];
    for (let block = await stream.next(); block !== null && !block.startsWith(":"); block = await stream.next()) {
      seen.push(block);
    }
    expect(seen.map((b) => fields(b).event ?? b)).toEqual(["retry: 3000", "resync"]);
    controller.abort();
  });

  it("ends the stream and unsubscribes when the client goes away", async () => {
    const hub = testHub();
    const controller = new AbortController();
    const stream = blocks(workspaceEventStream({ tenantId: a, hub, signal: controller.signal }));
    await stream.next();
    await stream.next();
    expect(hub.subscriberCount).toBe(1);

    controller.abort();
    expect(await stream.nextEvent()).toBeNull();
    expect(hub.subscriberCount).toBe(0);
  });

  it("unsubscribes when the reader cancels", async () => {
    const hub = testHub();
    const stream = blocks(workspaceEventStream({ tenantId: a, hub }));
    await stream.next();
    await stream.next();
    await stream.cancel();
    expect(hub.subscriberCount).toBe(0);
  });
});

describe("a client that stops reading", () => {
  it("is cut off once it falls maxQueuedChunks behind, and its subscription ends", async () => {
    const hub = testHub();
    const stream = workspaceEventStream({ tenantId: a, hub, maxQueuedChunks: 3 });
    const reader = stream.getReader();
    await expect.poll(() => hub.subscriberCount, { timeout: 20_000 }).toBe(1);
    for (let i = 0; i < 10; i++) {
      await withTenant(a, (tx) => notifyWorkspace(tx, { tenantId: a, type: "conversation.updated", conversationId: randomUUID() }));
    }
    // Nothing has been read: the stream gives up on the client rather than queue without end.
    await expect.poll(() => hub.subscriberCount, { timeout: 20_000 }).toBe(0);
    let text = "";
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) text += new TextDecoder().decode(chunk.value);
    const events = text.split("\n\n").filter((block) => block.includes("event: conversation.updated"));
    expect(events.length).toBeGreaterThan(0);
    expect(events.length).toBeLessThan(10);
  });

  it("keeps a client that reads, however many events come", async () => {
    const hub = testHub();
    const stream = blocks(workspaceEventStream({ tenantId: a, hub, maxQueuedChunks: 3 }));
    await expect.poll(() => hub.subscriberCount, { timeout: 20_000 }).toBe(1);
    for (let i = 0; i < 10; i++) {
      const conversationId = randomUUID();
      await withTenant(a, (tx) => notifyWorkspace(tx, { tenantId: a, type: "conversation.updated", conversationId }));
      for (let block = await stream.nextEvent(); !block?.includes(conversationId); block = await stream.nextEvent()) {
        expect(block).not.toBeNull();
      }
    }
    expect(hub.subscriberCount).toBe(1);
  });
});

describe("streams per user", () => {
  it("ends a user's oldest stream when they open a sixth on this instance, and leaves other users' streams alone", async () => {
    const hub = testHub();
    const cap = new StreamCap();
    const watch = new MembershipWatch({ stillMembers: async (pairs) => pairs });
    const [ana, bo] = [randomUUID(), randomUUID()];
    const open = (userId: string) => blocks(workspaceEventStream({ tenantId: a, hub, member: { userId, watch, cap } }));
    const anas = Array.from({ length: 5 }, () => open(ana));
    const bos = open(bo);
    for (const stream of [...anas, bos]) await stream.next();
    await expect.poll(() => hub.subscriberCount, { timeout: 20_000 }).toBe(6);
    expect(maxStreamsPerUser).toBe(5);

    const newest = open(ana);
    expect(await newest.next()).toBe("retry: 3000");
    // The oldest ends: what was queued, then the end of the stream.
    let block = await anas[0]!.next();
    while (block !== null) block = await anas[0]!.next();
    expect(cap.openCount(ana)).toBe(5);
    expect(cap.openCount(bo)).toBe(1);

    const { conversationId } = await commit(a);
    for (const stream of [...anas.slice(1), bos, newest]) {
      for (let next = await stream.nextEvent(); !next?.includes(conversationId); next = await stream.nextEvent()) expect(next).not.toBeNull();
    }
    for (const stream of [...anas.slice(1), bos, newest]) await stream.cancel();
    expect(cap.openCount(ana)).toBe(0);
    await expect.poll(() => hub.subscriberCount, { timeout: 20_000 }).toBe(0);
  });
});
