import { randomUUID } from "node:crypto";
import { eq, sql } from "drizzle-orm";
import { describe, expect, it, vi } from "vitest";
import { db } from "@/db/client";
import { ingestItems } from "@/db/schema";
import { createTestNumber, createTestWorkspace } from "@/testing/db/factories";
import { whileRefusing } from "@/testing/db/refuse";
import { insertsWhile, updatesWhile } from "@/testing/db/statement-counts";
import { captureLogs, logAtLevelInEachTest, logLines } from "@/testing/logs";
import { workspaceData } from "@/testing/webhook";
import { messagesField, whatsappObject } from "@/lib/whatsapp/payload";
import { storeDelivery } from "./deliveries";
import { enterTenant } from "@/db/tenant";
import { interleaved, onPostgres } from "@/testing/db/interleaved";
import { applyNextBatch, commonFailureParts, drainWorkspace, maxItemAttempts, staleIsolationMs, stoppedIsolationsHeld, workspaceBatchLock } from "./process";
import { splitReceivedDeliveries } from "./split-job";
import { minBatch } from "./batch-size";

/**
 * One workspace's batches (lib/ingest/process.ts), called directly rather than drained: what
 * one batch does with a bad item, a failing database, its size and its time.
 */

type StatusSeed = { id: string; status: string; timestamp: string; recipient_id: string };

/**
 * A delivery of these texts from new customers to the number `to`, and of these statuses of sent
 * messages, stored and split into pending items.
 */
async function pendingTo(to: string, texts: string[], statuses: StatusSeed[] = []) {
  const messages = texts.map((body, i) => ({ from: `1555200${String(i).padStart(4, "0")}`, id: `wamid.B.${randomUUID()}`, timestamp: "1795000000", type: "text", text: { body } }));
  const value = { messaging_product: "whatsapp", metadata: { display_phone_number: to, phone_number_id: to }, messages, ...(statuses.length > 0 ? { statuses } : {}) };
  const stored = await storeDelivery(db(), Buffer.from(JSON.stringify({ object: whatsappObject, entry: [{ id: "1044", changes: [{ field: messagesField, value }] }] })));
  await splitReceivedDeliveries(db(), 60_000);
  return db().select().from(ingestItems).where(eq(ingestItems.deliveryId, stored.id)).orderBy(ingestItems.position);
}

/**
 * A workspace of its own, whose items no other test's retries meet (a failed item comes due again
 * 10 s later, and a slow machine reaches the file's later tests after that), and `pending` for
 * deliveries to its number.
 */
async function ownWorkspace(name: string, to: string) {
  const workspaceId = (await createTestWorkspace(name)).id;
  await createTestNumber(workspaceId, to);
  return { workspaceId, pending: (texts: string[], statuses?: StatusSeed[]) => pendingTo(to, texts, statuses) };
}

/** Makes the database refuse to store a message whose text contains `marker`, with a 3,000-character reason, while `work` runs. */
function refusing<T>(marker: string, work: () => Promise<T>): Promise<T> {
  return whileRefusing("messages", marker, work, "r".repeat(3000));
}

