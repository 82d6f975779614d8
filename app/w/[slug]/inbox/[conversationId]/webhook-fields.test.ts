import { randomUUID } from "node:crypto";
import { eq } from "drizzle-orm";
import { createElement } from "react";
import { renderToStaticMarkup } from "react-dom/server";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { beforeAll, expect, it, vi } from "vitest";
import { withPlatform } from "@/db/platform";
import { messages, workspaces } from "@/db/schema";
import { withTenant } from "@/db/tenant";
import { TemplatePicker } from "@/components/composer/template-picker";
import type { Message } from "@/components/inbox/api";
import { MarketingOptOutNote } from "@/components/inbox/marketing-opt-out-note";
import { MessageBubble } from "@/components/inbox/message-bubble";
import { env } from "@/lib/config/env";
import { applyFieldItems } from "@/lib/ingest/apply/fields";
import type { FieldItem, OtherField } from "@/lib/ingest/apply/types";
import { syncTemplates } from "@/lib/templates/templates";
import { rendered } from "@/testing/expect-next";
import { fakeGraphPerFile } from "@/testing/fake-graph-per-file";
import { reply } from "@/testing/fake-graph-server";
import { fixtureJson } from "@/testing/fixtures";
import { actAs } from "@/testing/next-request";
import { outboundWorld, type OutboundWorld } from "@/testing/outbound";
import { GET as composerRoute } from "@/app/api/w/[slug]/conversations/[conversationId]/composer/route";
import { POST as sendTemplateRoute } from "@/app/api/w/[slug]/conversations/[conversationId]/template-messages/route";
import ConversationPage from "./page";

vi.mock("next/headers", () => import("@/testing/next-request"));

/**
 * What an agent sees of the other webhook fields in a conversation: the customer's marketing
 * opt-out under the thread's title and in the template picker, replies typed in the WhatsApp
 * Business app marked as such, and a template Meta paused refused even from a stale picker.
 */
const graph = fakeGraphPerFile({ viaEnv: true, resetAfterEach: false });
let world: OutboundWorld;
let slug: string;
beforeAll(async () => {
  // The customer's window closed two days ago: only templates can be sent.
  world = await outboundWorld({ lastInboundAt: new Date(Date.now() - 48 * 60 * 60 * 1000) });
  slug = (await withPlatform((tx) => tx.select().from(workspaces).where(eq(workspaces.id, world.tenantId))))[0]!.slug;
  await syncTemplates({ tenantId: world.tenantId });
});

