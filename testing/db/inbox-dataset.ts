import { sql } from "drizzle-orm";
import type { Tx } from "@/db/client";

/**
 * A realistic inbox at scale, generated in SQL (generate_series), for plans and
 * benchmarks: contacts with accented names, conversations spread over numbers, statuses
 * and assignees, and threads mixing languages, media, replies and reactions, all stored
 * as "Messages: how each kind is stored" says. Run it on the platform connection
 * (withPlatform): row-level security is not the point here, speed is.
 *
 * Each message text ends with a unique order code (#<conversation>-<n>), so searches for a
 * unique term and for common words ("pedido") can both be measured; one message in a
 * hundred is one of `uncommonPhrases` instead, for a word ("licuadora", 1 message in 200)
 * that is too scarce to fill a page of 20 from the 2,000 newest messages but fills one from
 * the whole history even in a workspace of 10,000 messages, so that a search for it does
 * the same work, and returns the same rows, at any scale.
 */
export type InboxDatasetOptions = {
  tenantId: string;
  numberIds: string[];
  /** Assignees; a fifth of conversations stay unassigned. */
  memberIds: string[];
  conversations: number;
  messagesPerConversation: number;
  /** One conversation, the `rank`-th most recently active, with this many messages instead. */
  longThread?: { rank: number; messages: number };
  /** Keeps wa_ids unique when several workspaces are generated. */
  seed: number;
  /** The newest activity; older conversations go back from here. */
  now?: Date;
};

const phrases = [
  "¿Dónde está mi pedido?",
  "Hola, ¿tienen envío hoy?",
  "Mi pedido llegó incompleto",
  "Gracias, todo perfecto",
  "Can I change the delivery address?",
  "The package arrived damaged",
  "What time do you open on Saturday?",
  "Olá, preciso da segunda via da fatura",
  "Quero cancelar a assinatura",
  "Où est ma commande ?",
  "Je voudrais un remboursement",
  "Necesito factura con RFC",
  "¿Aceptan pago en efectivo?",
  "Thanks for the quick reply!",
  "Where can I track my order?",
  "Ya hice la transferencia",
];
/** Together one message in 100; "licuadora" one in 200, at any scale. */
const uncommonPhrases = [
  "La licuadora no enciende",
  "¿Hacen envíos a Groenlandia?",
  "Perdí el código de garantía",
  "The espresso grinder is squeaking",
];
const firstNames = ["María", "José", "Ana", "Luis", "Zoë", "Renée", "João", "Chloé", "Ömer", "Iñaki", "Mira", "Sam", "Priya", "Kenji", "Fatima", "Noah"];
const lastNames = ["Ruiz", "Pérez", "García", "Müller", "Núñez", "Silva", "Dubois", "Kowalski", "O'Brien", "Søndergaard", "Tanaka", "Khan"];

const textArray = (values: string[]) => sql`array[${sql.join(values.map((v) => sql`${v}::text`), sql`, `)}]`;
const uuidArray = (values: string[]) => sql`array[${sql.join(values.map((v) => sql`${v}::uuid`), sql`, `)}]::uuid[]`;

export async function generateInboxDataset(tx: Tx, options: InboxDatasetOptions): Promise<void> {
  const { tenantId, numberIds, memberIds, conversations, messagesPerConversation, seed } = options;
  const now = (options.now ?? new Date()).toISOString();
  const numbers = uuidArray(numberIds);
  const members = memberIds.length > 0 ? uuidArray(memberIds) : sql`array[]::uuid[]`;
  const longRank = options.longThread?.rank ?? 0;
  const longMessages = options.longThread?.messages ?? messagesPerConversation;

  await tx.execute(sql`
    insert into contacts (tenant_id, wa_id, profile_name, created_at)
    select ${tenantId}::uuid,
           (${seed}::bigint * 100000000 + g)::text,
           (${textArray(firstNames)})[1 + g % ${firstNames.length}] || ' ' || (${textArray(lastNames)})[1 + (g / ${firstNames.length}) % ${lastNames.length}],
           ${now}::timestamptz - g * interval '1 minute'
    from generate_series(1, ${conversations}::int) g`);

  // One conversation per contact; the n-th most recent contact is the n-th most recent
  // conversation. Status (n % 4), assignee (n % 5) and number (n / 4) vary independently,
  // so every filter combination has rows.
  await tx.execute(sql`
    insert into conversations (tenant_id, business_number_id, contact_id, status, assignee_user_id,
                               last_message_at, last_inbound_at, unread_count, created_at)
    select c.tenant_id,
           (${numbers})[1 + (n / 4) % cardinality(${numbers})],
           c.id,
           case when n % 4 = 0 then 'resolved'::conversation_status else 'open'::conversation_status end,
           case when n % 5 = 0 or cardinality(${members}) = 0 then null else (${members})[1 + n % greatest(cardinality(${members}), 1)] end,
           ${now}::timestamptz - n * interval '37 seconds',
           ${now}::timestamptz - n * interval '37 seconds',
           case when n % 4 = 0 then 0 else n % 3 end,
           ${now}::timestamptz - n * interval '37 seconds' - interval '1 day'
    from (select id, tenant_id, (wa_id::bigint - ${seed}::bigint * 100000000)::int as n
          from contacts where tenant_id = ${tenantId}::uuid) c`);

  // Message k of a conversation with K messages is sent (K - k) * 3 minutes before its last
  // activity; every 9th is a reaction to the one before it, every 11th an image, every 7th
  // replies to the one before it.
  await tx.execute(sql`
    insert into messages (tenant_id, conversation_id, direction, wamid, type, text, payload, status,
                          sent_at, received_at, reply_to_wamid)
    select v.tenant_id, v.id,
           case when k % 2 = 0 then 'outbound'::message_direction else 'inbound'::message_direction end,
           'wamid.' || v.id || '.' || k,
           kind,
           case when kind = 'reaction' then '👍'
                when kind = 'image' then 'Foto del paquete #' || v.n || '-' || k
                when (v.n * 31 + k * 17) % 100 = 0 then (${textArray(uncommonPhrases)})[1 + (v.n + k) % ${uncommonPhrases.length}] || ' #' || v.n || '-' || k
                else (${textArray(phrases)})[1 + (v.n * 7 + k) % ${phrases.length}] || ' #' || v.n || '-' || k end,
           jsonb_build_object('type', kind),
           case when k % 2 = 0 then (case when k % 13 = 0 then 'failed' else 'read' end)::delivery_status end,
           v.last_message_at - (len.total - k) * interval '3 minutes',
           v.last_message_at - (len.total - k) * interval '3 minutes',
           case when kind = 'reaction' or k % 7 = 0 then 'wamid.' || v.id || '.' || (k - 1) end
    from (select id, tenant_id, last_message_at, row_number() over (order by last_message_at desc) as n
          from conversations where tenant_id = ${tenantId}::uuid) v
    cross join lateral (select case when v.n = ${longRank}::int then ${longMessages}::int
                                    else ${messagesPerConversation}::int end as total) len
    cross join lateral generate_series(1, len.total) k
    cross join lateral (select case when k % 9 = 0 and k < len.total then 'reaction'
                                    when k % 11 = 0 then 'image' else 'text' end as kind) t`);
}
