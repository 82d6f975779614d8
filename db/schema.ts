import { sql } from "drizzle-orm";
import {
  type AnyPgColumn,
  boolean,
  check,
  foreignKey,
  index,
  integer,
  jsonb,
  pgEnum,
  pgPolicy,
  pgRole,
  pgTable,
  primaryKey,
  text,
  timestamp,
  unique,
  uniqueIndex,
  uuid,
} from "drizzle-orm/pg-core";

/**
 * The data model, top to bottom.
 *
 * Two kinds of table:
 * - platform tables (workspaces, users, phone-number routes, webhook deliveries,
 *   ingest items, login attempts) hold what must be looked up across workspaces;
 * - workspace-owned tables carry `tenant_id`, which leads their primary key and
 *   every unique key and foreign key between them (so the schema can be distributed
 *   by tenant), and row-level security restricts them to the tenant set by
 *   `withTenant`. `db/tenancy.test.ts` fails for a table that breaks these rules.
 */

/** The role tenant work runs as; created by migration 0000, never by drizzle-kit. */
export const tenantRole = pgRole("switchboard_tenant").existing();

const currentTenant = sql`nullif(current_setting('app.tenant_id', true), '')::uuid`;

function tenantIsolation() {
  return pgPolicy("tenant_isolation", {
    as: "permissive",
    for: "all",
    to: tenantRole,
    using: sql`tenant_id = ${currentTenant}`,
    withCheck: sql`tenant_id = ${currentTenant}`,
  });
}

const createdAt = () => timestamp("created_at", { withTimezone: true }).notNull().defaultNow();

// ---------------------------------------------------------------- platform

export const workspaces = pgTable("workspaces", {
  id: uuid("id").primaryKey().defaultRandom(),
  name: text("name").notNull(),
  slug: text("slug").notNull().unique(),
  createdAt: createdAt(),
});

export const users = pgTable(
  "users",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    email: text("email").notNull(),
    name: text("name").notNull(),
    passwordHash: text("password_hash").notNull(),
    /** When the owner of the address proved it (a verification or reset link); null until then. */
    emailVerifiedAt: timestamp("email_verified_at", { withTimezone: true }),
    /** Session tokens issued before this time are refused (sign out everywhere, a new password). */
    tokensValidAfter: timestamp("tokens_valid_after", { withTimezone: true }),
    createdAt: createdAt(),
  },
  (t) => [unique("users_email_key").on(t.email), check("users_email_lowercase", sql`${t.email} = lower(${t.email})`)],
);

export const userTokenPurpose = pgEnum("user_token_purpose", ["verify_email", "reset_password"]);

/**
 * A single-use link mailed to a user (verify the address, reset the password). Only a SHA-256
 * of the link's secret is stored; `email` is the address it was sent to, so a link outlives
 * no change of address.
 */
export const userTokens = pgTable(
  "user_tokens",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    purpose: userTokenPurpose("purpose").notNull(),
    email: text("email").notNull(),
    tokenHash: text("token_hash").notNull(),
    expiresAt: timestamp("expires_at", { withTimezone: true }).notNull(),
    usedAt: timestamp("used_at", { withTimezone: true }),
    createdAt: createdAt(),
  },
  (t) => [unique("user_tokens_hash_key").on(t.tokenHash), index("user_tokens_user_idx").on(t.userId, t.purpose)],
);

