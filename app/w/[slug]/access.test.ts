import { eq } from "drizzle-orm";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { withPlatform } from "@/db/platform";
import { auditLog, businessNumbers, invitations, memberships, phoneNumberRoutes, users, workspaces } from "@/db/schema";
import { withTenant } from "@/db/tenant";
import { createTestMember } from "@/testing/db/factories";
import { signUp } from "@/lib/workspace/signup";
import { env } from "@/lib/config/env";
import { fakeGraphPerFile } from "@/testing/fake-graph-per-file";
import { actAs } from "@/testing/next-request";
import { expectNotFound, expectRedirect, formData, rendered } from "@/testing/expect-next";
import { createInvitation } from "@/lib/workspace/invitations";
import { addNumber } from "@/lib/workspace/numbers";
import { GET as me } from "@/app/api/w/[slug]/me/route";
import { acceptAsNewUserAction, acceptInvitationAction } from "@/app/invite/[code]/actions";
import { signUpAction } from "@/app/sign-up/actions";
import { createWorkspaceAction } from "@/app/workspaces/new/actions";
import WorkspaceLayout from "./layout";
import WorkspaceHome from "./page";
import InboxPage from "./inbox/page";
import ConversationPage from "./inbox/[conversationId]/page";
import SettingsLayout from "./settings/layout";
import GeneralSettingsPage from "./settings/page";
import NumbersPage from "./settings/numbers/page";
import MembersPage from "./settings/members/page";
import AuditPage from "./settings/audit/page";
import { deleteWorkspaceAction, renameWorkspaceAction, transferOwnershipAction } from "./settings/actions";
import { addNumberAction, removeNumberAction, updateNumberAction } from "./settings/numbers/actions";
import { changeRoleAction, inviteMemberAction, removeMemberAction, revokeInvitationAction } from "./settings/members/actions";

vi.mock("next/headers", () => import("@/testing/next-request"));
vi.mock("next/cache", () => import("@/testing/next-cache"));

/**
 * The security contract of every workspace page, server action and API, called the way
 * Next calls them, as real signed-in users of two workspaces, A and B.
 */
const token = "EAAG-very-secret-access-token-B-0042";
const tokenA = "EAAG-very-secret-access-token-A-0017";

let a: { slug: string; id: string; ownerId: string; adminId: string; agentId: string };
let b: { slug: string; id: string; ownerId: string; agentId: string; numberId: string; invitationId: string };

// Connecting a number asks Meta, played by the fake Graph server, whether the token proves it.
const graph = fakeGraphPerFile({ viaEnv: true, resetAfterEach: false });

beforeAll(async () => {
  graph.grant({ token, wabaId: "104400000000002", phoneNumberIds: ["220000000000001"] });
  graph.grant({ token: tokenA, wabaId: "104400000000001", phoneNumberIds: ["110000000000001"] });
  const ownerA = await signUp({ name: "Ana", email: "ana@alpha.test", password: "alpha-password", workspaceName: "Alpha" }, { emailVerified: true });
  const ownerB = await signUp({ name: "Bo", email: "bo@bravo.test", password: "bravo-password", workspaceName: "Bravo" }, { emailVerified: true });
  a = {
    slug: ownerA.workspace.slug,
    id: ownerA.workspace.id,
    ownerId: ownerA.user.id,
    adminId: (await createTestMember(ownerA.workspace.id, "admin")).id,
    agentId: (await createTestMember(ownerA.workspace.id, "agent")).id,
  };
  const bActor = { tenantId: ownerB.workspace.id, userId: ownerB.user.id, role: "owner" as const };
  const number = await addNumber({ actor: bActor }, { phoneNumberId: "220000000000001", label: "B line", displayNumber: "+44 7700 900001", wabaId: "104400000000002", accessToken: token });
  const invitation = await withTenant(bActor.tenantId, (tx) => createInvitation({ tx, actor: bActor }, { email: "someone@bravo.test", role: "agent" }));
  b = {
    slug: ownerB.workspace.slug,
    id: ownerB.workspace.id,
    ownerId: ownerB.user.id,
    agentId: (await createTestMember(ownerB.workspace.id, "agent")).id,
    numberId: number.id,
    invitationId: invitation.id,
  };
  await addNumber({ actor: { tenantId: a.id, userId: a.ownerId, role: "owner" } }, { phoneNumberId: "110000000000001", label: "A line", displayNumber: "+1 555 010 0001", wabaId: "104400000000001", accessToken: tokenA });
});

