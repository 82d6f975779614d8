import { eq } from "drizzle-orm";
import { expect, it } from "vitest";
import { database } from "@/db/client";
import { businessNumbers, messageTemplates } from "@/db/schema";
import { withTenant } from "@/db/tenant";
import { fixtureJson } from "@/testing/fixtures";
import { reply } from "@/testing/fake-graph-server";
import { fakeGraphPerFile } from "@/testing/fake-graph-per-file";
import { tokenExpiredReason } from "@/lib/outbound/failures";
import { periodicWork } from "@/lib/jobs/periodic";
import { startWorker } from "@/lib/jobs/worker";
import { listConversationTemplates, syncTemplates, templateSync } from "./templates";
import { outboundWorld, type OutboundWorld } from "@/testing/outbound";

const graph = fakeGraphPerFile();

const deps = () => ({ graph: graph.client() });

/** Every template stored, whatever its status, as `name:STATUS`. */
async function storedNames(world: OutboundWorld) {
  const rows = await withTenant(world.tenantId, (tx) => tx.select().from(messageTemplates).orderBy(messageTemplates.name));
  return rows.map((r) => `${r.name}:${r.status}`);
}

const pickerNames = (world: OutboundWorld) =>
  withTenant(world.tenantId, (tx) => listConversationTemplates({ tx, actor: world.actor }, { conversationId: world.conversation.id })).then((options) =>
    options.map((o) => o.name),
  );

it("keeps every template Meta lists for the number's WhatsApp Business Account with its status, and offers the approved ones", async () => {
  const world = await outboundWorld();
  const result = await syncTemplates({ tenantId: world.tenantId, ...deps() });
  expect(result).toEqual({ synced: [{ wabaId: world.number.wabaId, kept: 2, removed: 0 }], failed: [], skipped: [] });
  expect(await storedNames(world)).toEqual(["draft_promo:PENDING", "order_update:APPROVED", "welcome_back:APPROVED"]);
  expect(await pickerNames(world)).toEqual(["order_update", "welcome_back"]);
  const [call] = graph.calls("templates");
  expect(call!.path).toBe(`/v25.0/${world.number.wabaId}/message_templates`);
  expect(call!.authorization).toBe(`Bearer ${world.token}`);
});

it("keeps a template that is no longer approved with its status, out of the picker, at the next sync", async () => {
  const world = await outboundWorld();
  await syncTemplates({ tenantId: world.tenantId, ...deps() });
  const listing = fixtureJson<{ data: { name: string; status: string }[] }>("graph", "message-templates-list-200");
  listing.data.find((t) => t.name === "welcome_back")!.status = "PAUSED";
  graph.queue("templates", reply.json(200, listing));
  const result = await syncTemplates({ tenantId: world.tenantId, ...deps() });
  expect(result.synced).toEqual([{ wabaId: world.number.wabaId, kept: 1, removed: 0 }]);
  expect(await storedNames(world)).toEqual(["draft_promo:PENDING", "order_update:APPROVED", "welcome_back:PAUSED"]);
  expect(await pickerNames(world)).toEqual(["order_update"]);
});

it("drops a template Meta no longer lists at the next sync", async () => {
  const world = await outboundWorld();
  await syncTemplates({ tenantId: world.tenantId, ...deps() });
  const listing = fixtureJson<{ data: { name: string; status: string }[] }>("graph", "message-templates-list-200");
  listing.data = listing.data.filter((t) => t.name !== "welcome_back");
  graph.queue("templates", reply.json(200, listing));
  const result = await syncTemplates({ tenantId: world.tenantId, ...deps() });
  expect(result.synced).toEqual([{ wabaId: world.number.wabaId, kept: 1, removed: 1 }]);
  expect(await storedNames(world)).toEqual(["draft_promo:PENDING", "order_update:APPROVED"]);
});

it("skips an account with only sandbox numbers, without calling Meta", async () => {
  const world = await outboundWorld({ token: null });
  expect(await syncTemplates({ tenantId: world.tenantId, ...deps() })).toEqual({ synced: [], failed: [], skipped: [world.number.wabaId] });
  expect(graph.requests).toHaveLength(0);
});

it("reports an expired token in words and flags the number", async () => {
  const world = await outboundWorld();
  graph.queue("templates", reply.fixture("error-190-token-expired-401"));
  const result = await syncTemplates({ tenantId: world.tenantId, ...deps() });
  expect(result.failed).toEqual([{ wabaId: world.number.wabaId, reason: tokenExpiredReason }]);
  const [number] = await withTenant(world.tenantId, (tx) => tx.select().from(businessNumbers).where(eq(businessNumbers.id, world.number.id)));
  expect(number!.accessTokenInvalidAt).toBeInstanceOf(Date);
});

it("lists a conversation's templates with the variables its form needs, and only the workspace's own", async () => {
  const world = await outboundWorld();
  const other = await outboundWorld();
  await syncTemplates({ tenantId: world.tenantId, ...deps() });
  await syncTemplates({ tenantId: other.tenantId, ...deps() });
  const options = await withTenant(world.tenantId, (tx) => listConversationTemplates({ tx, actor: world.actor }, { conversationId: world.conversation.id }));
  const own = await withTenant(world.tenantId, (tx) =>
    tx.select({ id: messageTemplates.id }).from(messageTemplates).where(eq(messageTemplates.status, "APPROVED")),
  );
  expect(options.map((o) => o.id).sort()).toEqual(own.map((o) => o.id).sort());
  expect(options.map((o) => ({ name: o.name, preview: o.preview, variables: o.variables.map((v) => v.label), sendable: o.sendable }))).toEqual([
    { name: "order_update", preview: "Tu pedido {{1}} va en camino.", variables: ["Body {{1}}"], sendable: true },
    { name: "welcome_back", preview: "Hi {{1}}\nWe kept your cart. Want to finish your order?", variables: ["Header {{1}}"], sendable: true },
  ]);
  const error = await withTenant(world.tenantId, (tx) => listConversationTemplates({ tx, actor: world.actor }, { conversationId: other.conversation.id })).catch((e: unknown) => e);
  expect(error).toMatchObject({ name: "AppError", kind: "not_found" });
});

it("syncs every workspace with numbers from the periodic hook", async () => {
  const connected = await outboundWorld();
  const sandbox = await outboundWorld({ token: null });
  const worker = startWorker(database(), { ...periodicWork([templateSync(deps())]), pollMs: 50 });
  try {
    await expect.poll(() => storedNames(connected)).toEqual(["draft_promo:PENDING", "order_update:APPROVED", "welcome_back:APPROVED"]);
  } finally {
    await worker.stop();
  }
  expect(await storedNames(connected)).toEqual(["draft_promo:PENDING", "order_update:APPROVED", "welcome_back:APPROVED"]);
  expect(await storedNames(sandbox)).toEqual([]);
});
