import { asc, eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { withPlatform } from "@/db/platform";
import { auditLog, businessNumbers, phoneNumberRoutes } from "@/db/schema";
import { createTestMember, createTestNumber, createTestWorkspace } from "@/testing/db/factories";
import { roles, type Role } from "@/lib/workspace/roles";
import type { Actor } from "@/lib/domain/context";
import { addNumber, checkNumber, removeNumber, updateNumber } from "./numbers";

/**
 * The number mutations by role, called directly (see roles.test.ts for the rest of
 * lib/workspace): below admin, a `forbidden` AppError and the number, its route and the audit log
 * exactly as before.
 */

let next = 0;
async function numberTeam() {
  const tenantId = (await createTestWorkspace("Number roles")).id;
  const phoneNumberId = `5600000${String(++next).padStart(8, "0")}`;
  const number = await createTestNumber(tenantId, phoneNumberId, "Support");
  const actor = async (role: Role): Promise<Actor> => ({ tenantId, userId: (await createTestMember(tenantId, role)).id, role });
  return { tenantId, phoneNumberId, number, actor };
}
type NumberTeam = Awaited<ReturnType<typeof numberTeam>>;

function snapshot(t: NumberTeam) {
  return withPlatform(async (tx) => ({
    numbers: await tx.select().from(businessNumbers).where(eq(businessNumbers.tenantId, t.tenantId)).orderBy(asc(businessNumbers.createdAt)),
    routes: await tx.select().from(phoneNumberRoutes).where(eq(phoneNumberRoutes.workspaceId, t.tenantId)).orderBy(asc(phoneNumberRoutes.phoneNumberId)),
    audit: await tx.select().from(auditLog).where(eq(auditLog.tenantId, t.tenantId)).orderBy(asc(auditLog.id)),
  }));
}

const mutations = [
  {
    name: "addNumber",
    run: (t: NumberTeam, actor: Actor) =>
      addNumber({ actor }, { phoneNumberId: `99956${t.phoneNumberId}`, label: "Sales", displayNumber: "+1 555 010 0098", wabaId: "104400000000056", accessToken: undefined }),
  },
  {
    name: "updateNumber",
    run: (t: NumberTeam, actor: Actor) =>
      updateNumber({ actor }, { id: t.number.id, label: "Renamed", displayNumber: "+1 555 010 0099", accessToken: undefined }),
  },
  { name: "removeNumber", run: (t: NumberTeam, actor: Actor) => removeNumber({ actor }, { id: t.number.id }) },
];

describe.each(mutations)("$name (admins and owners)", (mutation) => {
  it("is refused to an agent, and changes nothing", async () => {
    const t = await numberTeam();
    const agent = await t.actor("agent");
    const before = await snapshot(t);
    await expect(mutation.run(t, agent)).rejects.toMatchObject({ kind: "forbidden" });
    expect(await snapshot(t)).toEqual(before);
  });

  it.each(roles.filter((role) => role !== "agent"))("is allowed to an %s", async (role) => {
    const t = await numberTeam();
    const actor = await t.actor(role);
    const before = await snapshot(t);
    await mutation.run(t, actor);
    expect(await snapshot(t)).not.toEqual(before);
  });
});

describe("checkNumber (admins and owners)", () => {
  it("is refused to an agent, and asks Meta nothing", async () => {
    const t = await numberTeam();
    const before = await snapshot(t);
    await expect(checkNumber({ actor: await t.actor("agent") }, { id: t.number.id })).rejects.toMatchObject({ kind: "forbidden" });
    expect(await snapshot(t)).toEqual(before);
  });

  it.each(roles.filter((role) => role !== "agent"))("is allowed to an %s", async (role) => {
    const t = await numberTeam();
    await expect(checkNumber({ actor: await t.actor(role) }, { id: t.number.id })).resolves.toBe("sandbox");
  });
});