const params = (slug: string) => ({ params: Promise.resolve({ slug }) });
const page = (slug: string) => ({ ...params(slug), searchParams: Promise.resolve({}) });
const layout = (slug: string) => ({ ...params(slug), children: null });
const idle = {};

/** Everything of workspace B that an attack could change. */
async function snapshotOf(id: string) {
  return withPlatform(async (tx) => ({
    workspace: await tx.select().from(workspaces).where(eq(workspaces.id, id)),
    routes: await tx.select().from(phoneNumberRoutes).where(eq(phoneNumberRoutes.workspaceId, id)),
    numbers: await tx.select().from(businessNumbers).where(eq(businessNumbers.tenantId, id)),
    members: await tx.select().from(memberships).where(eq(memberships.tenantId, id)),
    invitations: await tx.select().from(invitations).where(eq(invitations.tenantId, id)),
    audit: await tx.select().from(auditLog).where(eq(auditLog.tenantId, id)),
  }));
}

const pages = {
  "workspace layout": (slug: string) => WorkspaceLayout(layout(slug)),
  "workspace home": (slug: string) => WorkspaceHome(params(slug)),
  inbox: (slug: string) => InboxPage(page(slug)),
  "settings layout": (slug: string) => SettingsLayout(layout(slug)),
  "general settings": (slug: string) => GeneralSettingsPage(params(slug)),
  numbers: (slug: string) => NumbersPage(params(slug)),
  members: (slug: string) => MembersPage(params(slug)),
  audit: (slug: string) => AuditPage(page(slug)),
};
const adminPages = ["settings layout", "general settings", "numbers", "members", "audit"] as const;

/** Every mutation, aimed at workspace B's records. */
function actionsAgainst(slug: string, target: typeof b) {
  const numberFields = { label: "Pwned", displayNumber: "+1 555 000 0000", wabaId: "123456", accessToken: "" };
  return {
    addNumber: () => addNumberAction(slug, idle, formData({ ...numberFields, phoneNumberId: "990000000000009" })),
    updateNumber: () => updateNumberAction(slug, idle, formData({ ...numberFields, id: target.numberId })),
    removeNumber: () => removeNumberAction(slug, idle, formData({ id: target.numberId })),
    invite: () => inviteMemberAction(slug, idle, formData({ email: "mallory@evil.test", role: "admin" })),
    revokeInvitation: () => revokeInvitationAction(slug, idle, formData({ id: target.invitationId })),
    changeRole: () => changeRoleAction(slug, idle, formData({ userId: target.agentId, role: "owner" })),
    removeMember: () => removeMemberAction(slug, idle, formData({ userId: target.agentId })),
    rename: () => renameWorkspaceAction(slug, idle, formData({ name: "Pwned" })),
    transferOwnership: () => transferOwnershipAction(slug, idle, formData({ userId: target.agentId })),
    deleteWorkspace: () => deleteWorkspaceAction(slug, idle, formData({ confirmName: "Bravo" })),
  };
}

const apiMe = (slug: string) => me(new Request(`${env().APP_URL}/api/w/${slug}/me`), params(slug));

describe("a member of A, signed in, reaching for B", () => {
  it("gets 404 from every page of B, for every role A gives them", async () => {
    for (const userId of [a.ownerId, a.adminId, a.agentId]) {
      await actAs(userId);
      for (const [name, load] of Object.entries(pages)) {
        await expectNotFound(() => load(b.slug)).catch((e) => {
          throw new Error(`${name}: ${e}`);
        });
      }
    }
  });

  it("gets 404 from every server action with B's slug or with B's record ids under A's slug, and B is unchanged", async () => {
    const before = await snapshotOf(b.id);
    await actAs(a.ownerId);
    for (const slug of [b.slug, a.slug]) {
      for (const [name, act] of Object.entries(actionsAgainst(slug, b))) {
        if (slug === a.slug && ["addNumber", "invite", "rename", "deleteWorkspace"].includes(name)) continue;
        await expectNotFound(act).catch((e) => {
          throw new Error(`${name} via ${slug}: ${e}`);
        });
      }
    }
    expect(await snapshotOf(b.id)).toEqual(before);
  });

  it("gets 404 from B's API and 401 when signed out", async () => {
    await actAs(a.ownerId);
    const response = await apiMe(b.slug);
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ error: "Not found." });
    await actAs(null);
    expect((await apiMe(a.slug)).status).toBe(401);
  });

  it("sees the same 404 for B as for a workspace that does not exist", async () => {
    await actAs(a.ownerId);
    await expectNotFound(() => InboxPage(page("no-such-workspace")));
    await expectNotFound(() => InboxPage(page("../../etc")));
    expect((await apiMe("no-such-workspace")).status).toBe(404);
  });
});

