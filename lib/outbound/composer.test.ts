import { eq } from "drizzle-orm";
import { expect, it } from "vitest";
import { businessNumbers } from "@/db/schema";
import { withTenant } from "@/db/tenant";
import { composerState } from "./composer";
import { tokenExpiredReason } from "./failures";
import { outboundWorld } from "@/testing/outbound";

it("tells the composer the window, sandbox mode and anything that blocks sending", async () => {
  const lastInboundAt = new Date(Date.now() - 60 * 60 * 1000);
  const world = await outboundWorld({ lastInboundAt });
  const state = await withTenant(world.tenantId, (tx) => composerState({ tx, actor: world.actor }, { conversationId: world.conversation.id }));
  expect(state).toEqual({ window: { open: true, closesAt: new Date(lastInboundAt.getTime() + 24 * 60 * 60 * 1000) }, sandbox: false, blockedReason: null, marketingOptOutSince: null });

  await withTenant(world.tenantId, (tx) =>
    tx.update(businessNumbers).set({ accessTokenInvalidAt: new Date() }).where(eq(businessNumbers.id, world.number.id)),
  );
  const flagged = await withTenant(world.tenantId, (tx) => composerState({ tx, actor: world.actor }, { conversationId: world.conversation.id }));
  expect(flagged.blockedReason).toBe(tokenExpiredReason);
});

it("marks a sandbox number's conversation as sandbox", async () => {
  const world = await outboundWorld({ token: null, lastInboundAt: null });
  const state = await withTenant(world.tenantId, (tx) => composerState({ tx, actor: world.actor }, { conversationId: world.conversation.id }));
  expect(state).toEqual({ window: { open: false, closedAt: null }, sandbox: true, blockedReason: null, marketingOptOutSince: null });
});

it("does not describe another workspace's conversation", async () => {
  const mine = await outboundWorld();
  const theirs = await outboundWorld();
  for (const conversationId of [theirs.conversation.id, "1 or 1=1"]) {
    const error = await withTenant(mine.tenantId, (tx) => composerState({ tx, actor: mine.actor }, { conversationId })).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: "AppError", kind: "not_found" });
  }
});