/** Mails sent on a stranger's request (sign-up, reset, resend), counted per address and per client. */
export const mailRequests = pgTable(
  "mail_requests",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    email: text("email").notNull(),
    ip: text("ip").notNull(),
    requestedAt: timestamp("requested_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index("mail_requests_email_idx").on(t.email, t.requestedAt), index("mail_requests_ip_idx").on(t.ip, t.requestedAt)],
);

/** phone_number_id → owning workspace: the one platform-wide uniqueness the webhook routes by. */
export const phoneNumberRoutes = pgTable("phone_number_routes", {
  phoneNumberId: text("phone_number_id").primaryKey(),
  workspaceId: uuid("workspace_id")
    .notNull()
    .references(() => workspaces.id, { onDelete: "cascade" }),
  createdAt: createdAt(),
});

/**
 * Which workspace a WhatsApp Business Account belongs to: the one whose token last proved
 * it (Graph listed the number in the WABA and our app is subscribed). One WABA, one workspace.
 */
export const wabaOwners = pgTable("waba_owners", {
  wabaId: text("waba_id").primaryKey(),
  workspaceId: uuid("workspace_id")
    .notNull()
    .references(() => workspaces.id, { onDelete: "cascade" }),
  provenAt: timestamp("proven_at", { withTimezone: true }).notNull().defaultNow(),
});

export const deliveryState = pgEnum("delivery_state", ["received", "processed", "failed", "ignored"]);

/** Every signed POST, stored raw before it is acknowledged. */
export const webhookDeliveries = pgTable(
  "webhook_deliveries",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    /** The body as received (UTF-8 text); `error` says when it had to be kept base64-encoded. */
    rawBody: text("raw_body").notNull(),
    /** SHA-256 of the raw bytes: Meta's redelivery of the same body is the same delivery. */
    bodySha256: text("body_sha256").notNull(),
    receivedAt: timestamp("received_at", { withTimezone: true }).notNull().defaultNow(),
    state: deliveryState("state").notNull().default("received"),
    attempts: integer("attempts").notNull().default(0),
    error: text("error"),
    processedAt: timestamp("processed_at", { withTimezone: true }),
  },
  (t) => [
    unique("webhook_deliveries_body_key").on(t.bodySha256),
    index("webhook_deliveries_pending_idx").on(t.receivedAt).where(sql`${t.state} in ('received', 'failed')`),
  ],
);

export const ingestItemStates = ["pending", "done", "unrouted", "quarantined"] as const;
export const ingestLanes = ["messages", "statuses", "fields"] as const;

/**
 * One event of a delivery (a message, a status, another field's event, or a part of the
 * envelope that could not be read), split off its delivery and routed (lib/ingest). A platform
 * table: `workspace_id` is the routed workspace, null while nobody owns the number or WABA.
 * The tenant role may read and update its own routed rows (migration 0013), so that applying
 * an item and marking it done commit in one tenant transaction.
 */
export const ingestItems = pgTable(
  "ingest_items",
  {
    /** Time-ordered (`uuid_v7()`, migration 0019): new rows land at the right edge of the primary key. */
    id: uuid("id").primaryKey().default(sql`uuid_v7()`),
    deliveryId: uuid("delivery_id")
      .notNull()
      .references(() => webhookDeliveries.id, { onDelete: "cascade" }),
    /** The item's place in its delivery: splitting the delivery again inserts nothing twice. */
    position: integer("position").notNull(),
    /** Where in the delivery it was, e.g. `entry[0].changes[1].value.messages[3]`. */
    path: text("path").notNull(),
    kind: text("kind", { enum: ["message", "status", "field", "envelope"] }).notNull(),
    lane: text("lane", { enum: ingestLanes }).notNull(),
    /** Account-level fields route by the WABA (`entry.id`), everything else by the phone number id. */
    routeBy: text("route_by", { enum: ["phone", "waba"] }).notNull(),
    phoneNumberId: text("phone_number_id"),
    wabaId: text("waba_id"),
    workspaceId: uuid("workspace_id").references(() => workspaces.id, { onDelete: "cascade" }),
    /** The routed workspace's `business_numbers` row for `phone_number_id`, when routed by it. */
    businessNumberId: uuid("business_number_id"),
    state: text("state", { enum: ingestItemStates }).notNull(),
    attempts: integer("attempts").notNull().default(0),
    runAt: timestamp("run_at", { withTimezone: true }).notNull().defaultNow(),
    lastError: text("last_error"),
    occurredAt: timestamp("occurred_at", { withTimezone: true }).notNull(),
    /** Meta's timestamp was not plausible Unix seconds: `occurred_at` is the delivery's receipt time. */
    timestampSubstituted: boolean("timestamp_substituted").notNull().default(false),
    /** The item's own JSON (lib/ingest/split.ts); null when it could not be stored (nested too deep). */
    body: jsonb("body"),
    doneAt: timestamp("done_at", { withTimezone: true }),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    unique("ingest_items_delivery_position_key").on(t.deliveryId, t.position),
    index("ingest_items_due_idx").on(t.workspaceId, t.lane, t.runAt).where(sql`${t.state} = 'pending'`),
    index("ingest_items_unrouted_number_idx").on(t.phoneNumberId).where(sql`${t.state} = 'unrouted'`),
    index("ingest_items_unrouted_waba_idx").on(t.wabaId).where(sql`${t.state} = 'unrouted'`),
    index("ingest_items_quarantined_idx").on(t.createdAt).where(sql`${t.state} = 'quarantined'`),
    check("ingest_items_state", sql`${t.state} in ('pending', 'done', 'unrouted', 'quarantined')`),
    pgPolicy("ingest_items_routed_workspace", {
      as: "permissive",
      for: "all",
      to: tenantRole,
      using: sql`workspace_id = ${currentTenant}`,
      withCheck: sql`workspace_id = ${currentTenant}`,
    }),
  ],
);

