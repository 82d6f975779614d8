import { eq } from "drizzle-orm";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { tenantForPhoneNumber, withPlatform } from "@/db/platform";
import { auditLog, businessNumbers, users } from "@/db/schema";
import { withTenant } from "@/db/tenant";
import { env } from "@/lib/config/env";
import { decryptSecret } from "@/lib/crypto/secret-box";
import type { Actor } from "@/lib/domain/context";
import { createTestMember, createTestWorkspace, ownerCtx } from "@/testing/db/factories";
import { fakeGraphPerFile } from "@/testing/fake-graph-per-file";
import { reply } from "@/testing/fake-graph-server";
import { fixtureBytes } from "@/testing/fixtures";
import { logMark } from "@/testing/logs";
import { drainIngest } from "@/testing/ingest";
import { deliver, workspaceData } from "@/testing/webhook";
import { connectSignedUpNumber, connectSignedUpNumberSchema, exchangeSignupCode, grantLifetimeMs } from "./embedded-signup";
import { addNumber, listNumbers } from "./numbers";

const graph = fakeGraphPerFile({ viaEnv: true });
let a: Actor;
let b: Actor;
let agent: Actor;

beforeAll(async () => {
  const wa = await createTestWorkspace("Alpha");
  const wb = await createTestWorkspace("Bravo");
  a = { tenantId: wa.id, userId: (await createTestMember(wa.id, "admin")).id, role: "admin" };
  b = { tenantId: wb.id, userId: (await createTestMember(wb.id, "owner")).id, role: "owner" };
  agent = { tenantId: wa.id, userId: (await createTestMember(wa.id, "agent")).id, role: "agent" };
});

afterEach(() => vi.useRealTimers());

let sequence = 0;
/** What Meta knows once a business finished Embedded Signup: a code for a token that sees its WABA's numbers. */
function businessFinishedSignup(wabaId: string, phoneNumberIds: string[], options: { pin?: string } = {}) {
  sequence += 1;
  const token = `EAAG-business-token-${sequence}-${"x".repeat(24)}`;
  const code = `AQD-signup-code-${sequence}`;
  graph.grant({ token, wabaId, phoneNumberIds, pin: options.pin });
  graph.issueCode(code, token);
  return { token, code };
}

const client = () => graph.client();
const signUp = (actor: Actor, input: { code: string; wabaId: string; phoneNumberId: string }) => exchangeSignupCode({ actor }, input, client());
const connect = (actor: Actor, input: { grant: string; wabaId: string; phoneNumberId: string; pin: string; label?: string }) =>
  connectSignedUpNumber({ actor }, input, client());

const storedRow = async (tenantId: string, phoneNumberId: string) =>
  (await withTenant(tenantId, (tx) => tx.select().from(businessNumbers).where(eq(businessNumbers.phoneNumberId, phoneNumberId))))[0];

