import { eq } from "drizzle-orm";
import { expect, it } from "vitest";
import { withPlatform, workspacesOfUser } from "@/db/platform";
import { users, workspaces } from "@/db/schema";
import { signUp } from "./signup";

it("creates the user, the workspace and the owner membership, with an argon2id hash", async () => {
  const { user, workspace } = await signUp({ name: "Ana", email: "ana@acme.test", password: "s3cret-password", workspaceName: "Acme Café" });
  expect(workspace.slug).toBe("acme-cafe");
  const mine = await withPlatform((tx) => workspacesOfUser(tx, user.id));
  expect(mine).toEqual([{ id: workspace.id, name: "Acme Café", slug: "acme-cafe", role: "owner" }]);
  const [stored] = await withPlatform((tx) => tx.select().from(users).where(eq(users.id, user.id)));
  expect(stored!.passwordHash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
  expect(stored!.passwordHash).not.toContain("s3cret-password");
});

it("gives a second workspace with the same name its own slug", async () => {
  const a = await signUp({ name: "A", email: "a@same.test", password: "password-1", workspaceName: "Same Name" });
  const b = await signUp({ name: "B", email: "b@same.test", password: "password-2", workspaceName: "Same Name" });
  expect(a.workspace.slug).toBe("same-name");
  expect(b.workspace.slug).toMatch(/^same-name-[0-9a-f]{6}$/);
});

it("refuses a taken email and leaves no half-made workspace behind", async () => {
  await signUp({ name: "C", email: "c@taken.test", password: "password-1", workspaceName: "First" });
  const error = await signUp({ name: "C2", email: "c@taken.test", password: "password-2", workspaceName: "Second Try" }).catch((e) => e);
  expect(error).toMatchObject({ kind: "rejected" });
  expect(error).toMatchObject({ field: "email" });
  const leftover = await withPlatform((tx) => tx.select().from(workspaces).where(eq(workspaces.name, "Second Try")));
  expect(leftover).toEqual([]);
});