type Fixture = { entry: { id: string; time: number; changes: { field: OtherField; value: Record<string, unknown> }[] }[] };
function itemFrom(name: string, value: (v: Record<string, unknown>) => Record<string, unknown>, at: Date): FieldItem {
  const entry = fixtureJson<Fixture>("whatsapp", name).entry[0]!;
  const change = entry.changes[0]!;
  return {
    kind: "field",
    itemId: randomUUID(),
    field: change.field,
    occurredAt: at,
    timestampSubstituted: false,
    wabaId: world.number.wabaId,
    phoneNumberId: world.number.phoneNumberId,
    businessNumberId: world.number.id,
    value: value(structuredClone(change.value)),
  };
}
const apply = (...items: FieldItem[]) => withTenant(world.tenantId, (tx) => applyFieldItems({ tx, tenantId: world.tenantId }, items));
const params = () => ({ params: Promise.resolve({ slug, conversationId: world.conversation.id }) });
const composerState = async () => (await composerRoute(new Request(`${env().APP_URL}/`), params())).json();
const decode = (html: string) => html.replace(/<[^>]+>/g, " ").replace(/&#x27;/g, "'").replace(/\s+/g, " ").trim();

it("shows the agent the customer's marketing opt-out in the thread and warns in the template picker, until they opt back in", async () => {
  await actAs(world.actor.userId);
  const stoppedAt = new Date(Date.UTC(2026, 10, 20, 9, 30));
  await apply(itemFrom("field-user-preferences", (v) => v, stoppedAt));

  const page = rendered(await ConversationPage({ params: Promise.resolve({ slug, conversationId: world.conversation.id }), searchParams: Promise.resolve({}) }));
  expect(page).toContain(`"marketingOptOutSince":"${stoppedAt.toISOString()}"`);
  expect(decode(renderToStaticMarkup(createElement(MarketingOptOutNote, { since: stoppedAt.toISOString() })))).toBe(
    "Opted out of marketing messages on Nov 20, 2026: WhatsApp does not deliver marketing templates to them until they opt back in.",
  );

  const state = await composerState();
  expect(state.marketingOptOutSince).toBe(stoppedAt.toISOString());
  const picker = renderToStaticMarkup(
    createElement(
      QueryClientProvider,
      { client: new QueryClient() },
      createElement(TemplatePicker, { slug, conversationId: world.conversation.id, templates: state.templates, marketingOptOutSince: state.marketingOptOutSince }),
    ),
  );
  expect(decode(picker)).toContain("welcome_back (en_US) — customer opted out of marketing");
  expect(decode(picker)).not.toContain("order_update (es_MX) — customer opted out");

  await apply(itemFrom("field-user-preferences", (v) => ({ ...v, user_preferences: [{ ...(v.user_preferences as object[])[0], value: "resume" }] }), new Date(stoppedAt.getTime() + 60_000)));
  expect((await composerState()).marketingOptOutSince).toBeNull();
});

it("marks a reply typed in the WhatsApp Business app in the thread", async () => {
  await actAs(world.actor.userId);
  await apply(itemFrom("field-smb-message-echoes", (v) => v, new Date(Date.now() - 60_000)));
  const page = await ConversationPage({ params: Promise.resolve({ slug, conversationId: world.conversation.id }), searchParams: Promise.resolve({}) });
  const thread = JSON.parse(rendered(page).match(/"initialThread":(\{.*?"newerCursor":[^}]*\})/)![1]!) as { messages: Message[] };
  const echo = thread.messages.find((m) => m.fromBusinessApp)!;
  expect(echo).toMatchObject({ direction: "outbound", text: "Listo, tu pedido sale mañana 🚚", status: "sent", author: null });
  const bubble = decode(renderToStaticMarkup(createElement(MessageBubble, { slug, conversationId: world.conversation.id, message: echo, highlighted: false, onReply: () => {} })));
  expect(bubble).toMatch(/^Sent from the WhatsApp Business app: Listo, tu pedido sale mañana 🚚 Sent from the WhatsApp Business app · Reply/);
  const own = thread.messages.find((m) => m.direction === "inbound")!;
  expect(own.fromBusinessApp).toBe(false);
});

it("refuses a template Meta paused after the picker was loaded, in words, without calling Meta", async () => {
  await actAs(world.actor.userId);
  const before = (await composerState()).templates as { id: string; name: string; variables: { key: string }[] }[];
  const template = before.find((t) => t.name === "order_update")!;
  await apply(
    itemFrom(
      "field-template-status-update",
      (v) => ({ ...v, message_template_name: "order_update", message_template_language: "es_MX", message_template_id: 880000000000001 }),
      new Date(Date.now() + 1000),
    ),
  );
  expect(((await composerState()).templates as { name: string }[]).map((t) => t.name)).toEqual(["welcome_back"]);
  graph.reset();
  graph.queue("messages", reply.fixture("send-text-response-200"));
  const response = await sendTemplateRoute(
    new Request(`${env().APP_URL}/api/w/${slug}/conversations/${world.conversation.id}/template-messages`, {
      method: "POST",
      headers: { "content-type": "application/json", origin: new URL(env().APP_URL).origin },
      body: JSON.stringify({ messageId: randomUUID(), templateId: template.id, variables: { [template.variables[0]!.key]: "A-1" } }),
    }),
    params(),
  );
  expect(response.status).toBe(422);
  expect((await response.json()).error).toBe("WhatsApp no longer allows this template (paused) — pick another one.");
  expect(graph.calls("messages")).toHaveLength(0);
  const sent = await withTenant(world.tenantId, (tx) => tx.select().from(messages).where(eq(messages.type, "template")));
  expect(sent).toEqual([]);
});
