import { randomUUID } from "node:crypto";
import { sql } from "drizzle-orm";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { database, db, type DatabaseHandle } from "@/db/client";
import { rowsOf } from "@/db/rows";
import { withTenant } from "@/db/tenant";
import { createTestWorkspace } from "@/testing/db/factories";
import { eventsChannel, notifyWorkspace, type WorkspaceEvent } from "./events";
import type { Unsubscribe } from "./hub";
import { recorder, testHub } from "@/testing/realtime";

let a: string;
let b: string;
const open: Unsubscribe[] = [];

beforeAll(async () => {
  a = (await createTestWorkspace("Alpha")).id;
  b = (await createTestWorkspace("Bravo")).id;
});

afterEach(async () => {
  await Promise.all(open.splice(0).map((stop) => stop()));
});

async function commit(tenantId: string, type: WorkspaceEvent["type"] = "message.created") {
  const conversationId = randomUUID();
  await withTenant(tenantId, (tx) => notifyWorkspace(tx, { tenantId, type, conversationId, messageId: randomUUID() }));
  return conversationId;
}

async function rawNotify(payload: string) {
  await db().execute(sql`select pg_notify(${eventsChannel}, ${payload})`);
}

describe("realtime hub", () => {
  it("hands A's subscriber A's committed events and never B's", async () => {
    const hub = testHub();
    const forA = recorder();
    const forB = recorder();
    open.push(await hub.subscribe(a, forA.subscriber), await hub.subscribe(b, forB.subscriber));

    const bEvent = await commit(b);
    const aEvent = await commit(a);
    const bBarrier = await commit(b);
    await forA.received(aEvent);
    await forB.received(bBarrier);

    expect(forA.events.map((e) => e.conversationId)).toEqual([aEvent]);
    expect(forA.events.every((e) => e.tenantId === a)).toBe(true);
    expect(forB.events.map((e) => e.conversationId)).toEqual([bEvent, bBarrier]);
  });

  it("delivers a thousand events of one call in the order given, each with its outbox row", async () => {
    const hub = testHub();
    const forA = recorder();
    open.push(await hub.subscribe(a, forA.subscriber));
    const events: WorkspaceEvent[] = Array.from({ length: 1000 }, (_, i) =>
      i % 3 === 2
        ? { tenantId: a, type: "conversation.updated", conversationId: randomUUID() }
        : { tenantId: a, type: i % 3 === 0 ? "message.created" : "message.updated", conversationId: randomUUID(), messageId: randomUUID() },
    );
    await withTenant(a, (tx) => notifyWorkspace(tx, events[0]!, ...events.slice(1)));
    await forA.received(events.at(-1)!.conversationId);

    expect(forA.events).toEqual(events);
    const rows = await withTenant(a, (tx) =>
      rowsOf<{ type: string; conversationId: string; messageId: string | null }>(
        tx,
        sql`select type, conversation_id::text as "conversationId", message_id::text as "messageId" from outbox_events
          where conversation_id in ${events.map((e) => e.conversationId)}`,
      ),
    );
    const key = (e: { conversationId: string }) => e.conversationId;
    expect([...rows].sort((x, y) => key(x).localeCompare(key(y)))).toEqual(
      events.map((e) => ({ type: e.type, conversationId: e.conversationId, messageId: e.messageId ?? null })).sort((x, y) => key(x).localeCompare(key(y))),
    );
  });

  it("never delivers an event from a transaction that rolled back", async () => {
    const hub = testHub();
    const forA = recorder();
    open.push(await hub.subscribe(a, forA.subscriber));
    const rolledBack = randomUUID();

    const failed = await withTenant(a, async (tx) => {
      await notifyWorkspace(tx, { tenantId: a, type: "conversation.updated", conversationId: rolledBack });
      throw new Error("the write failed after notifying");
    }).catch((e: unknown) => e);
    expect(failed).toBeInstanceOf(Error);
    const barrier = await commit(a);
    await forA.received(barrier);

    expect(forA.events.map((e) => e.conversationId)).toEqual([barrier]);
  });

  it("drops payloads that are not workspace events and keeps delivering", async () => {
    const hub = testHub();
    const forA = recorder();
    open.push(await hub.subscribe(a, forA.subscriber));

    await rawNotify("not json at all");
    await rawNotify(JSON.stringify({ tenantId: a, type: "message.deleted", conversationId: randomUUID() }));
    await rawNotify(JSON.stringify({ tenantId: "' or 1=1 --", type: "message.created", conversationId: randomUUID() }));
    await rawNotify(JSON.stringify([a]));
    const barrier = await commit(a);
    await forA.received(barrier);

    expect(forA.events.map((e) => e.conversationId)).toEqual([barrier]);
  });

  it("stops delivering to a subscriber once it unsubscribes, and stops listening with the last", async () => {
    const hub = testHub();
    const leaving = recorder();
    const staying = recorder();
    const stopLeaving = await hub.subscribe(a, leaving.subscriber);
    const stopStaying = await hub.subscribe(a, staying.subscriber);
    const before = await commit(a);
    await leaving.received(before);

    await stopLeaving();
    await stopLeaving();
    const after = await commit(a);
    await staying.received(after);
    expect(leaving.events.map((e) => e.conversationId)).toEqual([before]);
    expect(hub.subscriberCount).toBe(1);

    await stopStaying();
    expect(hub.subscriberCount).toBe(0);
    const again = recorder();
    open.push(await hub.subscribe(a, again.subscriber));
    const resumed = await commit(a);
    await again.received(resumed);
    expect(again.events.map((e) => e.conversationId)).toEqual([resumed]);
  });

  it("keeps delivering to others when one subscriber throws", async () => {
    const hub = testHub();
    const healthy = recorder();
    open.push(
      await hub.subscribe(a, {
        onEvent: () => {
          throw new Error("a broken subscriber");
        },
      }),
      await hub.subscribe(a, healthy.subscriber),
    );
    const first = await commit(a);
    const second = await commit(a);
    await healthy.received(second);
    expect(healthy.events.map((e) => e.conversationId)).toEqual([first, second]);
  });

  it("refuses a subscription for something that is not a workspace id", async () => {
    await expect(testHub().subscribe("1 or 1=1", recorder().subscriber)).rejects.toThrow();
  });

  it("notices a LISTEN that went deaf, listens again and asks subscribers to resync", async () => {
    // Simulates a connection that died without telling anyone: the oldest LISTEN stops hearing.
    const deafened = new Set<number>();
    let listens = 0;
    const listen: DatabaseHandle["listen"] = async (channel, onPayload, onListen) => {
      const n = ++listens;
      return database().listen(channel, (p) => deafened.has(n) || onPayload(p), onListen);
    };
    const hub = testHub({ probeIntervalMs: 20, listen });
    const forA = recorder();
    open.push(await hub.subscribe(a, forA.subscriber));
    deafened.add(1);

    await forA.resynced();
    const after = await commit(a);
    await forA.received(after);
    expect(listens).toBeGreaterThanOrEqual(2);
    expect(forA.events.map((e) => e.conversationId)).toContain(after);
  });

  it.runIf(database().kind === "postgres")(
    "asks subscribers to resync after the LISTEN connection is killed and re-established",
    async () => {
      const hub = testHub();
      const forA = recorder();
      open.push(await hub.subscribe(a, forA.subscriber));
      await db().execute(
        sql`select pg_terminate_backend(pid) from pg_stat_activity
            where datname = current_database() and query like 'listen %' and pid <> pg_backend_pid()`,
      );
      await forA.resynced();
      const after = await commit(a);
      await forA.received(after);
      expect(forA.events.map((e) => e.conversationId)).toEqual([after]);
    },
  );
});