describe("connecting a number through Embedded Signup", () => {
  it("exchanges the code with the app's id and secret, registers the number with the PIN, and stores it proven, token sealed", async () => {
    const { token, code } = businessFinishedSignup("104400000000001", ["110000000000001", "110000000000002"]);

    const { grant } = await signUp(a, { code, wabaId: "104400000000001", phoneNumberId: "110000000000001" });
    expect(grant).not.toContain(token);
    const [exchange] = graph.calls("oauth_access_token");
    expect(Object.fromEntries(exchange!.query)).toEqual({ client_id: env().META_APP_ID, client_secret: env().WHATSAPP_APP_SECRET, code });
    expect(exchange!.authorization).toBeUndefined();

    const number = await connect(a, { grant, wabaId: "104400000000001", phoneNumberId: "110000000000001", pin: "246810" });

    const [registered] = graph.calls("register");
    expect(registered).toMatchObject({ path: "/v25.0/110000000000001/register", authorization: `Bearer ${token}` });
    expect(registered!.body).toEqual({ messaging_product: "whatsapp", pin: "246810" });
    // Meta's name for the number, since the admin gave no label; Meta's display number and health.
    expect(number).toMatchObject({ label: "Demo Coffee Roasters", displayNumber: "+1 555-010-0001", qualityRating: "GREEN", appSubscribed: true });
    expect(number.verifiedAt).toBeInstanceOf(Date);
    expect(graph.calls("subscribed_apps").map((r) => r.method)).toEqual(["POST", "GET"]);
    expect(await withPlatform((tx) => tenantForPhoneNumber(tx, "110000000000001"))).toBe(a.tenantId);
    const row = await storedRow(a.tenantId, "110000000000001");
    expect(row!.accessTokenEncrypted).not.toContain(token);
    expect(decryptSecret(row!.accessTokenEncrypted!, row!.id)).toBe(token);
    expect(row!.accessTokenLast4).toBe(token.slice(-4));
  });

  it("brings in the messages Meta sent to the number before it was connected", async () => {
    expect((await deliver(fixtureBytes("whatsapp", "unknown-number"))).status).toBe(200);
    const { code } = businessFinishedSignup("104400000000099", ["990000000000009"]);
    const { grant } = await signUp(a, { code, wabaId: "104400000000099", phoneNumberId: "990000000000009" });
    await connect(a, { grant, wabaId: "104400000000099", phoneNumberId: "990000000000009", pin: "135790", label: "Night line" });
    await drainIngest(); // the routed history is applied off the request
    expect((await workspaceData(a.tenantId)).messages.map((m) => m.text)).toContain("nobody owns this number yet");
    expect((await workspaceData(b.tenantId)).messages).toHaveLength(0);
  });

  it("says Meta refused the code, for a mistyped code and for a code used once already, and stores nothing", async () => {
    await expect(signUp(a, { code: "AQD-made-up", wabaId: "104400000000001", phoneNumberId: "110000000000005" })).rejects.toMatchObject({
      kind: "rejected",
      message: "Meta refused the sign-in code: Invalid verification code format. Each code works once, for a few minutes. Start again with Connect with Facebook.",
    });
    const { code } = businessFinishedSignup("104400000000001", ["110000000000005"]);
    await signUp(a, { code, wabaId: "104400000000001", phoneNumberId: "110000000000005" });
    await expect(signUp(a, { code, wabaId: "104400000000001", phoneNumberId: "110000000000005" })).rejects.toMatchObject({
      message: expect.stringContaining("Meta refused the sign-in code"),
    });
    // A code is worth one exchange: no retry could help, so exactly one request per attempt.
    expect(graph.calls("oauth_access_token")).toHaveLength(3);
    expect(await storedRow(a.tenantId, "110000000000005")).toBeUndefined();
  });

  it("says Switchboard could not reach Meta when Meta fails, and never logs the app secret", async () => {
    const logs = logMark();
    const { code } = businessFinishedSignup("104400000000001", ["110000000000006"]);
    graph.queue("oauth_access_token", ...Array.from({ length: 4 }, () => reply.metaError(500, 2, "An unexpected error has occurred.")));
    const error = await signUp(a, { code, wabaId: "104400000000001", phoneNumberId: "110000000000006" }).catch((e: unknown) => e);
    expect(error).toMatchObject({ kind: "rejected", message: "Switchboard could not reach Meta to finish the Facebook sign-in. Nothing was connected; try again in a minute." });
    expect(logs()).toContain("signup_code_refused");
    expect(logs()).not.toContain(env().WHATSAPP_APP_SECRET);
    expect(JSON.stringify(error)).not.toContain(env().WHATSAPP_APP_SECRET);
  });

  it("says Meta refused the PIN beside the PIN field, stores nothing, and takes the right PIN with the same sign-in", async () => {
    const { code } = businessFinishedSignup("104400000000001", ["110000000000003"], { pin: "112233" });
    const { grant } = await signUp(a, { code, wabaId: "104400000000001", phoneNumberId: "110000000000003" });
    const input = { grant, wabaId: "104400000000001", phoneNumberId: "110000000000003", label: "Sales" };

    await expect(connect(a, { ...input, pin: "999999" })).rejects.toMatchObject({
      kind: "rejected",
      field: "pin",
      message: expect.stringMatching(/^Meta refused the PIN: Two step verification PIN Mismatch \(Two step verification PIN incorrect\)\. This number already has/),
    });
    expect(await storedRow(a.tenantId, "110000000000003")).toBeUndefined();
    expect(await withPlatform((tx) => tenantForPhoneNumber(tx, "110000000000003"))).toBeNull();

    const number = await connect(a, { ...input, pin: "112233" });
    expect(number).toMatchObject({ label: "Sales", phoneNumberId: "110000000000003" });
    expect(graph.calls("register").map((r) => (r.body as { pin: string }).pin)).toEqual(["999999", "112233"]);
    expect(graph.calls("oauth_access_token")).toHaveLength(1);
  });

  it("refuses a sign-in used for another workspace or another number, or altered, or older than 30 minutes, before asking Meta anything", async () => {
    const { code } = businessFinishedSignup("104400000000001", ["110000000000009"]);
    const ids = { wabaId: "104400000000001", phoneNumberId: "110000000000009" };
    const { grant } = await signUp(a, { code, ...ids });
    const refused = { kind: "rejected", message: "This Facebook sign-in is not valid for this number in this workspace. Start again with Connect with Facebook." };

    await expect(connect(b, { grant, ...ids, pin: "123456" })).rejects.toMatchObject(refused);
    await expect(connect(a, { grant, ...ids, phoneNumberId: "110000000000001", pin: "123456" })).rejects.toMatchObject(refused);
    await expect(connect(a, { grant: `${grant.slice(0, -2)}AA`, ...ids, pin: "123456" })).rejects.toMatchObject(refused);
    vi.useFakeTimers({ now: Date.now() + grantLifetimeMs + 1000, toFake: ["Date"] });
    await expect(connect(a, { grant, ...ids, pin: "123456" })).rejects.toMatchObject({
      message: "This Facebook sign-in expired (after 30 minutes). Start again with Connect with Facebook.",
    });
    expect(graph.calls("register")).toHaveLength(0);
    expect(await storedRow(b.tenantId, "110000000000009")).toBeUndefined();
  });

  it("cannot take a number the business's token does not see: Meta refuses to register it and nothing is stored", async () => {
    const { code } = businessFinishedSignup("104400000000001", ["110000000000001"]);
    // A forged message from the browser names another business's number.
    const ids = { wabaId: "104400000000002", phoneNumberId: "220000000000001" };
    const { grant } = await signUp(a, { code, ...ids });
    await expect(connect(a, { grant, ...ids, pin: "123456" })).rejects.toMatchObject({
      kind: "rejected",
      message: expect.stringContaining("Meta refused to register the number for the Cloud API: Unsupported get request. Object with ID '220000000000001' does not exist"),
    });
    expect(await withPlatform((tx) => tenantForPhoneNumber(tx, "220000000000001"))).toBeNull();
    expect((await withTenant(a.tenantId, (tx) => listNumbers(ownerCtx(tx, a.tenantId)))).map((n) => n.phoneNumberId)).not.toContain("220000000000001");
  });

  it("moves a WABA another workspace held, as a pasted token proving it would, and tells that workspace", async () => {
    graph.grant({ token: "EAAG-bravo-pasted-token-000001", wabaId: "104400000000002", phoneNumberIds: ["220000000000002"] });
    await addNumber({ actor: b }, { phoneNumberId: "220000000000002", label: "Bravo line", wabaId: "104400000000002", displayNumber: undefined, accessToken: "EAAG-bravo-pasted-token-000001" });
    const { code } = businessFinishedSignup("104400000000002", ["220000000000002"]);
    const ids = { wabaId: "104400000000002", phoneNumberId: "220000000000002" };
    const { grant } = await signUp(a, { code, ...ids });
    await connect(a, { grant, ...ids, pin: "654321", label: "Now ours" });

    expect(await withPlatform((tx) => tenantForPhoneNumber(tx, "220000000000002"))).toBe(a.tenantId);
    expect((await storedRow(b.tenantId, "220000000000002"))!.removedAt).toBeInstanceOf(Date);
    const notices = await withTenant(b.tenantId, (tx) => tx.select().from(auditLog).where(eq(auditLog.action, "number.moved_away")));
    expect(notices.map((n) => n.target)).toContain("Bravo line (+220000000000002)");
  });

  it("refuses an admin whose email address is not confirmed yet at both steps, before asking Meta anything", async () => {
    const unconfirmed: Actor = { tenantId: a.tenantId, userId: (await createTestMember(a.tenantId, "admin")).id, role: "admin" };
    await withPlatform((tx) => tx.update(users).set({ emailVerifiedAt: null }).where(eq(users.id, unconfirmed.userId)));
    const { code } = businessFinishedSignup("104400000000001", ["110000000000008"]);
    const refusal = { kind: "conflict", code: "email_unverified" };
    await expect(signUp(unconfirmed, { code, wabaId: "104400000000001", phoneNumberId: "110000000000008" })).rejects.toMatchObject(refusal);
    const { grant } = await signUp(a, { code, wabaId: "104400000000001", phoneNumberId: "110000000000008" });
    await expect(connect(unconfirmed, { grant, wabaId: "104400000000001", phoneNumberId: "110000000000008", pin: "246810" })).rejects.toMatchObject(refusal);
    expect(graph.calls("register")).toHaveLength(0);
    expect(graph.calls("oauth_access_token")).toHaveLength(1);
    expect(await storedRow(a.tenantId, "110000000000008")).toBeUndefined();
  });

  it("refuses agents at both steps", async () => {
    const { code } = businessFinishedSignup("104400000000001", ["110000000000001"]);
    await expect(signUp(agent, { code, wabaId: "104400000000001", phoneNumberId: "110000000000001" })).rejects.toMatchObject({ kind: "forbidden" });
    await expect(connect(agent, { grant: "v1.a.b.c", wabaId: "104400000000001", phoneNumberId: "110000000000001", pin: "123456" })).rejects.toMatchObject({
      kind: "forbidden",
    });
    expect(graph.requests).toHaveLength(0);
  });

  it("asks for a PIN of exactly six digits and takes a blank label as none", () => {
    const base = { grant: "g", wabaId: "104400000000001", phoneNumberId: "110000000000001" };
    for (const pin of ["12345", "1234567", "12a456", ""]) {
      const parsed = connectSignedUpNumberSchema.safeParse({ ...base, pin, label: "" });
      expect(parsed.error?.issues.map((i) => i.message)).toEqual(["Choose a PIN of exactly 6 digits."]);
    }
    expect(connectSignedUpNumberSchema.parse({ ...base, pin: " 012345 ", label: " " })).toEqual({ ...base, pin: "012345", label: undefined });
  });
});
