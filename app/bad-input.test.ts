import { beforeAll, expect, it, vi } from "vitest";
import { createTestConversation, createTestMessage, createTestNumber } from "@/testing/db/factories";
import { signUp } from "@/lib/workspace/signup";
import { env, resetEnvForTests } from "@/lib/config/env";
import { rendered } from "@/testing/expect-next";
import { actAs } from "@/testing/next-request";
import { GET as webhookVerification } from "@/app/api/webhooks/whatsapp/route";
import { GET as composerRoute } from "@/app/api/w/[slug]/conversations/[conversationId]/composer/route";
import { GET as messagesRoute } from "@/app/api/w/[slug]/conversations/[conversationId]/messages/route";
import { POST as readRoute } from "@/app/api/w/[slug]/conversations/[conversationId]/read/route";
import { POST as repliesRoute } from "@/app/api/w/[slug]/conversations/[conversationId]/replies/route";
import { GET as conversationRoute } from "@/app/api/w/[slug]/conversations/[conversationId]/route";
import { POST as templateMessagesRoute } from "@/app/api/w/[slug]/conversations/[conversationId]/template-messages/route";
import { GET as listRoute } from "@/app/api/w/[slug]/conversations/route";
import { GET as eventsRoute } from "@/app/api/w/[slug]/events/route";
import { GET as meRoute } from "@/app/api/w/[slug]/me/route";
import { GET as mediaRoute } from "@/app/api/w/[slug]/messages/[messageId]/media/route";
import { POST as retryRoute } from "@/app/api/w/[slug]/messages/[messageId]/retry/route";
import { GET as searchRoute } from "@/app/api/w/[slug]/search/route";
import InvitationPage from "@/app/invite/[code]/page";
import ThreadPage from "@/app/w/[slug]/inbox/[conversationId]/page";
import InboxPage from "@/app/w/[slug]/inbox/page";
import AuditPage from "@/app/w/[slug]/settings/audit/page";

vi.mock("next/headers", () => import("@/testing/next-request"));

/**
 * Input nobody planned for, at every route handler and page that takes it: out-of-range
 * dates in cursors and query strings, malformed percent-encoding in a path, huge numbers,
 * arrays where strings are expected, JSON of every wrong shape. A route answers the 4xx the
 * table says, with `{ error }` in words; a page renders (the bad value ignored) or is a 404.
 * Never a 500, never a throw.
 */
let w: { slug: string; conversationId: string; messageId: string };

beforeAll(async () => {
  process.env.LOG_LEVEL = "error";
  resetEnvForTests();
  const owner = await signUp({ name: "Bea", email: "bea@bad-input.test", password: "bea-password-1", workspaceName: "Bad Input" });
  const tenantId = owner.workspace.id;
  const number = await createTestNumber(tenantId, "330000000000001");
  const { conversation } = await createTestConversation(tenantId, { numberId: number.id, name: "Cleo", waId: "5215500000001" });
  const message = await createTestMessage(tenantId, conversation.id, { direction: "inbound", text: "hola" });
  w = { slug: owner.workspace.slug, conversationId: conversation.id, messageId: message.id };
  await actAs(owner.user.id);
});

const cursor = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
const someId = "0b7e7dd0-3a4f-4d4b-9a43-5d1c1f0f0a01";
/** Cursors a client could send: each decodes to something Postgres or JavaScript would refuse. */
const badCursors: Record<string, string> = {
  "year zero": cursor(["0000-01-01T00:00:00.000000Z", someId]),
  "30 February": cursor(["2024-02-30T00:00:00.000000Z", someId]),
  "31 April": cursor(["2024-04-31T12:00:00.000000Z", someId]),
  "leap second": cursor(["2016-12-31T23:59:60.000000Z", someId]),
  "hour 25": cursor(["2024-01-01T25:00:00.000000Z", someId]),
  "six-digit year": cursor(["+275760-09-13T00:00:00.000000Z", someId]),
  "huge number": cursor([1e308, someId]),
  "id not a uuid": cursor(["2024-01-01T00:00:00.000000Z", "1 OR 1=1"]),
  object: cursor({ at: "2024-01-01T00:00:00.000000Z", id: someId }),
  "nested arrays": cursor([[["2024-01-01T00:00:00.000000Z"]], [someId]]),
  null: cursor(null),
  "not base64": "%%%%",
  "not JSON": Buffer.from("[2024-01-01").toString("base64url"),
  "too long": "A".repeat(201),
};

type Case = { name: string; expect: number | "page"; call: () => Promise<unknown> };

