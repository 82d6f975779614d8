import { randomUUID } from "node:crypto";
import { eq, sql } from "drizzle-orm";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { withPlatform } from "@/db/platform";
import { messageTemplates, messages, workspaces } from "@/db/schema";
import { withTenant } from "@/db/tenant";
import { createTestConversation, createTestMember, createTestMessage, createTestNumber } from "@/testing/db/factories";
import { signUp } from "@/lib/workspace/signup";
import { env } from "@/lib/config/env";
import { streamReader } from "@/testing/realtime";
import { formData, rendered } from "@/testing/expect-next";
import { actAs } from "@/testing/next-request";
import { deliver, messageByWamid } from "@/testing/webhook";
import { createInvitation } from "@/lib/workspace/invitations";
import { addNumber } from "@/lib/workspace/numbers";
import { fixtureJson } from "@/testing/fixtures";
import { fakeGraphPerFile } from "@/testing/fake-graph-per-file";
import { simulatedTextDelivery } from "@/testing/simulated-delivery";
import { queueAction } from "@/app/w/[slug]/inbox/actions";
import ThreadPage from "@/app/w/[slug]/inbox/[conversationId]/page";
import { deleteWorkspaceAction, renameWorkspaceAction, transferOwnershipAction } from "@/app/w/[slug]/settings/actions";
import { changeRoleAction, inviteMemberAction, removeMemberAction, revokeInvitationAction } from "@/app/w/[slug]/settings/members/actions";
import { addNumberAction, removeNumberAction, updateNumberAction } from "@/app/w/[slug]/settings/numbers/actions";
import { GET as composerRoute } from "./conversations/[conversationId]/composer/route";
import { GET as messagesRoute } from "./conversations/[conversationId]/messages/route";
import { POST as repliesRoute } from "./conversations/[conversationId]/replies/route";
import { POST as readRoute } from "./conversations/[conversationId]/read/route";
import { GET as conversationRoute } from "./conversations/[conversationId]/route";
import { POST as templateMessagesRoute } from "./conversations/[conversationId]/template-messages/route";
import { GET as listRoute } from "./conversations/route";
import { GET as eventsRoute } from "./events/route";
import { GET as meRoute } from "./me/route";
import { GET as mediaRoute } from "./messages/[messageId]/media/route";
import { POST as retryRoute } from "./messages/[messageId]/retry/route";
import { GET as searchRoute } from "./search/route";
import { POST as syncRoute } from "./templates/sync/route";

vi.mock("next/headers", () => import("@/testing/next-request"));
vi.mock("next/cache", () => import("@/testing/next-cache"));

/**
 * Reliability suite f, the isolation attack list: members of workspace A aim every
 * /api/w/[slug] route and every workspace server action at workspace B — B's slug, B's ids
 * under A's slug, SQL-injection strings in every search, filter and settings field — and
 * the webhook is handed B-number deliveries about A's messages. Counted: a leak is any
 * answer carrying B's data, any 5xx or unexpected throw, any change to B's rows, or a
 * foreign id answered with anything but 404.
 */
type Side = Awaited<ReturnType<typeof workspace>>;
let a: Side;
let b: Side;

/** Strings only B's data contains: finding one in an answer to A is a leak. */
const canaries = ["Bruno Canaryname", "bravo-canary-message", "bravo_canary_template", "canary-invitee@bravo.test", "Bravo canary line", "EAAG-bravo-canary-token-0042", "Bravo Canary Co"];