/** Sign-in attempts, kept in the database so throttling holds across app instances. */
export const loginAttempts = pgTable(
  "login_attempts",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    email: text("email").notNull(),
    ip: text("ip").notNull(),
    succeeded: boolean("succeeded").notNull(),
    attemptedAt: timestamp("attempted_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index("login_attempts_email_idx").on(t.email, t.attemptedAt), index("login_attempts_ip_idx").on(t.ip, t.attemptedAt)],
);

const liveJob = (state: AnyPgColumn) => sql`${state} in ('queued', 'running')`;

/**
 * Work that runs off a request (lib/jobs). A row exists while its job is queued, running
 * (leased until `locked_until`) or parked after its last attempt; a job that succeeds is
 * deleted. A job for a workspace carries its id in `payload` and its handler opens
 * `withTenant` itself, so the table holds no workspace's rows.
 */
export const jobs = pgTable(
  "jobs",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    queue: text("queue").notNull(),
    payload: jsonb("payload").notNull().default({}),
    /** At most one queued or running job per (queue, dedupe key); a parked one does not block a new one; NULL never conflicts. */
    dedupeKey: text("dedupe_key"),
    state: text("state", { enum: ["queued", "running", "parked"] }).notNull().default("queued"),
    runAt: timestamp("run_at", { withTimezone: true }).notNull().defaultNow(),
    attempts: integer("attempts").notNull().default(0),
    maxAttempts: integer("max_attempts").notNull(),
    lockedUntil: timestamp("locked_until", { withTimezone: true }),
    lockedBy: text("locked_by"),
    lastError: text("last_error"),
    lastFailedAt: timestamp("last_failed_at", { withTimezone: true }),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex("jobs_live_dedupe_key").on(t.queue, t.dedupeKey).where(liveJob(t.state)),
    index("jobs_ready_idx").on(t.queue, t.runAt).where(sql`${t.state} = 'queued'`),
    index("jobs_lease_idx").on(t.lockedUntil).where(sql`${t.state} = 'running'`),
    check("jobs_state", sql`${t.state} in ('queued', 'running', 'parked')`),
  ],
);

/** One row per periodic job: the next occurrence, claimed by exactly one instance. */
export const jobSchedules = pgTable("job_schedules", {
  name: text("name").primaryKey(),
  everySeconds: integer("every_seconds").notNull(),
  nextRunAt: timestamp("next_run_at", { withTimezone: true }).notNull(),
});

// ---------------------------------------------------------------- workspace-owned

const tenantId = () =>
  uuid("tenant_id")
    .notNull()
    .references(() => workspaces.id, { onDelete: "cascade" });
const id = () => uuid("id").notNull().defaultRandom();

export const memberRole = pgEnum("member_role", ["owner", "admin", "agent"]);

export const memberships = pgTable(
  "memberships",
  {
    tenantId: tenantId(),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    role: memberRole("role").notNull(),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.userId] }), index("memberships_user_idx").on(t.userId), tenantIsolation()],
);

