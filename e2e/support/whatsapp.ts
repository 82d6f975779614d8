import { createHmac } from "node:crypto";
import { expect, type APIRequestContext, type Page } from "@playwright/test";
import { fixtureJson } from "@/testing/fixtures";
import { signUpConfirmed } from "./mailbox";

/**
 * What the browser journeys share: a workspace with a number added the way a person adds
 * it, Meta's webhook deliveries built from the shared fixtures and signed with the test
 * server's app secret, and the fake Graph API the server sends through.
 */
export const appSecret = "e2e-app-secret-0123456789abcdef"; // playwright.config.ts: WHATSAPP_APP_SECRET
const graphUrl = `http://127.0.0.1:${Number(process.env.E2E_GRAPH_PORT ?? Number(process.env.E2E_PORT ?? 3100) + 1000)}`;

let counter = 0;
/** Digits no other journey of this run uses: phone number ids, customers' numbers. */
export function uniqueDigits(prefix: string): string {
  counter += 1;
  return `${prefix}${Date.now() % 1e9}${String(counter).padStart(2, "0")}`;
}

/** Signs up: a new account (its address confirmed from the mail) and workspace, its owner signed in on the inbox. Returns the slug. */
export async function signUpOwner(page: Page, who: string): Promise<string> {
  const stamp = uniqueDigits("");
  return signUpConfirmed(page, {
    name: `${who} Owner`,
    email: `${who.toLowerCase()}-${stamp}@example.test`,
    password: `${who}-password-123`,
    workspace: `${who} ${stamp}`,
  });
}

/**
 * Lets `token` see a WhatsApp Business Account holding these numbers, on the fake Graph API:
 * what Meta knows when a business created a system user token for its WABA.
 */
export async function metaGrants(
  request: APIRequestContext,
  grant: { token: string; wabaId: string; phoneNumberIds: string[]; appId?: string; pin?: string },
) {
  const response = await request.post(`${graphUrl}/__fake/grants`, { data: grant });
  expect(response.status()).toBe(204);
}

/** Embedded Signup on the fake Graph API: `code`, exchanged once, answers `token` (grant it what it sees first). */
export async function metaIssuesCode(request: APIRequestContext, issued: { code: string; token: string }) {
  const response = await request.post(`${graphUrl}/__fake/codes`, { data: issued });
  expect(response.status()).toBe(204);
}

/** What the app sent to the fake Graph API on one route (`register`, `oauth_access_token`, …). */
export async function metaReceived(request: APIRequestContext, route: string) {
  const response = await request.get(`${graphUrl}/__fake/requests?route=${route}`);
  expect(response.ok()).toBe(true);
  return (await response.json()) as { path: string; query: Record<string, string>; body: unknown }[];
}

/**
 * Adds a WhatsApp number in Settings, as an admin does. With a token, Meta (the fake Graph)
 * is first told the token sees the number, and the display number is Meta's (`+<id>` on the
 * fake); without one the id must be a sandbox id (999…) and the display number is typed.
 */
export async function addNumber(page: Page, slug: string, input: { phoneNumberId: string; label: string; token?: string }) {
  const wabaId = uniqueDigits("1044");
  if (input.token) await metaGrants(page.request, { token: input.token, wabaId, phoneNumberIds: [input.phoneNumberId] });
  await page.goto(`/w/${slug}/settings/numbers`);
  await page.getByLabel("Phone number ID").fill(input.phoneNumberId);
  await page.getByLabel("Label", { exact: true }).fill(input.label);
  if (!input.token) await page.getByLabel("Display phone number").fill("+1 555 010 0009");
  await page.getByLabel("WhatsApp Business Account ID").fill(wabaId);
  if (input.token) await page.getByLabel("Access token", { exact: true }).fill(input.token);
  await page.getByRole("button", { name: "Add number" }).click();
  const display = input.token ? `+${input.phoneNumberId}` : "+1 555 010 0009";
  await expect(page.getByText(`${input.label} (${display}) is connected.`)).toBeVisible();
  return { wabaId };
}

/** Signs up (a new workspace) and adds a WhatsApp number with an access token in Settings. */
export async function ownerWithCloudNumber(page: Page, who: string, phoneNumberId: string) {
  const slug = await signUpOwner(page, who);
  const { wabaId } = await addNumber(page, slug, { phoneNumberId, label: `${who} line`, token: `EAAGe2e${who}${uniqueDigits("")}Token` });
  return { slug, wabaId };
}

type Delivery = {
  entry: { changes: { value: { metadata: { phone_number_id: string }; contacts?: unknown[]; messages?: Record<string, unknown>[]; statuses?: Record<string, unknown>[] } }[] }[];
};