async function workspace(name: string, phoneNumberId: string, options: { token?: string; label: string; customer: string; text: string; template: string; invitee: string }) {
  const owner = await signUp({ name: `${name} Owner`, email: `${name.toLowerCase()}-owner@isolation.test`, password: `${name}-password-1`, workspaceName: name }, { emailVerified: true });
  const tenantId = owner.workspace.id;
  const actor = { tenantId, userId: owner.user.id, role: "owner" as const };
  const agent = await createTestMember(tenantId, "agent", `${name} Agent`);
  const number = options.token
    ? await addNumber({ actor }, { phoneNumberId, label: options.label, displayNumber: `+${phoneNumberId}`, wabaId: "104400000000009", accessToken: options.token })
    : await createTestNumber(tenantId, phoneNumberId, options.label);
  const { conversation, contact } = await createTestConversation(tenantId, { numberId: number.id, name: options.customer, waId: `52155${phoneNumberId.slice(-8)}` });
  const inbound = await createTestMessage(tenantId, conversation.id, { direction: "inbound", text: options.text });
  const outboundWamid = `wamid.OUT.${name}.${randomUUID()}`;
  const failed = await createTestMessage(tenantId, conversation.id, {
    direction: "outbound",
    text: `${options.text} (reply)`,
    wamid: outboundWamid,
    status: "failed",
    error: { code: 131000, title: "Something went wrong" },
    payload: { messaging_product: "whatsapp", to: contact.waId, type: "text", text: { body: `${options.text} (reply)` } },
  });
  const image = await createTestMessage(tenantId, conversation.id, {
    direction: "inbound",
    type: "image",
    text: null,
    payload: { type: "image", image: { id: "1234567890", mime_type: "image/jpeg" } },
  });
  const [template] = await withTenant(tenantId, (tx) =>
    tx
      .insert(messageTemplates)
      .values({ tenantId, wabaId: "104400000000009", metaTemplateId: `88${phoneNumberId}`, name: options.template, language: "es_MX", category: "UTILITY", components: [{ type: "BODY", text: "Pedido {{1}}" }], syncedAt: new Date() })
      .returning(),
  );
  const invitation = await withTenant(tenantId, (tx) => createInvitation({ tx, actor }, { email: options.invitee, role: "agent" }));
  return {
    slug: owner.workspace.slug,
    id: tenantId,
    ownerId: owner.user.id,
    agentId: agent.id,
    numberId: number.id,
    phoneNumberId,
    conversationId: conversation.id,
    inboundId: inbound.id,
    failedId: failed.id,
    outboundWamid,
    imageId: image.id,
    templateId: template!.id,
    invitationId: invitation.id,
  };
}

// Attacks that set A's own access token make A's replies real sends: Meta is the fake.
const graph = fakeGraphPerFile({ viaEnv: true, resetAfterEach: false });

beforeAll(async () => {
  graph.grant({ token: "EAAG-bravo-canary-token-0042", wabaId: "104400000000009", phoneNumberIds: ["520000000000001"] });
  a = await workspace("Alpha", "510000000000001", { label: "Alpha line", customer: "Alma Customer", text: "alpha-message", template: "alpha_template", invitee: "invitee@alpha.test" });
  b = await workspace("Bravo Canary Co", "520000000000001", {
    token: "EAAG-bravo-canary-token-0042",
    label: "Bravo canary line",
    customer: "Bruno Canaryname",
    text: "bravo-canary-message",
    template: "bravo_canary_template",
    invitee: "canary-invitee@bravo.test",
  });
});

/** Every row of B in every workspace-owned table, plus B's platform rows. */
async function snapshotOfB() {
  return withPlatform(async (tx) => {
    // PGlite answers raw SQL with { rows }, postgres.js with the rows themselves.
    const rowsOf = (result: unknown) => ((result as { rows?: unknown[] }).rows ?? result) as Record<string, unknown>[];
    const tables = rowsOf(
      await tx.execute(sql`select table_name from information_schema.columns where table_schema = 'public' and column_name = 'tenant_id' order by table_name`),
    );
    const rows: Record<string, unknown> = {};
    for (const { table_name } of tables) {
      rows[String(table_name)] = rowsOf(await tx.execute(sql`select * from ${sql.identifier(String(table_name))} where tenant_id = ${b.id} order by 1, 2`));
    }
    rows.workspace = await tx.select().from(workspaces).where(eq(workspaces.id, b.id));
    rows.routes = rowsOf(await tx.execute(sql`select * from phone_number_routes where workspace_id = ${b.id}`));
    return JSON.parse(JSON.stringify(rows)) as Record<string, unknown>;
  });
}

/** B's ids: any of them in an answer to A is a leak, unless A sent it in the request. */
function idsOfB(): string[] {
  return Object.entries(b)
    .filter(([key]) => key !== "slug" && key !== "phoneNumberId")
    .map(([, value]) => value);
}

const nameOfB = (value: string) => Object.entries(b).find(([, v]) => v === value)?.[0] ?? value;

const injections = [
  "' OR '1'='1",
  "'; DROP TABLE messages; --",
  "%' OR tenant_id IS NOT NULL --",
  "\\' OR 1=1 --",
  '") OR ("1"="1',
  "' UNION SELECT id, email, password_hash FROM users --",
  "1; SELECT pg_sleep(0); --",
  "%%%",
  "___",
  "*/ OR /*",
  "$1",
  "\u0000bravo",
  "canary",
  "Canaryname",
  "bravo-canary",
];