describe("one batch", () => {
  logAtLevelInEachTest("info");

  it("commits every good item of the batch in the same call that isolates the bad one, wherever it sits", async () => {
    const { workspaceId, pending } = await ownWorkspace("Commits", "180000000000027");
    const marker = `BAD-${randomUUID()}`;
    const texts = ["uno", "dos", "tres", "cuatro", "cinco", marker, "siete", "ocho", "nueve", "diez"];
    const items = await pending(texts);
    expect(await refusing(marker, () => applyNextBatch(workspaceId))).toEqual({ taken: 10, lane: "messages", more: true });
    const after = await db().select().from(ingestItems).where(eq(ingestItems.deliveryId, items[0]!.deliveryId)).orderBy(ingestItems.position);
    expect(after.map((i) => [i.state, i.attempts])).toEqual(texts.map((t) => (t === marker ? ["pending", 1] : ["done", 0])));
    expect((await workspaceData(workspaceId)).messages.map((m) => m.text)).toEqual(expect.arrayContaining(texts.filter((t) => t !== marker)));
    // The reason is kept, cut to 1,000 characters.
    expect(after[5]!.lastError).toHaveLength(1000);
  });

  it("keeps halving where only some parts fail: two bad items among 64 cost a few transactions, not one per item", async () => {
    const { workspaceId, pending } = await ownWorkspace("Halving", "180000000000028");
    const marker = `PAIR-${randomUUID()}`;
    const texts = Array.from({ length: 64 }, (_, i) => (i === 10 || i === 50 ? `${marker} ${i}` : `bien ${i}`));
    const items = await pending(texts);
    let taken = 0;
    const tried = await insertsWhile("messages", () =>
      refusing(marker, async () => {
        for (let batch = await applyNextBatch(workspaceId); batch.taken > 0; batch = await applyNextBatch(workspaceId)) taken += batch.taken;
      }),
    );
    expect(taken).toBe(64);
    const after = await db().select().from(ingestItems).where(eq(ingestItems.deliveryId, items[0]!.deliveryId)).orderBy(ingestItems.position);
    expect(after.filter((i) => i.state !== "done").map((i) => [i.position, i.attempts])).toEqual([
      [10, 1],
      [50, 1],
    ]);
    // The batch, its halves, then four parts a level (the two failed parts' halves) down to the two items.
    expect(tried).toBeLessThanOrEqual(1 + 2 + 4 * (Math.log2(64) - 1));
  });

  it("finds the failures of a batch whose every item fails in about one transaction per item, not one per item and level", async () => {
    const { workspaceId, pending } = await ownWorkspace("Every failing", "180000000000029");
    const marker = `ALL-${randomUUID()}`;
    const items = await pending(Array.from({ length: 64 }, (_, i) => `${marker} ${i}`));
    let batches = 0;
    const tried = await insertsWhile("messages", () =>
      refusing(marker, async () => {
        while ((await applyNextBatch(workspaceId)).taken > 0) batches++;
      }),
    );
    const after = await db().select().from(ingestItems).where(eq(ingestItems.deliveryId, items[0]!.deliveryId));
    expect(after.map((i) => [i.state, i.attempts])).toEqual(after.map(() => ["pending", 1]));
    // Per batch: the batch, its halves, its quarters, then each item alone.
    expect(tried).toBeLessThanOrEqual(64 + (1 + 2 + commonFailureParts) * batches);
  });

  /** A turn whose time is up after `parts` checks: a batch's isolation tries that many of its parts. */
  const upAfter = (parts: number) => {
    let checks = 0;
    return () => ++checks > parts;
  };

  it("stops a failed batch's isolation when the turn's time is up, and the workspace's next batch carries it on rather than starting over", async () => {
    const marker = `TURN-${randomUUID()}`;
    const { workspaceId, pending } = await ownWorkspace("Turns", "180000000000019");
    // The smallest batch there is: all of them claimed at once, whatever the sizer learnt.
    const items = await pending(Array.from({ length: minBatch }, (_, i) => `${marker} ${i}`));
    const states = async () => (await db().select().from(ingestItems).where(eq(ingestItems.deliveryId, items[0]!.deliveryId))).map((i) => [i.state, i.attempts]);
    // The batch, then four parts: its halves and two of its quarters, stopping within a level.
    const firstTurn = await insertsWhile("messages", () => refusing(marker, () => applyNextBatch(workspaceId, undefined, upAfter(4))));
    expect(firstTurn).toBe(5);
    expect(await states()).toEqual(items.map(() => ["pending", 0]));
    let turns = 1;
    const taken: number[] = [];
    const rest = await insertsWhile("messages", () =>
      refusing(marker, async () => {
        // Bounded: an isolation starting over each turn would never end.
        for (let batch; turns < 20 && (batch = await applyNextBatch(workspaceId, undefined, upAfter(4))).taken > 0; turns++) taken.push(batch.taken);
      }),
    );
    // Each turn takes up the items its isolation has yet to settle: all of them until the quarters are tried, then one fewer per item.
    expect(taken).toEqual([minBatch, minBatch - 2, minBatch - 6, minBatch - 10, minBatch - 14, minBatch - 18]);
    expect(await states()).toEqual(items.map(() => ["pending", 1]));
    expect(turns).toBe(7);
    // As many as one isolation never stopped (the batch, halves, quarters, each item alone):
    // starting over would try the batch and its halves again; forgetting which parts of the
    // level failed would halve the quarters instead of trying their items alone.
    expect(firstTurn + rest).toBe(1 + 2 + commonFailureParts + minBatch);
  });

  it("goes on, in a drain that carries a stopped isolation on, to the workspace's other due items", async () => {
    const marker = `CARRY-${randomUUID()}`;
    const { workspaceId, pending } = await ownWorkspace("Carried", "180000000000025");
    const failing = await pending(Array.from({ length: minBatch }, (_, i) => `${marker} ${i}`));
    await refusing(marker, () => applyNextBatch(workspaceId, undefined, upAfter(4)));
    const later = await pending(["después uno", "después dos"]);
    // The isolation's twenty items, then the two that came after it.
    expect(await refusing(marker, () => drainWorkspace(workspaceId, 120_000))).toEqual({ applied: minBatch + 2, more: false });
    const states = async (items: typeof failing) => (await db().select().from(ingestItems).where(eq(ingestItems.deliveryId, items[0]!.deliveryId))).map((i) => [i.state, i.attempts]);
    expect(await states(failing)).toEqual(failing.map(() => ["pending", 1]));
    expect(await states(later)).toEqual([
      ["done", 0],
      ["done", 0],
    ]);
  });

  it("leaves alone, when it carries an isolation on, the items another instance has tried meanwhile and that now wait out their backoff", async () => {
    const marker = `AWAY-${randomUUID()}`;
    const { workspaceId, pending } = await ownWorkspace("Away", "180000000000020");
    const items = await pending(Array.from({ length: 16 }, (_, i) => `${marker} ${i}`));
    await refusing(marker, () => applyNextBatch(workspaceId, undefined, upAfter(2)));
    // Another instance's isolation of the same items recorded a failure for each.
    await db().update(ingestItems).set({ attempts: 1, runAt: sql`now() + interval '1 hour'` }).where(eq(ingestItems.deliveryId, items[0]!.deliveryId));
    const tried = await insertsWhile("messages", () => refusing(marker, () => applyNextBatch(workspaceId)));
    expect(tried).toBe(0);
    const after = await db().select().from(ingestItems).where(eq(ingestItems.deliveryId, items[0]!.deliveryId));
    expect(after.map((i) => [i.state, i.attempts])).toEqual(items.map(() => ["pending", 1]));
    expect(await applyNextBatch(workspaceId)).toEqual({ taken: 0, lane: undefined, more: false });
  });

  it("forgets a stopped isolation after a minute, and claims its items afresh", async () => {
    const marker = `STALE-${randomUUID()}`;
    const { workspaceId, pending } = await ownWorkspace("Stale", "180000000000021");
    await pending(Array.from({ length: minBatch }, (_, i) => `${marker} ${i}`));
    vi.useFakeTimers({ toFake: ["performance"] });
    try {
      await refusing(marker, () => applyNextBatch(workspaceId, undefined, upAfter(4)));
      vi.advanceTimersByTime(staleIsolationMs + 1);
      // Afresh: the batch and its first half; carried on, it would try one quarter.
      expect(await insertsWhile("messages", () => refusing(marker, () => applyNextBatch(workspaceId, undefined, upAfter(1))))).toBe(2);
    } finally {
      vi.useRealTimers();
    }
    await refusing(marker, async () => {
      while ((await applyNextBatch(workspaceId)).taken > 0);
    });
  });

  it("keeps each workspace's stopped isolation apart, and none past a minute", async () => {
    const marker = `HELD-${randomUUID()}`;
    const first = await ownWorkspace("Held one", "180000000000022");
    const second = await ownWorkspace("Held two", "180000000000023");
    for (const workspace of [first, second]) await workspace.pending(Array.from({ length: minBatch }, (_, i) => `${marker} ${i}`));
    vi.useFakeTimers({ toFake: ["performance"] });
    try {
      vi.advanceTimersByTime(staleIsolationMs);
      await refusing(marker, async () => {
        await applyNextBatch(first.workspaceId, undefined, upAfter(4));
        await applyNextBatch(second.workspaceId, undefined, upAfter(4));
      });
      expect(stoppedIsolationsHeld()).toBe(2);
      vi.advanceTimersByTime(staleIsolationMs + 1);
      // The first's is forgotten (its batch claimed afresh, and stopped again); the second's is dropped, never resumed here.
      await refusing(marker, () => applyNextBatch(first.workspaceId, undefined, upAfter(1)));
      expect(stoppedIsolationsHeld()).toBe(1);
    } finally {
      vi.useRealTimers();
    }
    await refusing(marker, async () => {
      for (const { workspaceId } of [first, second]) while ((await applyNextBatch(workspaceId)).taken > 0);
    });
    expect(stoppedIsolationsHeld()).toBe(0);
  });

  it(`logs the ${maxItemAttempts}th failure as an error that names the item, and quarantines it`, async () => {
    const { workspaceId, pending } = await ownWorkspace("Last failure", "180000000000030");
    const marker = `LAST-${randomUUID()}`;
    const [item] = await pending([marker]);
    await db().update(ingestItems).set({ attempts: maxItemAttempts - 1 }).where(eq(ingestItems.id, item!.id));
    const { output } = await captureLogs(() => refusing(marker, () => applyNextBatch(workspaceId)));
    const [after] = await db().select().from(ingestItems).where(eq(ingestItems.id, item!.id));
    expect(after).toMatchObject({ state: "quarantined", attempts: maxItemAttempts });
    expect(logLines(output).filter((l) => String(l.event).startsWith("ingest_item_"))).toEqual([
      expect.objectContaining({ level: "error", event: "ingest_item_quarantined", itemId: item!.id, workspaceId, attempt: maxItemAttempts, reason: after!.lastError }),
    ]);
  });

  it("fails, for its job to retry, when the items cannot be read, rather than report nothing due", async () => {
    const { workspaceId, pending } = await ownWorkspace("Unreadable", "180000000000031");
    await pending(["espera"]);
    await db().execute(sql`alter table ingest_items rename to ingest_items_away`);
    try {
      await expect(applyNextBatch(workspaceId)).rejects.toThrow(/ingest_items/);
    } finally {
      await db().execute(sql`alter table ingest_items_away rename to ingest_items`);
    }
    expect(await applyNextBatch(workspaceId)).toEqual({ taken: 1, lane: "messages", more: false });
  });
});