describe("roles, enforced on the server", () => {
  it("refuses an agent every admin page and admin action, called directly", async () => {
    await actAs(a.agentId);
    expect(rendered(await InboxPage(page(a.slug)))).toContain("Pick a conversation");
    for (const name of adminPages) await expectNotFound(() => pages[name](a.slug));
    const before = await snapshotOf(a.id);
    const own = { ...b, numberId: before.numbers[0]!.id, agentId: a.adminId, invitationId: b.invitationId };
    for (const [name, act] of Object.entries(actionsAgainst(a.slug, own))) {
      await expectNotFound(act).catch((e) => {
        throw new Error(`${name}: ${e}`);
      });
    }
    expect(await snapshotOf(a.id)).toEqual(before);
  });

  it("refuses an admin the owner-only actions", async () => {
    await actAs(a.adminId);
    const before = await snapshotOf(a.id);
    await expectNotFound(() => deleteWorkspaceAction(a.slug, idle, formData({ confirmName: "Alpha" })));
    await expectNotFound(() => transferOwnershipAction(a.slug, idle, formData({ userId: a.adminId })));
    await expectNotFound(() => changeRoleAction(a.slug, idle, formData({ userId: a.agentId, role: "owner" })));
    await expectNotFound(() => removeMemberAction(a.slug, idle, formData({ userId: a.ownerId })));
    expect(await snapshotOf(a.id)).toEqual(before);
  });

  it("sends a signed-out visitor to sign in", async () => {
    await actAs(null);
    await expectRedirect(() => InboxPage(page(a.slug)), `/sign-in?callbackUrl=${encodeURIComponent(`/w/${a.slug}`)}`);
    await expectRedirect(() => addNumberAction(a.slug, idle, formData({})));
  });

  it("brings a signed-out visitor back to the very conversation they opened, after signing in", async () => {
    const deepLink = `/w/${a.slug}/inbox/5b1a0d1e-6c2f-4d43-9a5e-0f4b7b0c1d2e?status=resolved`;
    await actAs(null, { path: deepLink });
    const conversation = { params: Promise.resolve({ slug: a.slug, conversationId: "5b1a0d1e-6c2f-4d43-9a5e-0f4b7b0c1d2e" }), searchParams: Promise.resolve({ status: "resolved" }) };
    await expectRedirect(() => ConversationPage(conversation), `/sign-in?callbackUrl=${encodeURIComponent(deepLink)}`);
  });
});

describe("changes take effect on the next request", () => {
  it("a removed member loses the inbox and the API at once", async () => {
    const member = await createTestMember(a.id, "agent");
    await actAs(member.id);
    await InboxPage(page(a.slug));
    expect((await apiMe(a.slug)).status).toBe(200);

    await actAs(a.ownerId);
    expect(await removeMemberAction(a.slug, idle, formData({ userId: member.id }))).toMatchObject({ ok: true });

    await actAs(member.id);
    await expectNotFound(() => InboxPage(page(a.slug)));
    await expectNotFound(() => WorkspaceLayout(layout(a.slug)));
    expect((await apiMe(a.slug)).status).toBe(404);
  });

  it("a demoted admin loses the admin pages and actions at once", async () => {
    const member = await createTestMember(a.id, "admin");
    await actAs(member.id);
    await NumbersPage(params(a.slug));
    expect(await (await apiMe(a.slug)).json()).toMatchObject({ role: "admin" });

    await actAs(a.ownerId);
    expect(await changeRoleAction(a.slug, idle, formData({ userId: member.id, role: "agent" }))).toMatchObject({ ok: true });

    await actAs(member.id);
    for (const name of adminPages) await expectNotFound(() => pages[name](a.slug));
    await expectNotFound(() => inviteMemberAction(a.slug, idle, formData({ email: "x@alpha.test", role: "agent" })));
    expect(await (await apiMe(a.slug)).json()).toMatchObject({ role: "agent" });
  });

  it("a deleted account's session is worth nothing", async () => {
    const member = await createTestMember(a.id, "agent");
    await withPlatform((tx) => tx.delete(users).where(eq(users.id, member.id)));
    await actAs(member.id);
    await expectRedirect(() => InboxPage(page(a.slug)));
  });
});

