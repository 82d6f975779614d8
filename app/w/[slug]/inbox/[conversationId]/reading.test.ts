import { eq } from "drizzle-orm";
import { expect, it, vi } from "vitest";
import { withPlatform } from "@/db/platform";
import { conversations, workspaces } from "@/db/schema";
import { withTenant } from "@/db/tenant";
import { env } from "@/lib/config/env";
import { outboundWorld } from "@/testing/outbound";
import { rendered } from "@/testing/expect-next";
import { actAs } from "@/testing/next-request";
import { fakeGraphPerFile } from "@/testing/fake-graph-per-file";
import { POST as readRoute } from "@/app/api/w/[slug]/conversations/[conversationId]/read/route";
import ConversationPage from "./page";

vi.mock("next/headers", () => import("@/testing/next-request"));
/** Next runs `after()` work once the response is sent; here it is kept and run when the test says. */
const afterResponse: Array<() => unknown> = [];
vi.mock("next/server", async (original) => ({
  ...(await original<typeof import("next/server")>()),
  after: (task: (() => unknown) | Promise<unknown>) => void afterResponse.push(typeof task === "function" ? task : () => task),
}));

/**
 * Reading is something a person does, not something a GET does: Next prefetches linked
 * pages, and a prefetch must not tell the customer their message was read.
 */
const graph = fakeGraphPerFile({ viaEnv: true, resetAfterEach: false });

it("a GET of the conversation page sends no read receipt and keeps the unread count; the client's read request does both", async () => {
  const world = await outboundWorld();
  const [workspace] = await withPlatform((tx) => tx.select().from(workspaces).where(eq(workspaces.id, world.tenantId)));
  const slug = workspace!.slug;
  const conversationId = world.conversation.id;
  const unread = async () =>
    (await withTenant(world.tenantId, (tx) => tx.select({ n: conversations.unreadCount }).from(conversations).where(eq(conversations.id, conversationId))))[0]!.n;
  await actAs(world.actor.userId);

  const page = await ConversationPage({ params: Promise.resolve({ slug, conversationId }), searchParams: Promise.resolve({}) });
  await Promise.all(afterResponse.splice(0).map((task) => task()));
  expect(graph.requests).toHaveLength(0);
  expect(await unread()).toBe(1);
  // The thread starts from the real count, so the client asks to read it once it is on screen.
  expect(rendered(page)).toContain('"unreadCount":1');

  const answer = await readRoute(
    new Request(`${env().APP_URL}/api/w/${slug}/conversations/${conversationId}/read`, { method: "POST", headers: { origin: new URL(env().APP_URL).origin } }),
    { params: Promise.resolve({ slug, conversationId }) },
  );
  expect(answer.status).toBe(204);
  expect(graph.calls("messages").map((call) => call.body)).toEqual([expect.objectContaining({ status: "read", message_id: world.inbound.wamid })]);
  expect(await unread()).toBe(0);
});