describe("a workspace's drain", () => {
  it("takes a backlog a bounded batch at a time, and when its time runs out says more remains", async () => {
    // Not the file's workspace: the items other tests left failing fall due again five seconds on.
    const { workspaceId, pending } = await ownWorkspace("Backlog", "180000000000026");
    await pending(Array.from({ length: 600 }, (_, i) => `cola ${i}`));
    const { applied, more } = await drainWorkspace(workspaceId, 1);
    expect(more).toBe(true);
    expect(applied).toBeGreaterThan(0);
    expect(applied).toBeLessThan(600);
    expect(await drainWorkspace(workspaceId, 120_000)).toEqual({ applied: 600 - applied, more: false });
  });

  it("goes on to another lane's items, and ends with the batch that left none due, not with a claim that finds nothing", async () => {
    const { workspaceId, pending } = await ownWorkspace("Drained", "180000000000024");
    const statuses = [0, 1].map((i) => ({ id: `wamid.D.OUT.${randomUUID()}`, status: "delivered", timestamp: "1795000000", recipient_id: `1555300001${i}` }));
    await pending(["uno", "dos", "tres"], statuses);

    const claims = await updatesWhile("ingest_items", async () => {
      expect(await drainWorkspace(workspaceId, 120_000)).toEqual({ applied: 5, more: false });
    });
    // The messages' batch, then the statuses' (each claim is one UPDATE of the items).
    expect(claims).toBe(2);
    expect((await workspaceData(workspaceId)).messages.map((m) => m.text)).toEqual(expect.arrayContaining(["uno", "dos", "tres"]));
    expect((await workspaceData(workspaceId)).statuses).toHaveLength(2);
  });
});

describe("batches across instances", () => {
  it.runIf(onPostgres)("wait for another instance's batch of the same workspace, and not for another workspace's", async () => {
    const { workspaceId, pending } = await ownWorkspace("Waiting", "180000000000032");
    await pending(["espera tu turno"]);
    const elsewhere = (await createTestWorkspace("Elsewhere")).id;
    // Another instance's batch of this workspace, still open.
    const anotherBatch = async (tx: Parameters<Parameters<typeof interleaved>[0]>[0]) => {
      await enterTenant(tx, workspaceId, { lock: workspaceBatchLock(workspaceId) });
    };
    expect(await interleaved(anotherBatch, () => applyNextBatch(workspaceId))).toBe("waiting");
    expect((await workspaceData(workspaceId)).messages.map((m) => m.text)).toContain("espera tu turno");
    expect(await interleaved(anotherBatch, () => applyNextBatch(elsewhere))).toBe("finished");
  });
});
