import { sql } from "drizzle-orm";
import { closeDatabase } from "@/db/client";
import { contacts, conversations, messages, messageTemplates } from "@/db/schema";
import { withTenant } from "@/db/tenant";
import { signUp } from "@/lib/workspace/signup";
import { env } from "@/lib/config/env";
import { processIngestUntilIdle } from "@/lib/ingest/jobs";
import { receiveWhatsAppDelivery } from "@/lib/ingest/receive";
import { fixtureBytes, fixtureNames } from "@/testing/fixtures";
import { signBody } from "@/lib/whatsapp/signature";
import { accountExists } from "@/lib/workspace/invitations";
import { addNumber } from "@/lib/workspace/numbers";
import { openMigratedDatabase } from "./open-database";

/**
 * `npm run db:seed`: a demo workspace a newcomer can sign in to and see a living inbox.
 * Every Meta fixture is fed through the real webhook ingest, signed with this
 * environment's app secret and retargeted to the demo's two sandbox numbers (no access
 * token, so nothing is ever sent to Meta), with timestamps moved to the last few hours so
 * the 24-hour reply window is open. Refuses if the demo already exists.
 */
const login = { email: "demo@switchboard.test", password: "switchboard-demo", name: "Dana Demo" };
const numbers = [
  { phoneNumberId: "999000000000901", label: "Demo support", displayNumber: "+1 555 010 0901" },
  { phoneNumberId: "999000000000902", label: "Demo sales", displayNumber: "+1 555 010 0902" },
];
const fixtureNumber = "110000000000001";
const fixtureEpoch = 1795000000;
// Deliveries about other workspaces or no message at all: not demo material.
const skipped = new Set(["batch-two-tenants", "unknown-number", "errors-toplevel"]);

await openMigratedDatabase();
if (await accountExists(login.email)) {
  console.log(`The demo already exists. Sign in at ${env().APP_URL}/sign-in as ${login.email} / ${login.password}.`);
  console.log("To start over, delete the database (the DATA_DIR folder, or your Postgres database) and run npm run db:seed again.");
  await closeDatabase();
  process.exit(0);
}

const { user, workspace } = await signUp({ name: login.name, email: login.email, password: login.password, workspaceName: "Demo Coffee Roasters" }, { emailVerified: true });
const actor = { tenantId: workspace.id, userId: user.id, role: "owner" as const };
const added: Awaited<ReturnType<typeof addNumber>>[] = [];
for (const n of numbers) added.push(await addNumber({ actor }, { ...n, wabaId: "104400000000901", accessToken: undefined }));

/** A fixture as Meta would send it to a demo number, its timestamps moved by `shiftSeconds`. */
function retarget(name: string, phoneNumberId: string, shiftSeconds: number, rewrite: (json: string) => string = (json) => json): Buffer {
  const text = fixtureBytes("whatsapp", name)
    .toString("utf8")
    .replaceAll(fixtureNumber, phoneNumberId)
    .replace(/"timestamp": "(\d+)"/g, (_, ts: string) => `"timestamp": "${Number(ts) + shiftSeconds}"`);
  return Buffer.from(rewrite(text), "utf8");
}

async function deliver(bytes: Buffer) {
  const answer = await receiveWhatsAppDelivery(bytes, signBody(bytes, env().WHATSAPP_APP_SECRET));
  if (answer.status !== 200) throw new Error(`The webhook refused a demo delivery (${answer.status}): ${answer.body}`);
  // The server processes deliveries after answering; the seed, with no worker, does it here, in order.
  await processIngestUntilIdle();
}

// The outbound messages the status fixtures report on, sent "earlier" from the first number.
const shift = Math.floor(Date.now() / 1000) - fixtureEpoch - 3 * 3600;
await withTenant(workspace.id, async (tx) => {
  const [contact] = await tx
    .insert(contacts)
    .values({ tenantId: workspace.id, waId: "5215512345678", profileName: "Lupita Hernández" })
    .onConflictDoNothing()
    .returning();
  const [conversation] = await tx
    .insert(conversations)
    .values({ tenantId: workspace.id, businessNumberId: added[0]!.id, contactId: contact!.id, lastMessageAt: new Date((fixtureEpoch + shift) * 1000) })
    .returning();
  const sent = (wamid: string, body: string, minutes: number) => ({
    tenantId: workspace.id,
    conversationId: conversation!.id,
    direction: "outbound" as const,
    wamid,
    type: "text",
    text: body,
    payload: { messaging_product: "whatsapp", to: "5215512345678", type: "text", text: { body } },
    status: "pending" as const,
    authorUserId: user.id,
    sentAt: new Date((fixtureEpoch + shift) * 1000 - minutes * 60_000),
  });
  await tx.insert(messages).values([
    sent("wamid.HBgNNTIxNTUxMjM0NTY3OBUCABIYFjNFQjAOUT001", "¡Hola Lupita! Your order #4471 ships today. Track it at https://example.com/track/4471", 30),
    sent("wamid.HBgNNTIxNTUxMjM0NTY3OBUCABIYFjNFQjAOUT003", "We also have a new single-origin from Chiapas ☕", 20),
    {
      ...sent("wamid.demo.sandbox.0001", "Thanks! (this reply stayed here: the demo numbers are sandbox numbers)", 10),
      wamid: null,
      status: "sandbox" as const,
    },
  ]);
});

const names = fixtureNames("whatsapp").filter((n) => !skipped.has(n));
// Inbound first, statuses after, so each status finds its message.
for (const name of [...names.filter((n) => !n.startsWith("status-")), ...names.filter((n) => n.startsWith("status-"))]) {
  await deliver(retarget(name, numbers[0]!.phoneNumberId, shift));
}
// The second number's own customer, a few minutes ago.
await deliver(
  retarget("text-inbound", numbers[1]!.phoneNumberId, Math.floor(Date.now() / 1000) - fixtureEpoch - 300, (json) =>
    json
      .replace(/wamid\.[A-Za-z0-9_=-]+/g, "wamid.demo.sales.0001")
      .replace(/5215512345678/g, "4915112345678")
      .replace(/"name": "[^"]*"/, '"name": "Jonas Becker"'),
  ),
);

await withTenant(workspace.id, async (tx) => {
  await tx
    .insert(messageTemplates)
    .values([
      {
        tenantId: workspace.id,
        wabaId: "104400000000901",
        metaTemplateId: "900000000000001",
        name: "order_update",
        language: "en_US",
        category: "UTILITY",
        components: [{ type: "BODY", text: "Hi {{1}}, your order {{2}} is on its way." }],
        syncedAt: new Date(),
      },
      {
        tenantId: workspace.id,
        wabaId: "104400000000901",
        metaTemplateId: "900000000000002",
        name: "follow_up",
        language: "es_MX",
        category: "MARKETING",
        components: [{ type: "BODY", text: "¡Hola {{1}}! ¿Te ayudamos con algo más?" }],
        syncedAt: new Date(),
      },
    ])
    .onConflictDoNothing();
  const [count] = await tx.select({ n: sql<number>`count(*)::int` }).from(messages);
  console.log(`Demo workspace "${workspace.name}" is ready with ${count?.n ?? 0} messages on two sandbox numbers.`);
});
console.log(`Sign in at ${env().APP_URL}/sign-in as ${login.email} / ${login.password}`);
await closeDatabase();
