import { drizzle } from "drizzle-orm/postgres-js";
import postgres from "postgres";
import type { Database } from "@/db/client";
import { migrateDatabase } from "@/db/migrate";
import * as schema from "@/db/schema";
import { createPostgresDatabase, databaseUrl, dropPostgresDatabase } from "@/testing/db/databases";
import { generateInboxDataset } from "@/testing/db/inbox-dataset";

/**
 * The inbox benchmark's databases: many workspaces, one of them big, generated in SQL by
 * testing/db/inbox-dataset.ts (the same rows, columns and indexes real ingest leaves), and
 * kept between runs: generating 5M messages takes minutes, so a database that is complete
 * (its comment names the scale) is reused unless `regenerate` is asked for.
 */
export type Scale = {
  label: string;
  database: string;
  workspaces: number;
  /** The big workspace's conversations; it is workspace 0 (slug `bench-0000`). */
  bigConversations: number;
  messagesPerConversation: number;
  /** Messages in all workspaces together, before the long thread. */
  totalMessages: number;
  /** One conversation of the big workspace with this many messages, for paging a thread. */
  longThreadMessages: number;
};

export const scales = {
  onePercent: {
    label: "1 %",
    database: "switchboard_bench_inbox_1pct",
    workspaces: 10,
    bigConversations: 1_000,
    messagesPerConversation: 10,
    totalMessages: 50_000,
    longThreadMessages: 500,
  },
  full: {
    label: "100 %",
    database: "switchboard_bench_inbox_full",
    workspaces: 1_000,
    bigConversations: 100_000,
    messagesPerConversation: 10,
    totalMessages: 5_000_000,
    longThreadMessages: 500,
  },
} satisfies Record<string, Scale>;

export const bigWorkspaceSlug = "bench-0000";

/** The newest activity in every generated workspace: fixed, so runs are comparable. */
const now = new Date("2026-11-01T12:00:00Z");

/** The big workspace's long thread: open (rank % 4 ≠ 0), a third of the way down the list. */
export function longThreadRank(scale: Scale): number {
  return Math.floor(scale.bigConversations / 3);
}

export function expectedMessages(scale: Scale): number {
  return scale.totalMessages - scale.messagesPerConversation + scale.longThreadMessages;
}

/**
 * Raised whenever testing/db/inbox-dataset.ts generates different rows, so that a kept
 * database made by an older generator is not measured as if it were this one.
 */
const generatorVersion = 2;

function signature(scale: Scale): string {
  const { workspaces, bigConversations, messagesPerConversation, totalMessages, longThreadMessages } = scale;
  const shape = { generatorVersion, workspaces, bigConversations, messagesPerConversation, totalMessages, longThreadMessages };
  return `switchboard inbox bench: ${JSON.stringify(shape)}`;
}

/** Conversations of the other workspaces, so that all of them hold `totalMessages` together. */
function otherConversations(scale: Scale, index: number): number {
  const conversations = (scale.totalMessages - scale.bigConversations * scale.messagesPerConversation) / scale.messagesPerConversation;
  const others = scale.workspaces - 1;
  return Math.floor(conversations / others) + (index - 1 < conversations % others ? 1 : 0);
}

export type Dataset = { url: string; generatedSeconds: number | null };

/** The scale's database, generated unless an identical complete one exists. */
export async function ensureDataset(serverUrl: string, scale: Scale, regenerate: boolean): Promise<Dataset> {
  const url = databaseUrl(serverUrl, scale.database);
  if (!regenerate && (await isComplete(serverUrl, scale))) {
    await migrate(url);
    return { url, generatedSeconds: null };
  }
  const started = performance.now();
  await dropPostgresDatabase(serverUrl, scale.database);
  await createPostgresDatabase(serverUrl, scale.database);
  await migrate(url);
  const client = postgres(url, { max: 1, onnotice: () => {} });
  try {
    await generate(client, drizzle(client, { schema }) as unknown as Database, scale);
  } finally {
    await client.end({ timeout: 5 });
  }
  return { url, generatedSeconds: (performance.now() - started) / 1000 };
}

/** Migrations a kept database has not seen yet (a new index, say) are applied before measuring. */
async function migrate(url: string): Promise<void> {
  const client = postgres(url, { max: 1, onnotice: () => {} });
  const db = drizzle(client, { schema }) as unknown as Database;
  try {
    await migrateDatabase({ db, kind: "postgres", url, listen: async () => async () => {}, close: async () => {} });
  } finally {
    await client.end({ timeout: 5 });
  }
}

