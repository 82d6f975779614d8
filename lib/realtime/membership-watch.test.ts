import { eq } from "drizzle-orm";
import { expect, it } from "vitest";
import { currentMemberships, withPlatform } from "@/db/platform";
import { memberships, workspaces } from "@/db/schema";
import { withTenant } from "@/db/tenant";
import { createTestMember, createTestWorkspace } from "@/testing/db/factories";
import { MembershipWatch } from "./membership-watch";

/** Checks run when the test says (`check()`), never on a clock. */
const manualWatch = (stillMembers = currentMemberships) => new MembershipWatch({ stillMembers, intervalMs: 3_600_000 });

it("tells the streams of a removed member, and of a deleted workspace, and nobody else", async () => {
  const alpha = await createTestWorkspace("Alpha");
  const bravo = await createTestWorkspace("Bravo");
  const leaving = await createTestMember(alpha.id, "admin");
  const demoted = await createTestMember(alpha.id, "admin");
  const inBravo = await createTestMember(bravo.id, "agent");
  const watch = manualWatch();
  const gone: string[] = [];
  watch.watch({ tenantId: alpha.id, userId: leaving.id }, () => gone.push("leaving, first tab"));
  watch.watch({ tenantId: alpha.id, userId: leaving.id }, () => gone.push("leaving, second tab"));
  watch.watch({ tenantId: alpha.id, userId: demoted.id }, () => gone.push("demoted"));
  watch.watch({ tenantId: bravo.id, userId: inBravo.id }, () => gone.push("bravo"));
  // The same user in a workspace they never joined: gone at the first check.
  watch.watch({ tenantId: bravo.id, userId: demoted.id }, () => gone.push("demoted, in bravo"));

  await watch.check();
  expect(gone).toEqual(["demoted, in bravo"]);

  await withTenant(alpha.id, async (tx) => {
    await tx.delete(memberships).where(eq(memberships.userId, leaving.id));
    await tx.update(memberships).set({ role: "agent" }).where(eq(memberships.userId, demoted.id));
  });
  await watch.check();
  expect(gone).toEqual(["demoted, in bravo", "leaving, first tab", "leaving, second tab"]);

  await withPlatform((tx) => tx.delete(workspaces).where(eq(workspaces.id, bravo.id)));
  await watch.check();
  await watch.check();
  expect(gone).toEqual(["demoted, in bravo", "leaving, first tab", "leaving, second tab", "bravo"]);
  expect(watch.watchedCount).toBe(1);
});

it("forgets a stream that stopped watching, and closes nothing when the check fails", async () => {
  const alpha = await createTestWorkspace("Alpha");
  const member = await createTestMember(alpha.id, "agent");
  let failing = false;
  const watch = manualWatch(async (pairs) => {
    if (failing) throw new Error("connection refused");
    return currentMemberships(pairs);
  });
  const gone: string[] = [];
  const stop = watch.watch({ tenantId: alpha.id, userId: member.id }, () => gone.push("stopped"));
  watch.watch({ tenantId: alpha.id, userId: member.id }, () => gone.push("open"));
  stop();
  await withTenant(alpha.id, (tx) => tx.delete(memberships).where(eq(memberships.userId, member.id)));
  failing = true;
  await watch.check();
  expect(gone).toEqual([]);
  failing = false;
  await watch.check();
  expect(gone).toEqual(["open"]);
  expect(watch.watchedCount).toBe(0);
});
