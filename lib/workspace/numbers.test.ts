import { eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { tenantForPhoneNumber, withPlatform } from "@/db/platform";
import { auditLog, businessNumbers, contacts, conversations, wabaOwners } from "@/db/schema";
import { withTenant } from "@/db/tenant";
import { createTestMember, createTestWorkspace, ownerCtx } from "@/testing/db/factories";
import { resetEnvForTests } from "@/lib/config/env";
import { decryptSecret } from "@/lib/crypto/secret-box";
import { deliver, workspaceData } from "@/testing/webhook";
import { fixtureBytes } from "@/testing/fixtures";
import { fakeGraphPerFile } from "@/testing/fake-graph-per-file";
import { reply } from "@/testing/fake-graph-server";
import { simulatedTextDelivery } from "@/testing/simulated-delivery";
import { drainIngest } from "@/testing/ingest";
import type { Actor } from "@/lib/domain/context";
import { addNumber, addNumberSchema, checkNumber, listNumbers, movedAwayProblem, numberTakenMessage, removeNumber, updateNumber } from "./numbers";

let a: Actor;
let b: Actor;
let agent: Actor;
/** A's token sees WABA 104400000000001 (the fixtures' A) and 104400000000099; B's sees 104400000000002. */
const token = "EAAG-secret-token-for-tests-4821";
const tokenB = "EAAG-bravo-token-for-tests-5932";
/** `accessToken` null: no token (a sandbox number, or a refusal). */
const input = (phoneNumberId: string, accessToken: string | null = token, wabaId = "104400000000001") => ({
  phoneNumberId,
  label: "Support",
  displayNumber: "+1 555 010 0001",
  wabaId,
  accessToken: accessToken ?? undefined,
});

const graph = fakeGraphPerFile({ viaEnv: true, resetAfterEach: false });

beforeAll(async () => {
  const wabaA = ["110000000000001", "110000000000002", "110000000000003", "110000000000005", "110000000000006", "110000000000009"];
  graph.grant({ token, wabaId: "104400000000001", phoneNumberIds: wabaA });
  graph.grant({ token, wabaId: "104400000000099", phoneNumberIds: ["990000000000009"] });
  graph.grant({ token: "EAAG-after-restore-token-7777", wabaId: "104400000000001", phoneNumberIds: wabaA });
  graph.grant({ token: "EAAG-replacement-token-9999", wabaId: "104400000000001", phoneNumberIds: wabaA });
  graph.grant({ token: tokenB, wabaId: "104400000000002", phoneNumberIds: ["220000000000001", "220000000000002"] });
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
    const number = await addNumber({ actor: a }, input("110000000000001"));
    expect(number).toMatchObject({ phoneNumberId: "110000000000001", label: "Support", accessTokenLast4: "4821", removedAt: null });
    // Meta's description of the number, not the form's (waba-phone-numbers-200).
    expect(number).toMatchObject({ displayNumber: "+1 555-010-0001", verifiedName: "Demo Coffee Roasters", qualityRating: "GREEN", messagingLimit: "TIER_1K", appSubscribed: true });
    expect(number.verifiedAt).toBeInstanceOf(Date);
    expect(JSON.stringify(number)).not.toContain(token);
    expect(await withPlatform((tx) => tenantForPhoneNumber(tx, "110000000000001"))).toBe(a.tenantId);
    const row = await stored(a.tenantId, number.id);
    expect(row.accessTokenEncrypted).not.toContain(token);
    expect(decryptSecret(row.accessTokenEncrypted!, number.id)).toBe(token);
    expect(() => decryptSecret(row.accessTokenEncrypted!, "another-row")).toThrow();
  });

  it("refuses a sandbox number another workspace owns without naming it, and changes nothing", async () => {
    await addNumber({ actor: b }, input("999000000000221", null));
    const error = await addNumber({ actor: a }, input("999000000000221", null)).catch((e) => e);
    expect(error).toMatchObject({ kind: "rejected" });
    expect(error).toMatchObject({ field: "phoneNumberId", message: numberTakenMessage });
    expect(error.message).not.toContain("Bravo");
    expect(await withPlatform((tx) => tenantForPhoneNumber(tx, "999000000000221"))).toBe(b.tenantId);
    const mine = await withTenant(a.tenantId, (tx) => listNumbers(ownerCtx(tx, a.tenantId)));
    expect(mine.map((n) => n.phoneNumberId)).not.toContain("999000000000221");
  });

  it("says so when the number is already in this workspace", async () => {
    const error = await addNumber({ actor: a }, input("110000000000001")).catch((e) => e);
    expect(error).toMatchObject({ message: "This number is already connected to this workspace." });
  });

  it("lets two workspaces race for one number and exactly one win", async () => {
    const results = await Promise.allSettled([addNumber({ actor: a }, input("999000000000333", null)), addNumber({ actor: b }, input("999000000000333", null))]);
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    const rejected = results.find((r) => r.status === "rejected") as PromiseRejectedResult;
    expect(rejected.reason).toMatchObject({ kind: "rejected" });
  });

  it("brings in the messages Meta sent to the number before anyone owned it", async () => {
    expect((await deliver(fixtureBytes("whatsapp", "unknown-number"))).status).toBe(200);
    expect((await workspaceData(a.tenantId)).messages).toHaveLength(0);

    await addNumber({ actor: a }, input("990000000000009", token, "104400000000099"));
    await drainIngest(); // the routed history is applied off the request

    expect((await workspaceData(a.tenantId)).messages.map((m) => m.text)).toEqual(["nobody owns this number yet"]);
    expect((await workspaceData(b.tenantId)).messages).toHaveLength(0);
  });

  it("refuses agents", async () => {
    await expect(addNumber({ actor: agent }, input("110000000000009"))).rejects.toMatchObject({ kind: "forbidden" });
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
  it("keeps the token when left blank, replaces it when Meta confirms the new one, and audits without the token", async () => {
    const number = await addNumber({ actor: a }, input("110000000000002"));
    await updateNumber({ actor: a }, { id: number.id, label: "Sales", displayNumber: "+1 555 010 0002", accessToken: undefined });
    const kept = await stored(a.tenantId, number.id);
    expect(kept.label).toBe("Sales");
    // A verified number's display number is Meta's; the form cannot change it.
    expect(kept.displayNumber).toBe("+1 555-010-0002");
    expect(decryptSecret(kept.accessTokenEncrypted!, number.id)).toBe(token);
    const newToken = "EAAG-replacement-token-9999";
    await updateNumber({ actor: a }, { id: number.id, label: "Sales", accessToken: newToken });
    const replaced = await stored(a.tenantId, number.id);
    expect(replaced.accessTokenLast4).toBe("9999");
    expect(decryptSecret(replaced.accessTokenEncrypted!, number.id)).toBe(newToken);
    const audit = await withTenant(a.tenantId, (tx) => tx.select().from(auditLog).where(eq(auditLog.action, "number.updated")));
    expect(audit.map((e) => e.details)).toEqual([
      { phoneNumberId: "110000000000002", changed: ["label"] },
      { phoneNumberId: "110000000000002", changed: ["accessToken"] },
    ]);
    expect(JSON.stringify(audit)).not.toContain(newToken);
  });

  it("lets a sandbox number's label and display number change", async () => {
    const number = await addNumber({ actor: a }, input("999000000000102", null));
    await updateNumber({ actor: a }, { id: number.id, label: "Sales", displayNumber: "+1 555 010 0102", accessToken: undefined });
    expect(await stored(a.tenantId, number.id)).toMatchObject({ label: "Sales", displayNumber: "+1 555 010 0102", accessTokenEncrypted: null });
    const [entry] = await withTenant(a.tenantId, (tx) => tx.select().from(auditLog).where(eq(auditLog.target, "Sales (+1 555 010 0102)")));
    expect(entry!.details).toEqual({ phoneNumberId: "999000000000102", changed: ["label", "displayNumber"] });
  });

  it("refuses a new token Meta does not confirm and keeps the old one", async () => {
    const [number] = (await withTenant(a.tenantId, (tx) => listNumbers(ownerCtx(tx, a.tenantId)))).filter((n) => n.phoneNumberId === "110000000000001");
    const error = await updateNumber({ actor: a }, { id: number!.id, label: "Support", accessToken: tokenB }).catch((e) => e);
    expect(error).toMatchObject({ kind: "rejected" });
    expect(error).toMatchObject({ field: "accessToken" });
    expect(error.message).toContain("cannot see WhatsApp Business Account 104400000000001");
    expect(decryptSecret((await stored(a.tenantId, number!.id)).accessTokenEncrypted!, number!.id)).toBe(token);
  });

  it("cannot reach another workspace's number by id", async () => {
    const theirs = await addNumber({ actor: b }, input("220000000000002", tokenB, "104400000000002"));
    await expect(updateNumber({ actor: a }, { id: theirs.id, label: "Hijacked", accessToken: undefined })).rejects.toMatchObject({ kind: "not_found" });
    await expect(checkNumber({ actor: a }, { id: theirs.id })).rejects.toMatchObject({ kind: "not_found" });
    await expect(removeNumber({ actor: a }, { id: theirs.id })).rejects.toMatchObject({ kind: "not_found" });
    expect((await stored(b.tenantId, theirs.id)).label).toBe("Support");
    expect(await withPlatform((tx) => tenantForPhoneNumber(tx, "220000000000002"))).toBe(b.tenantId);
  });
});

describe("removing a number", () => {
  it("frees the number for others but keeps the row and its conversations; adding it back restores the same row", async () => {
    const number = await addNumber({ actor: a }, input("110000000000003"));
    const conversation = await withTenant(a.tenantId, async (tx) => {
      const [contact] = await tx.insert(contacts).values({ tenantId: a.tenantId, waId: "15551234567" }).returning();
      const [c] = await tx.insert(conversations).values({ tenantId: a.tenantId, businessNumberId: number.id, contactId: contact!.id }).returning();
      return c!;
    });
    await removeNumber({ actor: a }, { id: number.id });
    expect(await withPlatform((tx) => tenantForPhoneNumber(tx, "110000000000003"))).toBeNull();
    expect((await stored(a.tenantId, number.id)).removedAt).toBeInstanceOf(Date);
    const kept = await withTenant(a.tenantId, (tx) => tx.select().from(conversations).where(eq(conversations.id, conversation.id)));
    expect(kept).toHaveLength(1);
    await expect(removeNumber({ actor: a }, { id: number.id })).rejects.toMatchObject({ kind: "not_found" });

    const back = await addNumber({ actor: a }, input("110000000000003", "EAAG-after-restore-token-7777"));
    expect(back.id).toBe(number.id);
    expect(back.removedAt).toBeNull();
    expect(decryptSecret((await stored(a.tenantId, number.id)).accessTokenEncrypted!, number.id)).toBe("EAAG-after-restore-token-7777");
  });

  it("lets another workspace claim a removed sandbox number", async () => {
    const number = await addNumber({ actor: a }, input("999000000000104", null));
    await removeNumber({ actor: a }, { id: number.id });
    await addNumber({ actor: b }, input("999000000000104", null));
    expect(await withPlatform((tx) => tenantForPhoneNumber(tx, "999000000000104"))).toBe(b.tenantId);
  });
});

describe("proving ownership with Meta", () => {
  const routeOf = (phoneNumberId: string) => withPlatform((tx) => tenantForPhoneNumber(tx, phoneNumberId));
  const numbersOf = async (actor: Actor) => (await withTenant(actor.tenantId, (tx) => listNumbers(ownerCtx(tx, actor.tenantId)))).map((n) => n.phoneNumberId);

  it("refuses a second workspace whose token cannot see the number (Graph's error 100), storing nothing", async () => {
    const error = await addNumber({ actor: b }, input("110000000000001", tokenB)).catch((e) => e);
    expect(error).toMatchObject({ kind: "rejected" });
    expect(error).toMatchObject({ field: "accessToken" });
    expect(error.message).toContain("cannot see WhatsApp Business Account 104400000000001");
    const asked = graph.calls("phone_numbers").at(-1)!;
    expect(asked.authorization).toBe(`Bearer ${tokenB}`);
    expect(await routeOf("110000000000001")).toBe(a.tenantId);
    expect(await numbersOf(b)).not.toContain("110000000000001");
  });

  it("gives a number's waiting history only to a workspace whose token proves it, also after its owner removed it", async () => {
    const number = await addNumber({ actor: a }, input("110000000000006"));
    await removeNumber({ actor: a }, { id: number.id });
    await deliver(simulatedTextDelivery({ to: "110000000000006", from: "15550000070", text: "anyone there?", wamid: "wamid.GAP-6" }));

    await expect(addNumber({ actor: b }, input("110000000000006", tokenB))).rejects.toMatchObject({ kind: "rejected" });
    await expect(addNumber({ actor: b }, input("110000000000006", null))).rejects.toMatchObject({ field: "accessToken" });
    expect(await routeOf("110000000000006")).toBeNull();
    expect((await workspaceData(b.tenantId)).messages.map((m) => m.text)).not.toContain("anyone there?");

    await addNumber({ actor: a }, input("110000000000006"));
    await drainIngest(); // the routed history is applied off the request
    expect((await workspaceData(a.tenantId)).messages.map((m) => m.text)).toContain("anyone there?");
    const [listed] = (await withTenant(a.tenantId, (tx) => listNumbers(ownerCtx(tx, a.tenantId)))).filter((n) => n.phoneNumberId === "110000000000006");
    expect(listed!.lastMessageAt).toBeInstanceOf(Date);
  });

  it("refuses a token minted for another Meta app before subscribing anything", async () => {
    graph.grant({ token: "EAAG-other-app-token-000111", wabaId: "104400000000003", phoneNumberIds: ["330000000000001"], appId: "111111111111111" });
    const posts = graph.calls("subscribed_apps").length;
    const error = await addNumber({ actor: b }, input("330000000000001", "EAAG-other-app-token-000111", "104400000000003")).catch((e) => e);
    expect(error).toMatchObject({ kind: "rejected" });
    expect(error.message).toContain("another Meta app (111111111111111)");
    expect(graph.calls("subscribed_apps")).toHaveLength(posts);
    expect(await routeOf("330000000000001")).toBeNull();
    // debug_token was asked with the platform's app access token, never the business's.
    expect(graph.calls("debug_token").at(-1)!.authorization).toMatch(/^Bearer 670843887433847\|/);
  });

  it("finds a number on the second page of the WABA's list, and subscribes the platform's app", async () => {
    graph.grant({ token: "EAAG-paged-token-0000444", wabaId: "104400000000004", phoneNumberIds: ["440000000000001", "440000000000002", "440000000000003"] });
    const before = graph.calls("phone_numbers").length;
    const number = await addNumber({ actor: b }, input("440000000000003", "EAAG-paged-token-0000444", "104400000000004"));
    expect(number.verifiedAt).toBeInstanceOf(Date);
    const pages = graph.calls("phone_numbers").slice(before);
    expect(pages).toHaveLength(2);
    expect(pages[1]!.query.get("after")).toBeTruthy();
    expect(graph.calls("subscribed_apps").filter((r) => r.path.includes("104400000000004")).map((r) => r.method)).toEqual(["POST", "GET"]);
    expect(await routeOf("440000000000003")).toBe(b.tenantId);
  });

  it("says Meta could not be reached, and stores nothing", async () => {
    const down = reply.json(503, { error: { message: "Service temporarily unavailable", type: "OAuthException", code: 2 } });
    graph.queue("debug_token", down, down, down, down);
    const error = await addNumber({ actor: a }, input("110000000000009")).catch((e) => e);
    expect(error).toMatchObject({ kind: "rejected" });
    expect(error.message).toContain("could not reach WhatsApp");
    expect(await routeOf("110000000000009")).toBeNull();
    expect(await numbersOf(a)).not.toContain("110000000000009");
  });

  it("takes no token-less number outside the sandbox prefix, and no sandbox number when sandboxes are off", async () => {
    await expect(addNumber({ actor: a }, input("120000000000001", null))).rejects.toMatchObject({ field: "accessToken" });
    process.env.SANDBOX_NUMBERS = "off";
    resetEnvForTests();
    try {
      await expect(addNumber({ actor: a }, input("999000000000777", null))).rejects.toMatchObject({ field: "phoneNumberId" });
    } finally {
      delete process.env.SANDBOX_NUMBERS;
      resetEnvForTests();
    }
    expect(await routeOf("120000000000001")).toBeNull();
    expect(await routeOf("999000000000777")).toBeNull();
  });

  it("moves a WABA to a workspace that proves it, with its numbers' routes, telling the first workspace", async () => {
    const c = { tenantId: (await createTestWorkspace("Charlie")).id, role: "admin" as const, userId: "" };
    c.userId = (await createTestMember(c.tenantId, "admin")).id;
    const d = { tenantId: (await createTestWorkspace("Delta")).id, role: "admin" as const, userId: "" };
    d.userId = (await createTestMember(d.tenantId, "admin")).id;
    const waba = ["550000000000001", "550000000000002"];
    graph.grant({ token: "EAAG-charlie-token-0000555", wabaId: "104400000000005", phoneNumberIds: waba });
    graph.grant({ token: "EAAG-delta-token-00000555", wabaId: "104400000000005", phoneNumberIds: waba });
    for (const id of waba) await addNumber({ actor: c }, input(id, "EAAG-charlie-token-0000555", "104400000000005"));

    await addNumber({ actor: d }, input("550000000000001", "EAAG-delta-token-00000555", "104400000000005"));

    expect(await routeOf("550000000000001")).toBe(d.tenantId);
    expect(await routeOf("550000000000002")).toBe(d.tenantId);
    const [owner] = await withPlatform((tx) => tx.select().from(wabaOwners).where(eq(wabaOwners.wabaId, "104400000000005")));
    expect(owner!.workspaceId).toBe(d.tenantId);
    const theirs = await withTenant(c.tenantId, (tx) => listNumbers(ownerCtx(tx, c.tenantId)));
    expect(theirs.map((n) => [n.phoneNumberId, n.removedAt !== null, n.checkProblem])).toEqual([
      ["550000000000001", true, movedAwayProblem],
      ["550000000000002", true, movedAwayProblem],
    ]);
    const auditOf = async (tenantId: string) =>
      (await withTenant(tenantId, (tx) => tx.select().from(auditLog))).map((e) => e.action).filter((x) => x.startsWith("number."));
    expect(await auditOf(c.tenantId)).toEqual(["number.added", "number.added", "number.moved_away", "number.moved_away"]);
    expect(await auditOf(d.tenantId)).toEqual(["number.added", "number.moved_in"]);
    const mine = await withTenant(d.tenantId, (tx) => listNumbers(ownerCtx(tx, d.tenantId)));
    expect(mine.map((n) => [n.phoneNumberId, n.removedAt, n.displayNumber])).toEqual(
      expect.arrayContaining([
        ["550000000000001", null, "+550000000000001"],
        ["550000000000002", null, "+550000000000002"],
      ]),
    );
  });

  it("stops routing a number whose token Meta no longer lets see it; its messages wait until a check proves it again", async () => {
    const e = { tenantId: (await createTestWorkspace("Echo")).id, role: "admin" as const, userId: "" };
    e.userId = (await createTestMember(e.tenantId, "admin")).id;
    graph.grant({ token: "EAAG-echo-token-000000666", wabaId: "104400000000006", phoneNumberIds: ["660000000000001"] });
    const number = await addNumber({ actor: e }, input("660000000000001", "EAAG-echo-token-000000666", "104400000000006"));

    graph.revoke("EAAG-echo-token-000000666", "104400000000006");
    expect(await checkNumber({ actor: e }, { id: number.id })).toBe("lost");
    expect(await routeOf("660000000000001")).toBeNull();
    const [lapsed] = await withTenant(e.tenantId, (tx) => listNumbers(ownerCtx(tx, e.tenantId)));
    expect(lapsed).toMatchObject({ verifiedAt: null, removedAt: null });
    expect(lapsed!.checkProblem).toContain("cannot see WhatsApp Business Account 104400000000006");

    await deliver(simulatedTextDelivery({ to: "660000000000001", from: "15550000071", text: "still open?", wamid: "wamid.LAPSED-1" }));
    expect((await workspaceData(e.tenantId)).messages).toHaveLength(0);

    graph.grant({ token: "EAAG-echo-token-000000666", wabaId: "104400000000006", phoneNumberIds: [] });
    expect(await checkNumber({ actor: e }, { id: number.id })).toBe("verified");
    await drainIngest(); // the routed history is applied off the request
    expect(await routeOf("660000000000001")).toBe(e.tenantId);
    expect((await workspaceData(e.tenantId)).messages.map((m) => m.text)).toEqual(["still open?"]);
  });
});
