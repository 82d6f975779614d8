import { expect, it, vi } from "vitest";
import { withTenant } from "@/db/tenant";
import { mergeContacts } from "@/lib/contacts/merge";
import { createTestConversation, createTestMember, createTestNumber, createTestWorkspace } from "@/testing/db/factories";
import { expectNotFound, expectRedirect, rendered } from "@/testing/expect-next";
import { actAs } from "@/testing/next-request";
import ConversationPage from "./page";

vi.mock("next/headers", () => import("@/testing/next-request"));

it("leads a merged-away conversation's link to the conversation it was merged into, keeping the filters; another workspace's id is 404", async () => {
  const workspace = await createTestWorkspace("Alpha");
  const member = await createTestMember(workspace.id, "agent");
  const number = await createTestNumber(workspace.id, "110000000000001");
  const merged = await createTestConversation(workspace.id, { numberId: number.id, name: "Mira" });
  const survivor = await createTestConversation(workspace.id, { numberId: number.id, name: "Mira K" });
  await withTenant(workspace.id, (tx) =>
    mergeContacts({ tx, tenantId: workspace.id }, { survivorId: survivor.contact.id, mergedId: merged.contact.id }),
  );
  const { slug } = workspace;
  const open = (conversationId: string, searchParams: Record<string, string> = {}, inSlug = slug) =>
    ConversationPage({ params: Promise.resolve({ slug: inSlug, conversationId }), searchParams: Promise.resolve(searchParams) });

  await actAs(member.id);
  await expectRedirect(() => open(merged.conversation.id, { status: "resolved" }), `/w/${slug}/inbox/${survivor.conversation.id}?status=resolved`);
  expect(rendered(await open(survivor.conversation.id))).toContain("Mira K");

  const outsider = await createTestWorkspace("Bravo");
  const stranger = await createTestMember(outsider.id, "agent");
  const theirs = outsider.slug;
  await actAs(stranger.id);
  // In their own workspace, the other workspace's merged-away id leads nowhere.
  await expectNotFound(() => open(merged.conversation.id, {}, theirs));
});