type Outcome = { status: number | "threw"; text: string };
type Expect = "404" | "no leak";
type Attack = { name: string; as: () => string; expect: Expect; sent: string; call: () => Promise<unknown> };

/** What the browser would receive: a Response, an action's result, or Next's 404/redirect. */
async function outcomeOf(call: () => Promise<unknown>): Promise<Outcome> {
  try {
    const result = await call();
    if (result instanceof Response) {
      if (result.headers.get("content-type")?.includes("event-stream")) {
        await result.body?.cancel();
        return { status: result.status, text: "<event stream opened>" };
      }
      return { status: result.status, text: await result.text() };
    }
    return { status: 200, text: rendered(result) ?? "" };
  } catch (error) {
    const digest = String((error as { digest?: unknown })?.digest ?? "");
    if (digest === "NEXT_HTTP_ERROR_FALLBACK;404") return { status: 404, text: "" };
    if (digest.startsWith("NEXT_REDIRECT")) return { status: 303, text: digest };
    return { status: "threw", text: error instanceof Error ? `${error.message}\n${error.stack}` : String(error) };
  }
}

const origin = () => new URL(env().APP_URL).origin;
const get = (path: string) => new Request(`${env().APP_URL}${path}`, { headers: { origin: origin() } });
const post = (path: string, body: unknown) =>
  new Request(`${env().APP_URL}${path}`, { method: "POST", headers: { "content-type": "application/json", origin: origin() }, body: JSON.stringify(body) });
const slugParams = (slug: string) => ({ params: Promise.resolve({ slug }) });
const conversationParams = (slug: string, conversationId: string) => ({ params: Promise.resolve({ slug, conversationId }) });
const messageParams = (slug: string, messageId: string) => ({ params: Promise.resolve({ slug, messageId }) });
const query = (fields: Record<string, string>) => new URLSearchParams(fields).toString();

/** Every /api/w/[slug] route, given a slug, a conversation id, a message id and extra input. */
function routes(slug: string, conversationId: string, messageId: string) {
  const base = `/api/w/${slug}`;
  return {
    list: (q: Record<string, string> = {}) => listRoute(get(`${base}/conversations?${query(q)}`), slugParams(slug)),
    conversation: () => conversationRoute(get(`${base}/conversations/${conversationId}`), conversationParams(slug, conversationId)),
    thread: (q: Record<string, string> = {}) =>
      messagesRoute(get(`${base}/conversations/${conversationId}/messages?${query(q)}`), conversationParams(slug, conversationId)),
    composer: () => composerRoute(get(`${base}/conversations/${conversationId}/composer`), conversationParams(slug, conversationId)),
    read: () => readRoute(post(`${base}/conversations/${conversationId}/read`, {}), conversationParams(slug, conversationId)),
    reply: (body: Record<string, unknown> = {}) =>
      repliesRoute(post(`${base}/conversations/${conversationId}/replies`, { messageId: randomUUID(), text: "hola", ...body }), conversationParams(slug, conversationId)),
    template: (body: Record<string, unknown> = {}) =>
      templateMessagesRoute(
        post(`${base}/conversations/${conversationId}/template-messages`, { messageId: randomUUID(), templateId: a.templateId, variables: { "body.1": "1" }, ...body }),
        conversationParams(slug, conversationId),
      ),
    events: () => eventsRoute(get(`${base}/events`), slugParams(slug)),
    me: () => meRoute(get(`${base}/me`), slugParams(slug)),
    media: () => mediaRoute(get(`${base}/messages/${messageId}/media`), messageParams(slug, messageId)),
    retry: () => retryRoute(post(`${base}/messages/${messageId}/retry`, {}), messageParams(slug, messageId)),
    search: (q = "canary") => searchRoute(get(`${base}/search?${query({ q })}`), slugParams(slug)),
    sync: () => syncRoute(post(`${base}/templates/sync`, {}), slugParams(slug)),
  };
}