export const businessNumbers = pgTable(
  "business_numbers",
  {
    tenantId: tenantId(),
    id: id(),
    phoneNumberId: text("phone_number_id").notNull(),
    displayNumber: text("display_number").notNull(),
    wabaId: text("waba_id").notNull(),
    label: text("label").notNull(),
    /** AES-256-GCM; null means a sandbox number that never calls Meta. */
    accessTokenEncrypted: text("access_token_encrypted"),
    accessTokenLast4: text("access_token_last4"),
    /** Set when Meta rejected the token (error 190); cleared when an admin replaces it. */
    accessTokenInvalidAt: timestamp("access_token_invalid_at", { withTimezone: true }),
    /** Removed numbers keep their conversations, read-only. */
    removedAt: timestamp("removed_at", { withTimezone: true }),
    /** As Graph last described the number (display number above too); null for sandbox numbers. */
    verifiedName: text("verified_name"),
    qualityRating: text("quality_rating"),
    messagingLimit: text("messaging_limit"),
    /** When Graph last confirmed this workspace's token sees the number and our app is subscribed; null: not proven. */
    verifiedAt: timestamp("verified_at", { withTimezone: true }),
    /** Whether the WABA's subscribed apps listed the platform's app at the last check; null: never checked. */
    appSubscribed: boolean("app_subscribed"),
    checkedAt: timestamp("checked_at", { withTimezone: true }),
    /** What the last check found wrong, in words for the admin; null when it found nothing. */
    checkProblem: text("check_problem"),
    /**
     * Meta's last `phone_number_quality_update` for this number (UPGRADE, DOWNGRADE, FLAGGED,
     * UNFLAGGED, ONBOARDING…) and when it happened; the limit it carried is in `messaging_limit`.
     */
    qualityEvent: text("quality_event"),
    qualityEventAt: timestamp("quality_event_at", { withTimezone: true }),
    createdAt: createdAt(),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.id] }),
    unique("business_numbers_phone_number_key").on(t.tenantId, t.phoneNumberId),
    tenantIsolation(),
  ],
);

export const contacts = pgTable(
  "contacts",
  {
    tenantId: tenantId(),
    id: id(),
    /** The customer's phone number as WhatsApp reports it; absent for username-only users. */
    waId: text("wa_id"),
    /** Meta's business-scoped user id (`user_id`). */
    userId: text("user_id"),
    /** The name the customer gave themselves on WhatsApp, as of the newest message that carried it. */
    profileName: text("profile_name"),
    /** WhatsApp's time of the message that carried `profile_name`: an older message never puts an old name back. */
    profileNameAt: timestamp("profile_name_at", { withTimezone: true }),
    /** The name the business gave the contact; shown instead of the profile name; ingest never writes it. */
    businessName: text("business_name"),
    /**
     * The customer's choice about marketing templates from `user_preferences`: `stop` or
     * `resume`, and when WhatsApp says they made it (the newer choice wins). Null: never told.
     */
    marketingPreference: text("marketing_preference"),
    marketingPreferenceAt: timestamp("marketing_preference_at", { withTimezone: true }),
    createdAt: createdAt(),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.id] }),
    unique("contacts_wa_id_key").on(t.tenantId, t.waId),
    unique("contacts_user_id_key").on(t.tenantId, t.userId),
    check("contacts_identified", sql`${t.waId} is not null or ${t.userId} is not null`),
    tenantIsolation(),
  ],
);

export const conversationStatus = pgEnum("conversation_status", ["open", "resolved"]);