describe("cross-site requests", () => {
  it("refuses every server action another site sends, before it changes anything", async () => {
    const before = await snapshotOf(a.id);
    await actAs(a.ownerId, { origin: "https://evil.example" });
    const own = { ...b, numberId: before.numbers[0]!.id, agentId: a.agentId };
    for (const [name, act] of Object.entries(actionsAgainst(a.slug, own))) {
      await expect(act(), name).rejects.toThrow("This request came from another site and was refused.");
    }
    expect(await snapshotOf(a.id)).toEqual(before);
  });

  it("refuses sign-up, new workspaces and invitation acceptance sent by another site", async () => {
    const invited = await withTenant(a.id, (tx) =>
      createInvitation({ tx, actor: { tenantId: a.id, userId: a.ownerId, role: "owner" } }, { email: "csrf@alpha.test", role: "admin" }),
    );
    const code = new URL(invited.link).pathname.split("/")[2]!;
    const countWorkspaces = async () => (await withPlatform((tx) => tx.select().from(workspaces))).length;
    const before = await countWorkspaces();
    await actAs(null, { origin: "https://evil.example" });
    const refusal = "This request came from another site and was refused.";
    await expect(signUpAction(idle, formData({ name: "E", email: "e@evil.test", password: "evil-password", workspaceName: "Evil" }))).rejects.toThrow(refusal);
    await expect(acceptAsNewUserAction(code, idle, formData({ name: "E", password: "evil-password" }))).rejects.toThrow(refusal);
    await actAs(a.agentId, { origin: "https://evil.example" });
    await expect(createWorkspaceAction(idle, formData({ name: "Evil" }))).rejects.toThrow(refusal);
    await expect(acceptInvitationAction(code)).rejects.toThrow(refusal);
    expect(await countWorkspaces()).toBe(before);
    expect(await withPlatform((tx) => tx.select().from(users).where(eq(users.email, "e@evil.test")))).toEqual([]);
  });
});

describe("what the app sends", () => {
  it("never includes an access token, its ciphertext, a password hash or a server secret", async () => {
    const [storedA] = await withTenant(a.id, (tx) => tx.select().from(businessNumbers));
    const [hash] = await withPlatform((tx) => tx.select({ h: users.passwordHash }).from(users).where(eq(users.id, a.ownerId)));
    const { AUTH_SECRET, ENCRYPTION_KEY, WHATSAPP_APP_SECRET } = env();
    const forbidden = [tokenA, token, storedA!.accessTokenEncrypted!, hash!.h, "$argon2id$", AUTH_SECRET, ENCRYPTION_KEY, WHATSAPP_APP_SECRET];

    await actAs(a.ownerId);
    // The workspace home only redirects (it renders nothing); every other page must render.
    const { "workspace home": home, ...rendering } = pages;
    await expectRedirect(() => home(a.slug), `/w/${a.slug}/inbox`);
    const outputs = [
      ...(await Promise.all(Object.values(rendering).map(async (load) => rendered(await load(a.slug))))),
      await (await apiMe(a.slug)).text(),
    ];
    for (const output of outputs) expect(output.length).toBeGreaterThan(100);
    expect(outputs.join("")).toContain("0017");
    for (const output of outputs) for (const secret of forbidden) expect(output).not.toContain(secret);
  });

  it("shows no workspace the platform's webhook secrets, admins included", async () => {
    const { WHATSAPP_VERIFY_TOKEN, WHATSAPP_APP_SECRET } = env();
    await actAs(a.adminId);
    const numbersPage = rendered(await NumbersPage(params(a.slug)));
    expect(numbersPage).not.toContain(WHATSAPP_VERIFY_TOKEN);
    expect(numbersPage).not.toContain(WHATSAPP_APP_SECRET);
    expect(numbersPage).not.toContain("/api/webhooks/whatsapp");
    await actAs(a.agentId);
    expect(rendered(await InboxPage(page(a.slug)))).not.toContain(WHATSAPP_VERIFY_TOKEN);
    await expectNotFound(() => NumbersPage(params(a.slug)));
  });
});
