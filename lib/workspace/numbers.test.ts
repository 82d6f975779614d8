import { eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { tenantForPhoneNumber, withPlatform } from "@/db/platform";
import { auditLog, businessNumbers, contacts, conversations } from "@/db/schema";
import { withTenant } from "@/db/tenant";
import { createTestMember, createTestWorkspace } from "@/db/testing/factories";
import { decryptSecret } from "@/lib/crypto/secret-box";
import { deliver, workspaceData } from "@/lib/webhook/testing";
import { fixtureBytes } from "@/lib/whatsapp/fixtures";
import { ForbiddenError, NotFoundError, RuleError, type Actor } from "./access";
import { addNumber, addNumberSchema, listNumbers, numberTakenMessage, removeNumber, updateNumber } from "./numbers";

let a: Actor;
let b: Actor;
let agent: Actor;
const token = "EAAG-secret-token-for-tests-4821";
const input = (phoneNumberId: string, accessToken: string | undefined = token) => ({
  phoneNumberId,
  label: "Support",
  displayNumber: "+1 555 010 0001",
  wabaId: "104400000000001",
  accessToken,
});

beforeAll(async () => {
  const wa = await createTestWorkspace("Alpha");
  const wb = await createTestWorkspace("Bravo");
  a = { tenantId: wa.id, userId: (await createTestMember(wa.id, "admin")).id, role: "admin" };
  b = { tenantId: wb.id, userId: (await createTestMember(wb.id, "owner")).id, role: "owner" };
  agent = { tenantId: wa.id, userId: (await createTestMember(wa.id, "agent")).id, role: "agent" };
});

const stored = (tenantId: string, id: string) =>
  withTenant(tenantId, async (tx) => (await tx.select().from(businessNumbers).where(eq(businessNumbers.id, id)))[0]!);

describe("adding a number", () => {
  it("routes the number to the workspace and stores the token encrypted, bound to the row, showing only its last 4", async () => {
    const number = await addNumber(a, input("110000000000001"));
    expect(number).toMatchObject({ phoneNumberId: "110000000000001", label: "Support", accessTokenLast4: "4821", removedAt: null });
    expect(JSON.stringify(number)).not.toContain(token);
    expect(await withPlatform((tx) => tenantForPhoneNumber(tx, "110000000000001"))).toBe(a.tenantId);
    const row = await stored(a.tenantId, number.id);
    expect(row.accessTokenEncrypted).not.toContain(token);
    expect(decryptSecret(row.accessTokenEncrypted!, number.id)).toBe(token);
    expect(() => decryptSecret(row.accessTokenEncrypted!, "another-row")).toThrow();
  });

  it("refuses a number another workspace owns without naming it, and changes nothing", async () => {
    await addNumber(b, input("220000000000001"));
    const error = await addNumber(a, input("220000000000001")).catch((e) => e);
    expect(error).toBeInstanceOf(RuleError);
    expect(error).toMatchObject({ field: "phoneNumberId", message: numberTakenMessage });
    expect(error.message).not.toContain("Bravo");
    expect(await withPlatform((tx) => tenantForPhoneNumber(tx, "220000000000001"))).toBe(b.tenantId);
    const mine = await withTenant(a.tenantId, (tx) => listNumbers(tx));
    expect(mine.map((n) => n.phoneNumberId)).not.toContain("220000000000001");
  });

  it("says so when the number is already in this workspace", async () => {
    const error = await addNumber(a, input("110000000000001")).catch((e) => e);
    expect(error).toMatchObject({ message: "This number is already connected to this workspace." });
  });

  it("lets two workspaces race for one number and exactly one win", async () => {
    const results = await Promise.allSettled([addNumber(a, input("330000000000003")), addNumber(b, input("330000000000003"))]);
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    const rejected = results.find((r) => r.status === "rejected") as PromiseRejectedResult;
    expect(rejected.reason).toBeInstanceOf(RuleError);
  });

  it("brings in the messages Meta sent to the number before anyone owned it", async () => {
    expect((await deliver(fixtureBytes("whatsapp", "unknown-number"))).status).toBe(200);
    expect((await workspaceData(a.tenantId)).messages).toHaveLength(0);

    await addNumber(a, input("990000000000009"));

    expect((await workspaceData(a.tenantId)).messages.map((m) => m.text)).toEqual(["nobody owns this number yet"]);
    expect((await workspaceData(b.tenantId)).messages).toHaveLength(0);
  });

  it("refuses agents", async () => {
    await expect(addNumber(agent, input("110000000000009"))).rejects.toBeInstanceOf(ForbiddenError);
  });

  it("validates ids as digits and explains how to fix them", () => {
    const parsed = addNumberSchema.safeParse({ ...input("12-34"), wabaId: "abc", accessToken: "" });
    expect(parsed.success).toBe(false);
    const fields = parsed.error!.issues.map((i) => i.path[0]);
    expect(fields).toEqual(expect.arrayContaining(["phoneNumberId", "wabaId"]));
    expect(addNumberSchema.parse({ ...input("12345"), accessToken: "" }).accessToken).toBeUndefined();
  });
});

describe("editing a number", () => {
  it("keeps the token when left blank, replaces it when given, and audits without the token", async () => {
    const number = await addNumber(a, input("110000000000002"));
    await withTenant(a.tenantId, (tx) => updateNumber(tx, a, { id: number.id, label: "Sales", displayNumber: "+1 555 010 0002", wabaId: "104400000000001", accessToken: undefined }));
    const kept = await stored(a.tenantId, number.id);
    expect(kept.label).toBe("Sales");
    expect(decryptSecret(kept.accessTokenEncrypted!, number.id)).toBe(token);
    const newToken = "EAAG-replacement-token-9999";
    await withTenant(a.tenantId, (tx) => updateNumber(tx, a, { id: number.id, label: "Sales", displayNumber: "+1 555 010 0002", wabaId: "104400000000001", accessToken: newToken }));
    const replaced = await stored(a.tenantId, number.id);
    expect(replaced.accessTokenLast4).toBe("9999");
    expect(decryptSecret(replaced.accessTokenEncrypted!, number.id)).toBe(newToken);
    const audit = await withTenant(a.tenantId, (tx) => tx.select().from(auditLog).where(eq(auditLog.action, "number.updated")));
    expect(audit.map((e) => e.details)).toEqual([
      { phoneNumberId: "110000000000002", changed: ["label", "displayNumber"] },
      { phoneNumberId: "110000000000002", changed: ["accessToken"] },
    ]);
    expect(JSON.stringify(audit)).not.toContain(newToken);
  });

  it("cannot reach another workspace's number by id", async () => {
    const theirs = await addNumber(b, input("220000000000002"));
    await expect(
      withTenant(a.tenantId, (tx) => updateNumber(tx, a, { id: theirs.id, label: "Hijacked", displayNumber: "+1", wabaId: "1", accessToken: undefined })),
    ).rejects.toBeInstanceOf(NotFoundError);
    await expect(removeNumber(a, { id: theirs.id })).rejects.toBeInstanceOf(NotFoundError);
    expect((await stored(b.tenantId, theirs.id)).label).toBe("Support");
    expect(await withPlatform((tx) => tenantForPhoneNumber(tx, "220000000000002"))).toBe(b.tenantId);
  });
});

describe("removing a number", () => {
  it("frees the number for others but keeps the row and its conversations; adding it back restores the same row", async () => {
    const number = await addNumber(a, input("110000000000003"));
    const conversation = await withTenant(a.tenantId, async (tx) => {
      const [contact] = await tx.insert(contacts).values({ tenantId: a.tenantId, waId: "15551234567" }).returning();
      const [c] = await tx.insert(conversations).values({ tenantId: a.tenantId, businessNumberId: number.id, contactId: contact!.id }).returning();
      return c!;
    });
    await removeNumber(a, { id: number.id });
    expect(await withPlatform((tx) => tenantForPhoneNumber(tx, "110000000000003"))).toBeNull();
    expect((await stored(a.tenantId, number.id)).removedAt).toBeInstanceOf(Date);
    const kept = await withTenant(a.tenantId, (tx) => tx.select().from(conversations).where(eq(conversations.id, conversation.id)));
    expect(kept).toHaveLength(1);
    await expect(removeNumber(a, { id: number.id })).rejects.toBeInstanceOf(NotFoundError);

    const back = await addNumber(a, input("110000000000003", "EAAG-after-restore-token-7777"));
    expect(back.id).toBe(number.id);
    expect(back.removedAt).toBeNull();
    expect(decryptSecret((await stored(a.tenantId, number.id)).accessTokenEncrypted!, number.id)).toBe("EAAG-after-restore-token-7777");
  });

  it("lets another workspace claim a removed number", async () => {
    const number = await addNumber(a, input("110000000000004"));
    await removeNumber(a, { id: number.id });
    await addNumber(b, input("110000000000004"));
    expect(await withPlatform((tx) => tenantForPhoneNumber(tx, "110000000000004"))).toBe(b.tenantId);
  });
});
