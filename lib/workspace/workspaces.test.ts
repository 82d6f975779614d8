import { eq } from "drizzle-orm";
import { expect, it } from "vitest";
import { tenantForPhoneNumber, withPlatform, workspacesOfUser } from "@/db/platform";
import { workspaces } from "@/db/schema";
import { withTenant } from "@/db/tenant";
import { ownerCtx } from "@/testing/db/factories";
import { signUp } from "@/lib/workspace/signup";
import type { Actor } from "@/lib/domain/context";
import { listAudit } from "./audit";
import { addNumber } from "./numbers";
import { deleteWorkspace, renameWorkspace, slugify } from "./workspaces";

let n = 0;
async function ownedWorkspace(name: string) {
  const { user, workspace } = await signUp({ name: "Owner", email: `owner${++n}@ws.test`, password: "owner-password", workspaceName: name }, { emailVerified: true });
  const owner: Actor = { tenantId: workspace.id, userId: user.id, role: "owner" };
  return { owner, workspace };
}

it("makes readable slugs from any name", () => {
  expect(slugify("Café Olé & Sons, Ltd.")).toBe("cafe-ole-sons-ltd");
  expect(slugify("   ")).toBe("workspace");
  expect(slugify("日本")).toBe("workspace");
});

it("renames the workspace, keeps its slug, and records the old and new names", async () => {
  const { owner, workspace } = await ownedWorkspace("Old Name");
  await withPlatform((tx) => renameWorkspace({ tx, actor: { ...owner, role: "admin" } }, { name: "New Name" }));
  const [row] = await withPlatform((tx) => tx.select().from(workspaces).where(eq(workspaces.id, workspace.id)));
  expect(row).toMatchObject({ name: "New Name", slug: workspace.slug });
  const [entry] = await withTenant(workspace.id, (tx) => listAudit(ownerCtx(tx, workspace.id)));
  expect(entry).toMatchObject({ action: "workspace.renamed", target: "New Name", details: { from: "Old Name", to: "New Name" } });
  await expect(withPlatform((tx) => renameWorkspace({ tx, actor: { ...owner, role: "agent" } }, { name: "Agent Name" }))).rejects.toMatchObject({ kind: "forbidden" });
});

it("deletes a workspace only for an owner who types its name, and frees its numbers", async () => {
  const { owner, workspace } = await ownedWorkspace("Doomed");
  await addNumber({ actor: owner }, { phoneNumberId: "999000000000005", label: "L", displayNumber: "+1 555 000 0005", wabaId: "10440000", accessToken: undefined });
  await expect(withPlatform((tx) => deleteWorkspace({ tx, actor: { ...owner, role: "admin" } }, { confirmName: "Doomed" }))).rejects.toMatchObject({ kind: "forbidden" });
  await expect(withPlatform((tx) => deleteWorkspace({ tx, actor: owner }, { confirmName: "doomed" }))).rejects.toMatchObject({ kind: "rejected" });
  expect(await withPlatform((tx) => tenantForPhoneNumber(tx, "999000000000005"))).toBe(workspace.id);

  await withPlatform((tx) => deleteWorkspace({ tx, actor: owner }, { confirmName: "Doomed" }));
  expect(await withPlatform((tx) => workspacesOfUser(tx, owner.userId))).toEqual([]);
  expect(await withPlatform((tx) => tenantForPhoneNumber(tx, "999000000000005"))).toBeNull();
});