const idle = {};
/** Every workspace server action, given a slug and the records to aim at. */
function actions(slug: string, target: Side, fields: Record<string, string> = {}) {
  const numberFields = { label: "Pwned", displayNumber: "+1 555 000 0000", wabaId: "123456", accessToken: "", ...fields };
  return {
    "queue assign (B's member)": () => queueAction(slug, { action: "assign", conversationId: a.conversationId, assigneeUserId: target.agentId }),
    "queue assign": () => queueAction(slug, { action: "assign", conversationId: target.conversationId, assigneeUserId: a.ownerId }),
    "queue assign-me": () => queueAction(slug, { action: "assign-me", conversationId: target.conversationId }),
    "queue unassign": () => queueAction(slug, { action: "unassign", conversationId: target.conversationId }),
    "queue resolve": () => queueAction(slug, { action: "resolve", conversationId: target.conversationId }),
    "queue reopen": () => queueAction(slug, { action: "reopen", conversationId: target.conversationId }),
    "number add (B's phone number id)": () => addNumberAction(slug, idle, formData({ ...numberFields, phoneNumberId: target.phoneNumberId })),
    "number update": () => updateNumberAction(slug, idle, formData({ ...numberFields, id: target.numberId })),
    "number remove": () => removeNumberAction(slug, idle, formData({ id: target.numberId })),
    "invitation revoke": () => revokeInvitationAction(slug, idle, formData({ id: target.invitationId })),
    "member change role": () => changeRoleAction(slug, idle, formData({ userId: target.agentId, role: "owner" })),
    "member remove": () => removeMemberAction(slug, idle, formData({ userId: target.agentId })),
    "ownership transfer": () => transferOwnershipAction(slug, idle, formData({ userId: target.agentId })),
    "thread page": () => ThreadPage({ params: Promise.resolve({ slug, conversationId: target.conversationId }), searchParams: Promise.resolve({}) }),
  };
}

