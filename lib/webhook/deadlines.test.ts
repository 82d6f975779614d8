import { eq, sql } from "drizzle-orm";
import { createHash } from "node:crypto";
import { beforeAll, expect, inject, it } from "vitest";
import { db, openDatabase, type Tx } from "@/db/client";
import { webhookDeliveries } from "@/db/schema";
import { databaseUrl } from "@/testing/db/databases";
import { createTestNumber, createTestWorkspace } from "@/testing/db/factories";
import { env } from "@/lib/config/env";
import { signBody } from "@/lib/whatsapp/signature";
import { simulatedTextDelivery } from "@/testing/simulated-delivery";
import { deliveryRows, workspaceData } from "@/testing/webhook";
import { receiveWhatsAppDelivery } from "@/lib/ingest/receive";
import { drainIngest } from "@/testing/ingest";

/**
 * The store deadline is shortened to 50 ms, and the database work it bounds is held up until
 * the answer has been given: the answer can only come from the deadline, however loaded
 * the machine, and nothing here measures time. Processing is not in the request at all.
 */
const short = { storeMs: 50 };
const target = inject("testDatabase");
const onPostgres = target.kind === "postgres";

let tenantId: string;
beforeAll(async () => {
  tenantId = (await createTestWorkspace("Deadlines")).id;
  await createTestNumber(tenantId, "120000000000012");
});

const body = (wamid: string, text: string) => simulatedTextDelivery({ to: "120000000000012", from: "15550000031", text, wamid });
const signed = (bytes: Buffer) => signBody(bytes, env().WHATSAPP_APP_SECRET);
const sha256 = (bytes: Buffer) => createHash("sha256").update(bytes).digest("hex");

/**
 * Runs `work` while `table` is locked from a transaction of another connection, handing it
 * that transaction to read with. PGlite has one connection, so there an open transaction
 * holds up every other statement.
 */
async function whileLocked(table: "webhook_deliveries" | "phone_number_routes", work: (tx: Tx) => Promise<void>) {
  if (target.kind !== "postgres") return db().transaction(work);
  const [{ name }] = (await db().execute(sql`select current_database() as name`)) as unknown as [{ name: string }];
  const other = openDatabase({ kind: "postgres", url: databaseUrl(target.serverUrl, name), poolMax: 1 });
  try {
    await other.db.transaction(async (tx) => {
      await tx.execute(sql.raw(`lock table ${table} in access exclusive mode`));
      await work(tx);
    });
  } finally {
    await other.close();
  }
}

it("answers 503 when storing outlasts its deadline, and takes Meta's resend once the copy that landed late is found", async () => {
  const bytes = body("wamid.DEADLINE1", "slow to store");
  const hash = sha256(bytes);
  await whileLocked("webhook_deliveries", async (tx) => {
    const answer = await receiveWhatsAppDelivery(bytes, signed(bytes), short);
    expect(answer).toMatchObject({ status: 503, body: "The delivery could not be stored; retry later." });
    expect(await tx.select().from(webhookDeliveries).where(eq(webhookDeliveries.bodySha256, hash))).toEqual([]);
  });

  // The insert the deadline gave up on still lands, unprocessed.
  await expect.poll(async () => (await deliveryRows()).filter((d) => d.bodySha256 === hash).map((d) => d.state)).toEqual(["received"]);

  const resent = await receiveWhatsAppDelivery(bytes, signed(bytes), short);
  expect(resent.status).toBe(200);
  await drainIngest();
  expect((await deliveryRows()).filter((d) => d.bodySha256 === hash)).toMatchObject([{ state: "processed", attempts: 1 }]);
  expect((await workspaceData(tenantId)).messages.filter((m) => m.wamid === "wamid.DEADLINE1").map((m) => m.text)).toEqual([
    "slow to store",
  ]);
});

it.runIf(onPostgres)("answers 200 while processing is held up, with the delivery stored for the processor", async () => {
  const bytes = body("wamid.DEADLINE2", "slow to process");
  const hash = sha256(bytes);
  // Routing reads phone_number_routes first; storing never touches it.
  await whileLocked("phone_number_routes", async (tx) => {
    const answer = await receiveWhatsAppDelivery(bytes, signed(bytes), short);
    expect(answer).toEqual({ status: 200, body: "", contentType: "text/plain; charset=utf-8" });
    expect(await tx.select().from(webhookDeliveries).where(eq(webhookDeliveries.bodySha256, hash))).toMatchObject([
      { state: "received", attempts: 0, processedAt: null },
    ]);
  });

  // The processing the answer never waited for finishes, once.
  await drainIngest();
  await expect.poll(async () => (await deliveryRows()).filter((d) => d.bodySha256 === hash).map((d) => d.state)).toEqual(["processed"]);
  expect((await workspaceData(tenantId)).messages.filter((m) => m.wamid === "wamid.DEADLINE2").map((m) => m.text)).toEqual([
    "slow to process",
  ]);
});
