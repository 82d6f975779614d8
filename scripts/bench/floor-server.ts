/**
 * The minimal floor (issue 15, "Benchmarks"): the yardstick every webhook figure is a ratio
 * against. Its code stays exactly as the issue defines it and is never tuned: a bare
 * node:http server that reads the body, checks the HMAC, and in one transaction runs three
 * statements on three tables of its own — upsert the contact on (tenant_id, wa_id), upsert
 * the conversation on (tenant_id, number_id, contact_id) bumping last_message_at and unread,
 * insert the message on (tenant_id, wamid) doing nothing on conflict — then answers 200.
 *
 * It takes single-message deliveries only (what the bench sends it) and routes them from a
 * map given at start (FLOOR_ROUTES: phone_number_id → { tenantId, numberId }), so routing
 * costs it nothing. Its tables live in the schema `floor` of the bench's database, made at
 * start. Same Postgres, same pool size (DATABASE_POOL_MAX, default 10) as the app.
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import http from "node:http";
import postgres from "postgres";

const port = Number(process.env.PORT);
const appSecret = process.env.WHATSAPP_APP_SECRET ?? "";
const routes = JSON.parse(process.env.FLOOR_ROUTES ?? "{}") as Record<string, { tenantId: string; numberId: string }>;
const sql = postgres(process.env.DATABASE_URL!, {
  max: Number(process.env.DATABASE_POOL_MAX ?? 10),
  onnotice: () => {},
  connection: { application_name: "switchboard-floor" },
});

await sql.unsafe(`
  create schema if not exists floor;
  create table if not exists floor.contacts (
    tenant_id uuid not null, id uuid not null default gen_random_uuid() primary key,
    wa_id text not null, profile_name text, unique (tenant_id, wa_id));
  create table if not exists floor.conversations (
    tenant_id uuid not null, id uuid not null default gen_random_uuid() primary key,
    number_id uuid not null, contact_id uuid not null, last_message_at timestamptz not null,
    unread integer not null default 0, unique (tenant_id, number_id, contact_id));
  create table if not exists floor.messages (
    tenant_id uuid not null, id uuid not null default gen_random_uuid() primary key,
    conversation_id uuid not null, wamid text not null, type text not null, text text,
    payload jsonb not null, sent_at timestamptz not null, unique (tenant_id, wamid));
`);

type Message = { from: string; id: string; timestamp: string; type: string; text?: { body?: string } };
type Delivery = {
  entry?: Array<{ changes?: Array<{ value?: { metadata?: { phone_number_id?: string }; contacts?: Array<{ profile?: { name?: string } }>; messages?: Message[] } }> }>;
};

function signatureValid(body: Buffer, header: string | undefined): boolean {
  const match = /^sha256=([0-9a-f]{64})$/i.exec(header?.trim() ?? "");
  return !!match && timingSafeEqual(createHmac("sha256", appSecret).update(body).digest(), Buffer.from(match[1]!, "hex"));
}

async function store(body: Buffer): Promise<number> {
  const value = (JSON.parse(body.toString("utf8")) as Delivery).entry?.[0]?.changes?.[0]?.value;
  const message = value?.messages?.length === 1 ? value.messages[0]! : null;
  const route = routes[value?.metadata?.phone_number_id ?? ""];
  if (!message || !route) return 422;
  const sentAt = new Date(Number(message.timestamp) * 1000);
  await sql.begin(async (tx) => {
    const [contact] = await tx`
      insert into floor.contacts (tenant_id, wa_id, profile_name) values (${route.tenantId}, ${message.from}, ${value?.contacts?.[0]?.profile?.name ?? null})
      on conflict (tenant_id, wa_id) do update set profile_name = excluded.profile_name
      returning id`;
    const [conversation] = await tx`
      insert into floor.conversations (tenant_id, number_id, contact_id, last_message_at, unread)
      values (${route.tenantId}, ${route.numberId}, ${contact!.id}, ${sentAt}, 1)
      on conflict (tenant_id, number_id, contact_id) do update
        set last_message_at = greatest(floor.conversations.last_message_at, excluded.last_message_at), unread = floor.conversations.unread + 1
      returning id`;
    await tx`
      insert into floor.messages (tenant_id, conversation_id, wamid, type, text, payload, sent_at)
      values (${route.tenantId}, ${conversation!.id}, ${message.id}, ${message.type}, ${message.text?.body ?? null}, ${sql.json(message)}, ${sentAt})
      on conflict (tenant_id, wamid) do nothing`;
  });
  return 200;
}

const server = http.createServer((request, response) => {
  const path = request.url?.split("?")[0];
  if (request.method === "GET" && path === "/health") {
    response.writeHead(200).end("ok");
    return;
  }
  if (request.method !== "POST" || path !== "/api/webhooks/whatsapp") {
    response.writeHead(404).end();
    return;
  }
  const chunks: Buffer[] = [];
  request.on("data", (chunk: Buffer) => chunks.push(chunk));
  request.on("end", () => {
    const body = Buffer.concat(chunks);
    const header = request.headers["x-hub-signature-256"];
    if (!signatureValid(body, typeof header === "string" ? header : undefined)) {
      response.writeHead(401).end();
      return;
    }
    store(body).then(
      (status) => response.writeHead(status).end(),
      (error: unknown) => {
        console.error(error);
        response.writeHead(503).end();
      },
    );
  });
});

server.listen(port, "127.0.0.1", () => console.log(`floor listening on 127.0.0.1:${port}`));
process.on("SIGTERM", () => server.close(() => void sql.end({ timeout: 5 }).then(() => process.exit(0))));
