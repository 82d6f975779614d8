import { afterEach, expect, it, vi } from "vitest";
import { createTestMember } from "@/testing/db/factories";
import { signUp } from "@/lib/workspace/signup";
import { env } from "@/lib/config/env";
import { commitBarrier, streamReader } from "@/testing/realtime";
import { expectRedirect, formData } from "@/testing/expect-next";
import { actAs } from "@/testing/next-request";
import { deleteWorkspaceAction } from "@/app/w/[slug]/settings/actions";
import { changeRoleAction, removeMemberAction } from "@/app/w/[slug]/settings/members/actions";
import { GET as eventsRoute } from "./route";

vi.mock("next/headers", () => import("@/testing/next-request"));
vi.mock("next/cache", () => import("@/testing/next-cache"));

/**
 * The live stream follows membership: a member removed (or whose workspace is deleted)
 * while their stream is open stops hearing the workspace within seconds, even when nothing
 * happens in it. The check runs every few seconds; these tests wait for the stream to end,
 * never for a time.
 */
const aborts: AbortController[] = [];
afterEach(() => aborts.splice(0).forEach((abort) => abort.abort()));

async function openStream(userId: string, slug: string) {
  await actAs(userId);
  const abort = new AbortController();
  aborts.push(abort);
  const response = await eventsRoute(new Request(`${env().APP_URL}/api/w/${slug}/events`, { signal: abort.signal }), { params: Promise.resolve({ slug }) });
  expect(response.status).toBe(200);
  const stream = streamReader(response);
  await stream.until("event: resync");
  return stream;
}

/** Resolves with everything the stream sent once the server has ended it. */
async function ended(stream: ReturnType<typeof streamReader>): Promise<string> {
  for (;;) {
    try {
      await stream.until("\u0000never sent\u0000");
    } catch {
      return stream.text;
    }
  }
}

async function workspaceWithOwner(name: string) {
  const owner = await signUp({ name: `${name} Owner`, email: `${name.toLowerCase()}-owner@events.test`, password: `${name}-password-1`, workspaceName: name });
  return { slug: owner.workspace.slug, tenantId: owner.workspace.id, ownerId: owner.user.id };
}

it("ends a removed member's open stream in an idle workspace, and keeps a demoted member's", { timeout: 60_000 }, async () => {
  const w = await workspaceWithOwner("Quiet");
  const leaving = await createTestMember(w.tenantId, "agent");
  const demoted = await createTestMember(w.tenantId, "admin");
  const leavingStream = await openStream(leaving.id, w.slug);
  const demotedStream = await openStream(demoted.id, w.slug);

  await actAs(w.ownerId);
  expect(await changeRoleAction(w.slug, {}, formData({ userId: demoted.id, role: "agent" }))).toMatchObject({ ok: true });
  expect(await removeMemberAction(w.slug, {}, formData({ userId: leaving.id }))).toMatchObject({ ok: true });

  const heard = await ended(leavingStream);
  expect(heard).not.toContain("event: conversation.updated");
  // The check that ended the removed member's stream saw the demotion too; the agent still hears events.
  const barrier = await commitBarrier(w.tenantId);
  await demotedStream.until(barrier);

  // Reconnecting is refused: membership is checked on connect as before.
  await actAs(leaving.id);
  const again = await eventsRoute(new Request(`${env().APP_URL}/api/w/${w.slug}/events`), { params: Promise.resolve({ slug: w.slug }) });
  expect(again.status).toBe(404);
});

it("ends every open stream of a workspace that is deleted", { timeout: 60_000 }, async () => {
  const w = await workspaceWithOwner("Doomed");
  const agent = await createTestMember(w.tenantId, "agent");
  const ownerStream = await openStream(w.ownerId, w.slug);
  const agentStream = await openStream(agent.id, w.slug);
  await actAs(w.ownerId);
  await expectRedirect(() => deleteWorkspaceAction(w.slug, {}, formData({ confirmName: "Doomed" })), "/");
  await Promise.all([ended(ownerStream), ended(agentStream)]);
});