export const conversations = pgTable(
  "conversations",
  {
    tenantId: tenantId(),
    id: id(),
    businessNumberId: uuid("business_number_id").notNull(),
    contactId: uuid("contact_id").notNull(),
    status: conversationStatus("status").notNull().default("open"),
    assigneeUserId: uuid("assignee_user_id").references(() => users.id, { onDelete: "set null" }),
    lastMessageAt: timestamp("last_message_at", { withTimezone: true }).notNull().defaultNow(),
    /** The customer's last message: WhatsApp's 24-hour window for free-form replies runs from here. */
    lastInboundAt: timestamp("last_inbound_at", { withTimezone: true }),
    unreadCount: integer("unread_count").notNull().default(0),
    createdAt: createdAt(),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.id] }),
    unique("conversations_number_contact_key").on(t.tenantId, t.businessNumberId, t.contactId),
    foreignKey({
      name: "conversations_business_number_fk",
      columns: [t.tenantId, t.businessNumberId],
      foreignColumns: [businessNumbers.tenantId, businessNumbers.id],
    }),
    foreignKey({
      name: "conversations_contact_fk",
      columns: [t.tenantId, t.contactId],
      foreignColumns: [contacts.tenantId, contacts.id],
    }),
    index("conversations_activity_idx").on(t.tenantId, t.lastMessageAt.desc(), t.id.desc()),
    // The inbox list, one index per filter. Under row-level security Postgres will not use a
    // non-leakproof operator (enum equality is one) as an index condition, so the status
    // lives in each index's predicate, and queries must spell it as a literal.
    ...(["open", "resolved"] as const).flatMap((status) => {
      const when = sql`${t.status} = ${sql.raw(`'${status}'`)}`;
      return [
        index(`conversations_${status}_activity_idx`).on(t.tenantId, t.lastMessageAt.desc(), t.id.desc()).where(when),
        index(`conversations_${status}_assignee_idx`)
          .on(t.tenantId, t.assigneeUserId, t.lastMessageAt.desc(), t.id.desc())
          .where(when),
        index(`conversations_${status}_number_idx`)
          .on(t.tenantId, t.businessNumberId, t.lastMessageAt.desc(), t.id.desc())
          .where(when),
      ];
    }),
    index("conversations_contact_idx").on(t.tenantId, t.contactId),
    tenantIsolation(),
  ],
);

/**
 * A conversation merged into another when its contact turned out to be the same person
 * (lib/contacts/merge.ts): links to the old id keep leading to the survivor. Always one hop:
 * a merge re-points the redirects that led to the conversation it removes.
 */
export const conversationMerges = pgTable(
  "conversation_merges",
  {
    tenantId: tenantId(),
    mergedId: uuid("merged_id").notNull(),
    survivorId: uuid("survivor_id").notNull(),
    mergedAt: timestamp("merged_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.mergedId] }),
    foreignKey({
      name: "conversation_merges_survivor_fk",
      columns: [t.tenantId, t.survivorId],
      foreignColumns: [conversations.tenantId, conversations.id],
    }).onDelete("cascade"),
    index("conversation_merges_survivor_idx").on(t.tenantId, t.survivorId),
    tenantIsolation(),
  ],
);

export const messageDirection = pgEnum("message_direction", ["inbound", "outbound", "event"]);
/**
 * Outbound delivery state. `sandbox` is final: the number has no access token, so the
 * message was stored and shown but never handed to Meta.
 */
export const deliveryStatus = pgEnum("delivery_status", ["pending", "sent", "delivered", "read", "failed", "sandbox"]);

/** Stored with a fifth of each page free (fillfactor 80, migration 0018): room for the status updates that follow a send. */
export const messages = pgTable(
  "messages",
  {
    tenantId: tenantId(),
    id: id(),
    conversationId: uuid("conversation_id").notNull(),
    direction: messageDirection("direction").notNull(),
    /** WhatsApp's message id; outbound messages get theirs when Meta accepts them. */
    wamid: text("wamid"),
    type: text("type").notNull(),
    /** Readable summary: the text, a caption, a button title, a location name. */
    text: text("text"),
    /** The message object exactly as Meta sent it (inbound) or as we sent it (outbound). */
    payload: jsonb("payload").notNull(),
    status: deliveryStatus("status"),
    error: jsonb("error"),
    /** WhatsApp's timestamp for the message. */
    sentAt: timestamp("sent_at", { withTimezone: true }).notNull(),
    receivedAt: timestamp("received_at", { withTimezone: true }).notNull().defaultNow(),
    replyToWamid: text("reply_to_wamid"),
    authorUserId: uuid("author_user_id").references(() => users.id, { onDelete: "set null" }),
    /** An outbound message typed in the WhatsApp Business app on a coexistence number (`smb_message_echoes`). */
    fromBusinessApp: boolean("from_business_app").notNull().default(false),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.id] }),
    unique("messages_wamid_key").on(t.tenantId, t.wamid),
    foreignKey({
      name: "messages_conversation_fk",
      columns: [t.tenantId, t.conversationId],
      foreignColumns: [conversations.tenantId, conversations.id],
    }),
    index("messages_thread_idx").on(t.tenantId, t.conversationId, t.sentAt.desc(), t.id.desc()),
    // The newest reaction per (reacted-to message, side), found without reading the thread.
    index("messages_reactions_idx")
      .on(t.tenantId, t.replyToWamid, t.direction, t.sentAt.desc(), t.receivedAt.desc(), t.id.desc())
      .where(sql`${t.type} = 'reaction'`),
    // Search walks a workspace's newest messages first (switchboard_search_messages); its
    // trigram index on the folded text is hand-written in the inbox_search migration.
    index("messages_recent_idx")
      .on(t.tenantId, t.sentAt.desc(), t.id.desc())
      .where(sql`${t.type} <> 'reaction'`),
    tenantIsolation(),
  ],
);