function attackList(): Attack[] {
  const attacks: Attack[] = [];
  const owner = () => a.ownerId;
  const agent = () => a.agentId;
  const add = (name: string, as: () => string, expected: Expect, sent: unknown, call: () => Promise<unknown>) =>
    attacks.push({ name, as, expect: expected, sent: JSON.stringify(sent), call });

  // 1. B's slug, with B's ids, for each role A gives: the same 404 as a workspace that does not exist.
  for (const [role, as] of [["owner", owner], ["agent", agent]] as const) {
    for (const [name, call] of Object.entries(routes(b.slug, b.conversationId, b.inboundId))) {
      add(`${role}: ${name} via B's slug`, as, "404", [b.slug, b.conversationId, b.inboundId], () => (call as () => Promise<unknown>)());
    }
    add(`${role}: media of B's image via B's slug`, as, "404", [b.slug, b.imageId], () => routes(b.slug, b.conversationId, b.imageId).media());
    add(`${role}: retry of B's failed message via B's slug`, as, "404", [b.slug, b.failedId], () => routes(b.slug, b.conversationId, b.failedId).retry());
    for (const [name, call] of Object.entries(actions(b.slug, b))) add(`${role}: ${name} via B's slug`, as, "404", [b.slug, b], call);
    add(`${role}: rename via B's slug`, as, "404", [b.slug], () => renameWorkspaceAction(b.slug, idle, formData({ name: "Pwned" })));
    add(`${role}: delete via B's slug`, as, "404", [b.slug], () => deleteWorkspaceAction(b.slug, idle, formData({ confirmName: "Bravo Canary Co" })));
    add(`${role}: invite via B's slug`, as, "404", [b.slug], () => inviteMemberAction(b.slug, idle, formData({ email: "mallory@evil.test", role: "admin" })));
  }

  // 2. B's ids under A's own slug.
  const underA = (conversationId: string, messageId: string) => routes(a.slug, conversationId, messageId);
  for (const [kind, conversationId] of [["B's conversation", b.conversationId], ["B's message id as a conversation", b.inboundId]] as const) {
    const r = underA(conversationId, a.inboundId);
    for (const name of ["conversation", "thread", "composer", "read", "reply", "template"] as const) {
      add(`owner: ${name} with ${kind}`, owner, "404", [conversationId], () => r[name]());
    }
  }
  for (const [kind, messageId] of [["B's inbound message", b.inboundId], ["B's failed message", b.failedId], ["B's image", b.imageId], ["B's conversation id as a message", b.conversationId]] as const) {
    const r = underA(a.conversationId, messageId);
    add(`owner: media of ${kind}`, owner, "404", [messageId], () => r.media());
    add(`owner: retry of ${kind}`, owner, "404", [messageId], () => r.retry());
    add(`agent: media of ${kind}`, agent, "404", [messageId], () => r.media());
    add(`agent: retry of ${kind}`, agent, "404", [messageId], () => r.retry());
  }
  const own = underA(a.conversationId, a.inboundId);
  add("owner: reply quoting B's message", owner, "no leak", [b.inboundId], () => own.reply({ replyToMessageId: b.inboundId }));
  add("owner: template of B's", owner, "404", [b.templateId], () => own.template({ templateId: b.templateId }));
  add("owner: thread around B's message", owner, "no leak", [b.inboundId], () => own.thread({ around: b.inboundId }));
  add("owner: list filtered by B's number", owner, "no leak", [b.numberId], () => own.list({ number: b.numberId }));
  for (const [name, call] of Object.entries(actions(a.slug, b))) add(`owner: ${name} with B's ids under A's slug`, owner, name === "number add (B's phone number id)" ? "no leak" : "404", [b], call);

  // 3. SQL injection and other hostile strings in every search, filter and settings field.
  for (const text of injections) {
    add(`search ${JSON.stringify(text)}`, owner, "no leak", [text], () => own.search(text));
    for (const field of ["status", "assignee", "number", "cursor"]) {
      add(`list ${field}=${JSON.stringify(text)}`, owner, "no leak", [text], () => own.list({ [field]: text }));
    }
    for (const field of ["before", "around"]) {
      add(`thread ${field}=${JSON.stringify(text)}`, owner, "no leak", [text], () => own.thread({ [field]: text }));
    }
    add(`reply text ${JSON.stringify(text)}`, owner, "no leak", [text], () => own.reply({ text }));
    add(`template variable ${JSON.stringify(text)}`, owner, "no leak", [text], () => own.template({ variables: { "body.1": text } }));
    add(`rename to ${JSON.stringify(text)}`, owner, "no leak", [text], () => renameWorkspaceAction(a.slug, idle, formData({ name: text })));
    add(`invite ${JSON.stringify(text)}`, owner, "no leak", [text], () => inviteMemberAction(a.slug, idle, formData({ email: text, role: "agent" })));
    add(`invite role ${JSON.stringify(text)}`, owner, "no leak", [text], () => inviteMemberAction(a.slug, idle, formData({ email: "x@alpha.test", role: text })));
    for (const field of ["label", "displayNumber", "wabaId", "phoneNumberId", "accessToken"]) {
      const fields = { label: "L", displayNumber: "+1 555 000 0001", wabaId: "104400000000001", accessToken: "", phoneNumberId: "530000000000001", [field]: text };
      add(`add number ${field}=${JSON.stringify(text)}`, owner, "no leak", [text], () => addNumberAction(a.slug, idle, formData(fields)));
      add(`update number ${field}=${JSON.stringify(text)}`, owner, "no leak", [text], () => updateNumberAction(a.slug, idle, formData({ ...fields, id: a.numberId })));
    }
    add(`remove number id=${JSON.stringify(text)}`, owner, "no leak", [text], () => removeNumberAction(a.slug, idle, formData({ id: text })));
    add(`revoke invitation id=${JSON.stringify(text)}`, owner, "no leak", [text], () => revokeInvitationAction(a.slug, idle, formData({ id: text })));
    add(`member role userId=${JSON.stringify(text)}`, owner, "no leak", [text], () => changeRoleAction(a.slug, idle, formData({ userId: text, role: "agent" })));
    add(`remove member userId=${JSON.stringify(text)}`, owner, "no leak", [text], () => removeMemberAction(a.slug, idle, formData({ userId: text })));
    add(`slug ${JSON.stringify(text)}`, owner, "no leak", [text], () => routes(text, a.conversationId, a.inboundId).list());
  }
  // Last: from here on A's thread holds a message with B's id. Message ids are chosen by the
  // client and unique per workspace; a refusal here would tell A that B uses this id.
  add("owner: reply reusing B's message id", owner, "no leak", [b.failedId], () => own.reply({ messageId: b.failedId }));
  return attacks;
}