function request(path: string, init: RequestInit = {}) {
  return new Request(`${env().APP_URL}${path}`, { ...init, headers: { origin: new URL(env().APP_URL).origin, ...(init.headers as object) } });
}
const json = (path: string, body: string) => request(path, { method: "POST", headers: { "content-type": "application/json" }, body });

function cases(): Case[] {
  const all: Case[] = [];
  const add = (name: string, expected: number | "page", call: () => Promise<unknown>) => all.push({ name, expect: expected, call });
  const base = `/api/w/${w.slug}`;
  const slug = { params: Promise.resolve({ slug: w.slug }) };
  const conversation = (conversationId: string) => ({ params: Promise.resolve({ slug: w.slug, conversationId }) });
  const message = (messageId: string) => ({ params: Promise.resolve({ slug: w.slug, messageId }) });

  for (const [name, value] of Object.entries(badCursors)) {
    const q = new URLSearchParams({ cursor: value, before: value });
    add(`list cursor: ${name}`, 400, () => listRoute(request(`${base}/conversations?${q}`), slug));
    add(`thread before: ${name}`, 400, () => messagesRoute(request(`${base}/conversations/${w.conversationId}/messages?${q}`), conversation(w.conversationId)));
  }
  add("list: repeated filters", 200, () => listRoute(request(`${base}/conversations?status=open&status=resolved&assignee=all&assignee=mine`), slug));
  add("list: unknown status", 400, () => listRoute(request(`${base}/conversations?status=%00`), slug));
  add("list: number not an id", 400, () => listRoute(request(`${base}/conversations?number=99999999999999999999999`), slug));
  add("thread: around not an id", 400, () => messagesRoute(request(`${base}/conversations/${w.conversationId}/messages?around=1e309`), conversation(w.conversationId)));
  add("search: 10,000 characters", 400, () => searchRoute(request(`${base}/search?q=${"%ZZ".repeat(3_000)}`), slug));
  add("search: malformed percent-encoding", 400, () => searchRoute(request(`${base}/search?q=%E0%A4%A`), slug));

  // Path segments as Next hands them over when the URL's percent-encoding is malformed or hostile.
  for (const segment of ["%E0%A4%A", "%ZZ", "%", "..%2F..%2Fetc", "9".repeat(400), "\u0000", "[object Object]"]) {
    const label = JSON.stringify(segment).slice(0, 20);
    const other = { params: Promise.resolve({ slug: segment }) };
    add(`slug ${label}: list`, 404, () => listRoute(request(`/api/w/x/conversations`), other));
    add(`slug ${label}: events`, 404, () => eventsRoute(request(`/api/w/x/events`), other));
    add(`slug ${label}: me`, 404, () => meRoute(request(`/api/w/x/me`), other));
    add(`slug ${label}: inbox page`, 404, () => InboxPage({ params: Promise.resolve({ slug: segment }), searchParams: Promise.resolve({}) }));
    add(`conversation ${label}: header`, 404, () => conversationRoute(request(`${base}/conversations/x`), conversation(segment)));
    add(`conversation ${label}: thread`, 404, () => messagesRoute(request(`${base}/conversations/x/messages`), conversation(segment)));
    add(`conversation ${label}: composer`, 404, () => composerRoute(request(`${base}/conversations/x/composer`), conversation(segment)));
    add(`conversation ${label}: read`, 404, () => readRoute(request(`${base}/conversations/x/read`, { method: "POST" }), conversation(segment)));
    add(`conversation ${label}: reply`, 404, () => repliesRoute(json(`${base}/conversations/x/replies`, "{}"), conversation(segment)));
    add(`conversation ${label}: page`, 404, () => ThreadPage({ params: Promise.resolve({ slug: w.slug, conversationId: segment }), searchParams: Promise.resolve({}) }));
    add(`message ${label}: media`, 404, () => mediaRoute(request(`${base}/messages/x/media`), message(segment)));
    add(`message ${label}: retry`, 404, () => retryRoute(request(`${base}/messages/x/retry`, { method: "POST" }), message(segment)));
    add(`invitation code ${label}: page`, "page", () => InvitationPage({ params: Promise.resolve({ code: segment }) }));
  }

  // JSON bodies of every wrong shape, to both sends.
  const bodies: Record<string, string> = {
    "arrays for strings": JSON.stringify({ messageId: [someId], text: ["hola"], templateId: [someId], variables: [["body.1", "x"]] }),
    "objects for strings": JSON.stringify({ messageId: { $gt: "" }, text: { toString: "x" } }),
    numbers: JSON.stringify({ messageId: 1e308, text: -0, templateId: 12345678901234567890 }),
    "huge exponent": `{"messageId": 1e999999, "text": "hola"}`,
    null: "null",
    "a bare string": '"hola"',
    "an array": `[{"messageId": "${someId}", "text": "hola"}]`,
    "__proto__": `{"__proto__": {"text": "hola"}, "messageId": "${someId}"}`,
    "deep nesting": `${"[".repeat(5_000)}${"]".repeat(5_000)}`,
    "variables of the wrong kind": JSON.stringify({ messageId: someId, templateId: someId, variables: { "body.1": ["x"], "body.2": null } }),
    "not JSON": "text=hola",
    empty: "",
  };
  for (const [name, body] of Object.entries(bodies)) {
    const refused = name === "not JSON" || name === "empty" ? 400 : 422;
    add(`reply body: ${name}`, refused, () => repliesRoute(json(`${base}/conversations/${w.conversationId}/replies`, body), conversation(w.conversationId)));
    add(`template body: ${name}`, refused, () =>
      templateMessagesRoute(json(`${base}/conversations/${w.conversationId}/template-messages`, body), conversation(w.conversationId)),
    );
  }

  // Pages: a bad value in the query string is ignored or is a 404.
  const page = (query: Record<string, string | string[]>) => Promise.resolve(query);
  for (const [name, query] of Object.entries<Record<string, string | string[]>>({
    "status as an array": { status: ["resolved", "open"] },
    "number not an id": { number: "%E0%A4%A" },
    "number huge": { number: "9".repeat(500) },
    "assignee junk": { assignee: "\u0000" },
  })) {
    add(`inbox page: ${name}`, "page", () => InboxPage({ params: Promise.resolve({ slug: w.slug }), searchParams: page(query) }));
  }
  for (const m of ["1e309", "%ZZ", someId, [someId, "x"]]) {
    add(`thread page: m=${JSON.stringify(m)}`, "page", () => ThreadPage({ params: Promise.resolve({ slug: w.slug, conversationId: w.conversationId }), searchParams: page({ m }) }));
  }
  for (const before of ["0000-01-01", "-271821-04-20T00:00:00Z", "+275760-09-13T00:00:00.000Z", "-000001-01-01T00:00:00Z", "1e309", "2024-02-30", ["2024-01-01", "x"], "9".repeat(400)]) {
    add(`audit page: before=${JSON.stringify(before)}`, "page", () =>
      AuditPage({ params: Promise.resolve({ slug: w.slug }), searchParams: page({ before } as Record<string, string>) }),
    );
  }

  // Meta's handshake with repeated or odd parameters.
  for (const query of ["hub.mode=subscribe&hub.mode=x&hub.verify_token=a&hub.challenge=1", "hub.challenge=%E0%A4%A", `hub.verify_token=${"x".repeat(10_000)}`]) {
    add(`webhook handshake: ${query.slice(0, 40)}`, 403, () => webhookVerification(request(`/api/webhooks/whatsapp?${query}`)));
  }
  return all;
}