/** Each (wamid, status) Meta reported, once; kept even for wamids we do not know. */
export const messageStatuses = pgTable(
  "message_statuses",
  {
    tenantId: tenantId(),
    wamid: text("wamid").notNull(),
    status: text("status").notNull(),
    occurredAt: timestamp("occurred_at", { withTimezone: true }).notNull(),
    payload: jsonb("payload").notNull(),
    receivedAt: timestamp("received_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.wamid, t.status] }), tenantIsolation()],
);

/**
 * What happened in a workspace, written in the transaction that made the change (with its
 * pg_notify, lib/realtime/events.ts): the outbox later consumers (integrations, notifications)
 * read, committed exactly when the change is.
 */
export const outboxEvents = pgTable(
  "outbox_events",
  {
    tenantId: tenantId(),
    id: id(),
    type: text("type").notNull(),
    conversationId: uuid("conversation_id").notNull(),
    messageId: uuid("message_id"),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.id] }), index("outbox_events_created_idx").on(t.tenantId, t.createdAt), tenantIsolation()],
);

export const auditLog = pgTable(
  "audit_log",
  {
    tenantId: tenantId(),
    id: id(),
    actorUserId: uuid("actor_user_id").references(() => users.id, { onDelete: "set null" }),
    action: text("action").notNull(),
    target: text("target"),
    details: jsonb("details"),
    createdAt: createdAt(),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.id] }),
    index("audit_log_recent_idx").on(t.tenantId, t.createdAt.desc()),
    tenantIsolation(),
  ],
);

export const invitationRole = pgEnum("invitation_role", ["admin", "agent"]);

/**
 * A single-use invitation to join the workspace. Only a SHA-256 of the link's secret is
 * stored; the link itself is shown once, to the admin who created it.
 */
export const invitations = pgTable(
  "invitations",
  {
    tenantId: tenantId(),
    id: id(),
    email: text("email").notNull(),
    role: invitationRole("role").notNull(),
    tokenHash: text("token_hash").notNull(),
    invitedByUserId: uuid("invited_by_user_id").references(() => users.id, { onDelete: "set null" }),
    expiresAt: timestamp("expires_at", { withTimezone: true }).notNull(),
    acceptedAt: timestamp("accepted_at", { withTimezone: true }),
    acceptedByUserId: uuid("accepted_by_user_id").references(() => users.id, { onDelete: "set null" }),
    revokedAt: timestamp("revoked_at", { withTimezone: true }),
    createdAt: createdAt(),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.id] }),
    check("invitations_email_lowercase", sql`${t.email} = lower(${t.email})`),
    tenantIsolation(),
  ],
);

/**
 * The workspace's WhatsApp message templates, per WhatsApp Business Account, whatever their
 * status: the sync writes Meta's list, `message_template_status_update` and
 * `message_template_quality_update` keep it current between syncs. Only APPROVED ones that
 * a sync has described (`synced_at` set) can be sent. A template Meta no longer lists is
 * deleted at the next sync.
 */