function signed(delivery: Delivery) {
  const body = JSON.stringify(delivery);
  const signature = `sha256=${createHmac("sha256", appSecret).update(body).digest("hex")}`;
  return { data: body, headers: { "content-type": "application/json", "x-hub-signature-256": signature } };
}

const seconds = (at: Date) => String(Math.floor(at.getTime() / 1000));

/** A customer's text message, as Meta delivers it; `at` is WhatsApp's timestamp. */
export async function customerWrites(
  request: APIRequestContext,
  input: { phoneNumberId: string; from: string; name: string; text: string; at?: Date },
) {
  await customerWritesMany(request, { ...input, texts: [input.text] });
}

/** Several text messages from one customer in one delivery, a second apart, the last at `at`. */
export async function customerWritesMany(
  request: APIRequestContext,
  input: { phoneNumberId: string; from: string; name: string; texts: string[]; at?: Date },
) {
  const last = (input.at ?? new Date()).getTime();
  const messages = input.texts.map((text, i) => ({
    timestamp: seconds(new Date(last - (input.texts.length - 1 - i) * 1000)),
    text: { body: text },
  }));
  await customerDelivers(request, input, "text-inbound", messages);
}

/** A customer's photo with a caption, as Meta delivers it (the bytes are Meta's to serve later). */
export async function customerSendsImage(
  request: APIRequestContext,
  input: { phoneNumberId: string; from: string; name: string; caption: string; at?: Date },
) {
  const image = { caption: input.caption, mime_type: "image/jpeg", id: uniqueDigits("148") };
  await customerDelivers(request, input, "image-inbound", [{ timestamp: seconds(input.at ?? new Date()), image }]);
}

/** `messages` from one customer in one delivery, each completing the fixture's message. */
async function customerDelivers(
  request: APIRequestContext,
  input: { phoneNumberId: string; from: string; name: string },
  fixture: string,
  messages: Record<string, unknown>[],
) {
  const delivery = fixtureJson<Delivery>("whatsapp", fixture);
  const value = delivery.entry[0]!.changes[0]!.value;
  const template = value.messages![0];
  value.metadata.phone_number_id = input.phoneNumberId;
  value.contacts = [{ profile: { name: input.name }, wa_id: input.from }];
  value.messages = messages.map((message) => ({ ...template, from: input.from, id: `wamid.e2e.${uniqueDigits("")}`, ...message }));
  const response = await request.post("/api/webhooks/whatsapp", signed(delivery));
  expect(response.status()).toBe(200);
}

/** A status webhook (delivered, read) for a message we sent. */
export async function metaReports(
  request: APIRequestContext,
  input: { phoneNumberId: string; wamid: string; recipient: string; status: "delivered" | "read" },
) {
  const delivery = fixtureJson<Delivery>("whatsapp", `status-${input.status}`);
  const value = delivery.entry[0]!.changes[0]!.value;
  value.metadata.phone_number_id = input.phoneNumberId;
  value.statuses = [{ ...value.statuses![0], id: input.wamid, recipient_id: input.recipient, timestamp: seconds(new Date()) }];
  const response = await request.post("/api/webhooks/whatsapp", signed(delivery));
  expect(response.status()).toBe(200);
}

/**
 * How Meta will answer the next send to `recipient`: a Graph fixture (an error), and/or
 * after a pause, and/or only once `metaAnswers` is called (`hold`: the message is seen on its
 * way for as long as the test needs). Without a fixture: success.
 */
export async function metaWillAnswer(request: APIRequestContext, recipient: string, answer: { fixture?: string; delayMs?: number; hold?: true }) {
  const response = await request.post(`${graphUrl}/__fake/recipients/${recipient}/replies`, { data: answer });
  expect(response.status()).toBe(204);
}

/** Lets Meta give the answer held back for `recipient` (`metaWillAnswer` with `hold`). */
export async function metaAnswers(request: APIRequestContext, recipient: string) {
  const response = await request.post(`${graphUrl}/__fake/recipients/${recipient}/release`);
  expect(response.status()).toBe(204);
}

/** Opens the customer's conversation from the inbox list; returns its id. */
export async function openConversation(page: Page, slug: string, customer: string): Promise<string> {
  await page.goto(`/w/${slug}/inbox`);
  await page.locator("[data-conversation-row]", { hasText: customer }).click();
  await expect(page.getByRole("heading", { name: customer, level: 2 })).toBeVisible();
  return new URL(page.url()).pathname.split("/")[4]!;
}

/** The message as stored, read through the thread's own API with the page's session. */
export async function storedMessage(page: Page, slug: string, conversationId: string, text: string) {
  const response = await page.request.get(`/api/w/${slug}/conversations/${conversationId}/messages`);
  expect(response.ok()).toBe(true);
  const body = (await response.json()) as { messages: { text: string | null; wamid: string | null; status: string | null }[] };
  return body.messages.find((m) => m.text === text);
}