/** Marked complete by the last step of generation, and holding the rows the scale asks for. */
async function isComplete(serverUrl: string, scale: Scale): Promise<boolean> {
  const server = postgres(serverUrl, { max: 1, onnotice: () => {} });
  try {
    const [row] = await server<{ comment: string | null }[]>`
      select shobj_description(oid, 'pg_database') as comment from pg_database where datname = ${scale.database}`;
    if (row?.comment !== signature(scale)) return false;
  } finally {
    await server.end({ timeout: 5 });
  }
  const client = postgres(databaseUrl(serverUrl, scale.database), { max: 1, onnotice: () => {} });
  try {
    const [counts] = await client<{ workspaces: number; messages: number; big: number }[]>`
      select (select count(*)::int from workspaces) as workspaces,
             (select count(*)::int from messages) as messages,
             (select count(*)::int from conversations c join workspaces w on w.id = c.tenant_id
               where w.slug = ${bigWorkspaceSlug}) as big`;
    return (
      counts?.workspaces === scale.workspaces &&
      counts.messages === expectedMessages(scale) &&
      counts.big === scale.bigConversations
    );
  } finally {
    await client.end({ timeout: 5 });
  }
}

/**
 * Platform rows (workspaces, members, numbers and their routes) in a few set-based
 * statements, then each workspace's inbox through generateInboxDataset. The three inbox
 * tables' secondary indexes are dropped first and rebuilt afterwards from their own
 * definitions (pg_indexes), which is several times faster than maintaining them row by
 * row and leaves exactly the indexes the migrations made; primary keys, unique keys and
 * foreign keys stay in force throughout.
 */
async function generate(client: postgres.Sql, db: Database, scale: Scale): Promise<void> {
  await client`set synchronous_commit = off`;
  await client`set maintenance_work_mem = '1GB'`;
  await client`
    insert into workspaces (name, slug)
    select case when w = 0 then 'Bench big' else 'Bench ' || w end, 'bench-' || lpad(w::text, 4, '0')
    from generate_series(0, ${scale.workspaces - 1}::int) w`;
  await client`
    insert into users (email, name, password_hash)
    select 'agent' || a || '@' || slug || '.example.test', (array['Ana', 'Bob', 'Chen', 'Dee', 'Eli'])[a] || ' ' || name, 'not-a-real-hash'
    from workspaces cross join generate_series(1, 5) a`;
  await client`
    insert into memberships (tenant_id, user_id, role)
    select w.id, u.id, case when u.email like 'agent1@%' then 'owner'::member_role else 'agent'::member_role end
    from workspaces w join users u on split_part(u.email, '@', 2) = w.slug || '.example.test'`;
  await client`
    insert into phone_number_routes (phone_number_id, workspace_id)
    select '9' || lpad(substr(slug, 7), 6, '0') || '00000' || n, id from workspaces cross join generate_series(1, 2) n`;
  await client`
    insert into business_numbers (tenant_id, phone_number_id, display_number, waba_id, label)
    select workspace_id, phone_number_id, '+' || phone_number_id, '1044',
           case when right(phone_number_id, 1) = '1' then 'Sales' else 'Support' end
    from phone_number_routes`;

  const secondary = await client<{ name: string; definition: string }[]>`
    select indexname as name, indexdef as definition from pg_indexes
    where schemaname = current_schema() and tablename in ('contacts', 'conversations', 'messages')
      and indexname not in (select conname from pg_constraint)`;
  for (const index of secondary) await client.unsafe(`drop index "${index.name}"`);

  const workspaces = await client<{ id: string; index: number }[]>`
    select id, substr(slug, 7)::int as index from workspaces order by slug`;
  for (const workspace of workspaces) {
    const numbers = await client<{ id: string }[]>`
      select id from business_numbers where tenant_id = ${workspace.id} order by phone_number_id`;
    const members = await client<{ id: string }[]>`
      select u.id from memberships m join users u on u.id = m.user_id where m.tenant_id = ${workspace.id} order by u.email`;
    await db.transaction((tx) =>
      generateInboxDataset(tx, {
        tenantId: workspace.id,
        numberIds: numbers.map((n) => n.id),
        memberIds: members.map((m) => m.id),
        conversations: workspace.index === 0 ? scale.bigConversations : otherConversations(scale, workspace.index),
        messagesPerConversation: scale.messagesPerConversation,
        seed: 100 + workspace.index,
        now,
        longThread: workspace.index === 0 ? { rank: longThreadRank(scale), messages: scale.longThreadMessages } : undefined,
      }),
    );
  }

  for (const index of secondary) await client.unsafe(index.definition);
  await client`vacuum analyze`;
  await client.unsafe(`comment on database "${scale.database}" is '${signature(scale)}'`);
}