describe("the isolation attack list", () => {
  it("answers every attack with 404 or A's own data, never B's, and leaves B unchanged", { timeout: 300_000 }, async () => {
    const before = await snapshotOfB();
    const attacks = attackList();
    const names = attacks.map((x) => x.name);
    expect(names.filter((name, i) => names.indexOf(name) !== i), "every attack case is named for what it sends, once").toEqual([]);
    const leaks: string[] = [];
    for (const attack of attacks) {
      await actAs(attack.as());
      const outcome = await outcomeOf(attack.call);
      const forbidden = [...canaries, ...idsOfB()].filter((s) => !attack.sent.includes(s));
      const leaked = forbidden.filter((s) => outcome.text.includes(s));
      if (outcome.status === "threw" || (typeof outcome.status === "number" && outcome.status >= 500)) {
        leaks.push(`${attack.name}: ${outcome.status} ${outcome.text.slice(0, 300)}`);
      } else if (leaked.length > 0) {
        leaks.push(`${attack.name}: answered ${outcome.status} containing ${leaked.map(nameOfB).join(", ")}`);
      } else if (attack.expect === "404" && outcome.status !== 404) {
        leaks.push(`${attack.name}: answered ${outcome.status}, expected 404: ${outcome.text.slice(0, 200)}`);
      }
    }
    const after = await snapshotOfB();
    for (const [table, rows] of Object.entries(before)) {
      if (JSON.stringify(after[table]) !== JSON.stringify(rows)) leaks.push(`B's ${table} changed`);
    }
    console.log(`isolation: ${attacks.length} attack cases through routes and actions, ${leaks.length} leaks`);
    expect(leaks).toEqual([]);
  });
});

describe("webhook deliveries through B's number about A's messages", () => {
  const statusFor = (wamid: string, phoneNumberId: string, status: string) => {
    const delivery = fixtureJson<{ entry: { changes: { value: { metadata: { phone_number_id: string }; statuses: { id: string; status: string }[] } }[] }[] }>(
      "whatsapp",
      "status-read",
    );
    const value = delivery.entry[0]!.changes[0]!.value;
    value.metadata.phone_number_id = phoneNumberId;
    value.statuses[0]!.id = wamid;
    value.statuses[0]!.status = status;
    return JSON.stringify(delivery);
  };

  it("a status for A's wamid through B's number never touches A's message", async () => {
    const stored = async () => (await messageByWamid(a.id, a.outboundWamid))!;
    const original = await stored();
    for (const status of ["sent", "delivered", "read", "failed"]) {
      expect((await deliver(statusFor(a.outboundWamid, b.phoneNumberId, status))).status).toBe(200);
    }
    expect(await stored()).toEqual(original);
    const aStatuses = await withTenant(a.id, (tx) => tx.execute(sql`select count(*)::int as n from message_statuses`));
    expect(JSON.stringify(aStatuses)).toContain('"n":0');
    console.log("isolation: 4 cross-workspace status webhooks, A's message unchanged");
  });

  it("a reply or reaction through B's number to A's wamid quotes nothing of A's", async () => {
    const reply = JSON.parse(simulatedTextDelivery({ to: b.phoneNumberId, from: "447700900555", text: "re: your message", wamid: "wamid.B-REPLY-TO-A" }).toString());
    reply.entry[0].changes[0].value.messages[0].context = { id: a.outboundWamid, from: a.phoneNumberId };
    expect((await deliver(JSON.stringify(reply))).status).toBe(200);
    await actAs(b.ownerId);
    const storedReply = await messageByWamid(b.id, "wamid.B-REPLY-TO-A");
    const thread = await messagesRoute(get(`/api/w/${b.slug}/conversations/${storedReply!.conversationId}/messages`), conversationParams(b.slug, storedReply!.conversationId));
    const text = await thread.text();
    expect(text).toContain("re: your message");
    expect(text).not.toContain(a.failedId);
    expect(text).not.toContain("alpha-message");
    const [aMessage] = await withTenant(a.id, (tx) => tx.select().from(messages).where(eq(messages.wamid, "wamid.B-REPLY-TO-A")));
    expect(aMessage).toBeUndefined();
  });

  it("an SSE subscriber of A sees A's webhook events and none of B's", async () => {
    await actAs(a.ownerId);
    const abort = new AbortController();
    const response = await eventsRoute(new Request(`${env().APP_URL}/api/w/${a.slug}/events`, { signal: abort.signal }), slugParams(a.slug));
    const stream = streamReader(response);
    await stream.until("event: resync");
    // B's delivery commits first; once A's later event arrives, B's would have too.
    await deliver(simulatedTextDelivery({ to: b.phoneNumberId, from: "447700900556", text: "for B only", wamid: "wamid.B-SSE" }));
    await deliver(simulatedTextDelivery({ to: a.phoneNumberId, from: "447700900557", text: "for A", wamid: "wamid.A-SSE" }));
    const aMessage = await messageByWamid(a.id, "wamid.A-SSE");
    await stream.until(aMessage!.id);
    const bMessage = await messageByWamid(b.id, "wamid.B-SSE");
    for (const forbidden of [...idsOfB(), bMessage!.id, bMessage!.conversationId]) expect(stream.text).not.toContain(forbidden);
    abort.abort();
    await stream.cancel();
  });
});
