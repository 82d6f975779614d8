import { beforeEach, expect, it } from "vitest";
import { withPlatform, workspacesOfUser } from "@/db/platform";
import { withTenant } from "@/db/tenant";
import { createTestMember, createTestWorkspace, ownerCtx } from "@/testing/db/factories";
import type { Actor } from "@/lib/domain/context";
import { listAudit } from "./audit";
import { changeRole, lastOwnerMessage, listMembers, removeMember, transferOwnership } from "./members";

let tenantId: string;
let owner: Actor;
let admin: Actor;
let agent: Actor;

beforeEach(async () => {
  tenantId = (await createTestWorkspace("Team")).id;
  const as = async (role: Actor["role"]): Promise<Actor> => ({ tenantId, userId: (await createTestMember(tenantId, role)).id, role });
  owner = await as("owner");
  admin = await as("admin");
  agent = await as("agent");
});

const roleOf = async (userId: string) => (await withTenant(tenantId, (tx) => listMembers(ownerCtx(tx, tenantId)))).find((m) => m.userId === userId)?.role;
const inTenant = <T>(work: Parameters<typeof withTenant<T>>[1]) => withTenant(tenantId, work);

it("lets an admin promote an agent and demote them again, and records both", async () => {
  await inTenant((tx) => changeRole({ tx, actor: admin }, { userId: agent.userId, role: "admin" }));
  expect(await roleOf(agent.userId)).toBe("admin");
  await inTenant((tx) => changeRole({ tx, actor: admin }, { userId: agent.userId, role: "agent" }));
  expect(await roleOf(agent.userId)).toBe("agent");
  const audit = await inTenant((tx) => listAudit(ownerCtx(tx, tenantId)));
  expect(audit.filter((e) => e.action === "member.role_changed").map((e) => e.details)).toEqual([
    { from: "admin", to: "agent" },
    { from: "agent", to: "admin" },
  ]);
});

it("keeps the owner role for owners to give or take", async () => {
  await expect(inTenant((tx) => changeRole({ tx, actor: admin }, { userId: agent.userId, role: "owner" }))).rejects.toMatchObject({ kind: "forbidden" });
  await expect(inTenant((tx) => changeRole({ tx, actor: admin }, { userId: owner.userId, role: "agent" }))).rejects.toMatchObject({ kind: "forbidden" });
  await expect(inTenant((tx) => removeMember({ tx, actor: admin }, { userId: owner.userId }))).rejects.toMatchObject({ kind: "forbidden" });
  expect(await roleOf(owner.userId)).toBe("owner");
});

it("never leaves a workspace without an owner", async () => {
  const demote = inTenant((tx) => changeRole({ tx, actor: owner }, { userId: owner.userId, role: "admin" }));
  await expect(demote).rejects.toThrow(lastOwnerMessage);
  await expect(inTenant((tx) => removeMember({ tx, actor: owner }, { userId: owner.userId }))).rejects.toMatchObject({ kind: "rejected" });
  expect(await roleOf(owner.userId)).toBe("owner");

  await inTenant((tx) => changeRole({ tx, actor: owner }, { userId: admin.userId, role: "owner" }));
  await inTenant((tx) => changeRole({ tx, actor: owner }, { userId: owner.userId, role: "admin" }));
  expect(await roleOf(owner.userId)).toBe("admin");
});

it("lets two owners demote each other at once without both succeeding", async () => {
  await inTenant((tx) => changeRole({ tx, actor: owner }, { userId: admin.userId, role: "owner" }));
  const secondOwner: Actor = { ...admin, role: "owner" };
  const results = await Promise.allSettled([
    inTenant((tx) => changeRole({ tx, actor: owner }, { userId: secondOwner.userId, role: "agent" })),
    inTenant((tx) => changeRole({ tx, actor: secondOwner }, { userId: owner.userId, role: "agent" })),
  ]);
  expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
  const members = await inTenant((tx) => listMembers(ownerCtx(tx, tenantId)));
  expect(members.filter((m) => m.role === "owner")).toHaveLength(1);
});

it("removes a member, who then has no workspace", async () => {
  await inTenant((tx) => removeMember({ tx, actor: admin }, { userId: agent.userId }));
  expect(await withPlatform((tx) => workspacesOfUser(tx, agent.userId))).toEqual([]);
  await expect(inTenant((tx) => removeMember({ tx, actor: admin }, { userId: agent.userId }))).rejects.toMatchObject({ kind: "not_found" });
});

it("refuses agents every member change", async () => {
  await expect(inTenant((tx) => changeRole({ tx, actor: agent }, { userId: admin.userId, role: "agent" }))).rejects.toMatchObject({ kind: "forbidden" });
  await expect(inTenant((tx) => removeMember({ tx, actor: agent }, { userId: admin.userId }))).rejects.toMatchObject({ kind: "forbidden" });
  expect(await roleOf(admin.userId)).toBe("admin");
});

it("transfers ownership: the new owner in, the old owner down to admin; owners only", async () => {
  await expect(inTenant((tx) => transferOwnership({ tx, actor: admin }, { userId: agent.userId }))).rejects.toMatchObject({ kind: "forbidden" });
  await inTenant((tx) => transferOwnership({ tx, actor: owner }, { userId: agent.userId }));
  expect(await roleOf(agent.userId)).toBe("owner");
  expect(await roleOf(owner.userId)).toBe("admin");
  const [entry] = await inTenant((tx) => listAudit(ownerCtx(tx, tenantId)));
  expect(entry).toMatchObject({ action: "ownership.transferred", description: "transferred ownership" });
});

it("cannot touch a member of another workspace", async () => {
  const other = await createTestWorkspace("Other");
  const stranger = await createTestMember(other.id, "agent");
  await expect(inTenant((tx) => removeMember({ tx, actor: owner }, { userId: stranger.id }))).rejects.toMatchObject({ kind: "not_found" });
  await expect(inTenant((tx) => changeRole({ tx, actor: owner }, { userId: stranger.id, role: "admin" }))).rejects.toMatchObject({ kind: "not_found" });
  await expect(inTenant((tx) => transferOwnership({ tx, actor: owner }, { userId: stranger.id }))).rejects.toMatchObject({ kind: "not_found" });
  expect(await withPlatform((tx) => workspacesOfUser(tx, stranger.id))).toMatchObject([{ id: other.id, role: "agent" }]);
});