/** The status the browser would see, or "threw". Pages answer 200 when they render. */
async function outcomeOf(call: () => Promise<unknown>): Promise<{ status: number | "threw"; text: string; route: boolean }> {
  try {
    const result = await call();
    if (result instanceof Response) return { status: result.status, text: await result.text(), route: true };
    return { status: 200, text: rendered(result) ?? "", route: false };
  } catch (error) {
    const digest = String((error as { digest?: unknown })?.digest ?? "");
    if (digest === "NEXT_HTTP_ERROR_FALLBACK;404") return { status: 404, text: "", route: false };
    const text = error instanceof Error ? `${error.message.slice(0, 120)}\n${error.stack?.split("\n").slice(1, 4).join("\n")}` : String(error);
    return { status: "threw", text, route: false };
  }
}

it("answers input nobody planned for with the right 4xx, and pages with a render or a 404, never a 500", { timeout: 300_000 }, async () => {
  const table = cases();
  const wrong: string[] = [];
  for (const c of table) {
    const outcome = await outcomeOf(c.call);
    const ok =
      c.expect === "page"
        ? outcome.status === 200 || outcome.status === 404
        : outcome.status === c.expect && (!outcome.route || c.expect < 400 || /"error":"[^"]+"|^[A-Z][^{]/.test(outcome.text));
    if (!ok) wrong.push(`${c.name}: ${outcome.status}, expected ${c.expect}: ${outcome.text.slice(0, 300)}`);
  }
  console.log(`bad input: ${table.length} cases, ${wrong.length} wrong`);
  expect(wrong).toEqual([]);
});