export const messageTemplates = pgTable(
  "message_templates",
  {
    tenantId: tenantId(),
    id: id(),
    wabaId: text("waba_id").notNull(),
    /** Meta's id for the template. */
    metaTemplateId: text("meta_template_id").notNull(),
    name: text("name").notNull(),
    language: text("language").notNull(),
    category: text("category").notNull(),
    /** HEADER / BODY / FOOTER / BUTTONS as Meta returned them, placeholders included; empty until a sync. */
    components: jsonb("components").notNull().default([]),
    /** Meta's status: APPROVED, PAUSED, REJECTED, DISABLED, PENDING, IN_APPEAL, ARCHIVED… */
    status: text("status").notNull().default("APPROVED"),
    /** The webhook event that last spoke about the template (may be FLAGGED, LOCKED… which leave the status alone). */
    statusEvent: text("status_event"),
    /** Meta's `reason` (INVALID_FORMAT, SCAM…) and `other_info` / `disable_info`, in Meta's words. */
    statusReason: text("status_reason"),
    statusDetail: text("status_detail"),
    /** When the status last changed, by Meta's clock (webhook) or ours (sync): an older event never overwrites it. */
    statusAt: timestamp("status_at", { withTimezone: true }),
    /** GREEN / YELLOW / RED / UNKNOWN from `message_template_quality_update`. */
    qualityScore: text("quality_score"),
    qualityAt: timestamp("quality_at", { withTimezone: true }),
    /** Null for a template only a webhook has told us about: it waits for a sync before it can be sent. */
    syncedAt: timestamp("synced_at", { withTimezone: true }),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.id] }),
    unique("message_templates_waba_name_language_key").on(t.tenantId, t.wabaId, t.name, t.language),
    tenantIsolation(),
  ],
);

/**
 * What Meta said about a WhatsApp Business Account or its numbers (`account_update`,
 * `account_alerts`), for the workspace's admins: restrictions with their expiry, alerts
 * with severity and status. Each event once (`dedupe_key` hashes the field and the value).
 */
export const accountNotices = pgTable(
  "account_notices",
  {
    tenantId: tenantId(),
    id: id(),
    wabaId: text("waba_id").notNull(),
    field: text("field").notNull(),
    dedupeKey: text("dedupe_key").notNull(),
    /** `event` of account_update, `alert_type` of account_alerts. */
    kind: text("kind").notNull(),
    /** The display number or Meta's entity id the notice is about, when it names one. */
    subject: text("subject"),
    /** account_alerts: CRITICAL, WARNING, INFORMATIONAL, and ACTIVE / NONE. */
    severity: text("severity"),
    alertStatus: text("alert_status"),
    description: text("description"),
    /** account_update restrictions: `[{ type, expiresAt }]`. */
    restrictions: jsonb("restrictions").$type<{ type: string; expiresAt: string | null }[]>(),
    payload: jsonb("payload").notNull(),
    occurredAt: timestamp("occurred_at", { withTimezone: true }).notNull(),
    receivedAt: timestamp("received_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.id] }),
    unique("account_notices_dedupe_key").on(t.tenantId, t.dedupeKey),
    index("account_notices_recent_idx").on(t.tenantId, t.occurredAt.desc()),
    tenantIsolation(),
  ],
);

/**
 * Customer-level field events already applied (`user_preferences`, `smb_message_echoes`), by a
 * hash of their content: the same event in a differently encoded delivery is a new item, and
 * after a number change it would no longer find its contact by the number it names.
 */
export const appliedFieldEvents = pgTable(
  "applied_field_events",
  {
    tenantId: tenantId(),
    eventKey: text("event_key").notNull(),
    appliedAt: timestamp("applied_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.eventKey] }), tenantIsolation()],
);

export type Workspace = typeof workspaces.$inferSelect;
export type User = typeof users.$inferSelect;
export type Membership = typeof memberships.$inferSelect;
export type BusinessNumber = typeof businessNumbers.$inferSelect;
export type Contact = typeof contacts.$inferSelect;
export type Conversation = typeof conversations.$inferSelect;
export type Message = typeof messages.$inferSelect;
export type ConversationMerge = typeof conversationMerges.$inferSelect;
export type WebhookDelivery = typeof webhookDeliveries.$inferSelect;
export type Invitation = typeof invitations.$inferSelect;
export type AuditEntry = typeof auditLog.$inferSelect;
export type MessageTemplate = typeof messageTemplates.$inferSelect;
export type AccountNotice = typeof accountNotices.$inferSelect;
