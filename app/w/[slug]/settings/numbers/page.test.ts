import { randomUUID } from "node:crypto";
import { eq } from "drizzle-orm";
import { createElement } from "react";
import { renderToStaticMarkup } from "react-dom/server";
import { beforeAll, expect, it, vi } from "vitest";
import { businessNumbers } from "@/db/schema";
import { withTenant } from "@/db/tenant";
import { applyFieldItems } from "@/lib/ingest/apply/fields";
import type { FieldItem, OtherField } from "@/lib/ingest/apply/types";
import { signUp } from "@/lib/workspace/signup";
import { createTestMember, createTestNumber } from "@/testing/db/factories";
import { expectNotFound } from "@/testing/expect-next";
import { fixtureJson } from "@/testing/fixtures";
import { actAs } from "@/testing/next-request";
import NumbersPage from "./page";

vi.mock("next/headers", () => import("@/testing/next-request"));

/**
 * The numbers page after Meta's account-level webhooks: admins see each number's quality
 * change and limit, the account's restrictions and alerts, and every template with why it is
 * not offered; agents do not get the page at all.
 */
let slug: string;
let tenantId: string;
let adminId: string;
let agentId: string;

type Fixture = { entry: { id: string; time: number; changes: { field: OtherField; value: Record<string, unknown> }[] }[] };
function itemFrom(name: string): FieldItem {
  const entry = fixtureJson<Fixture>("whatsapp", name).entry[0]!;
  const change = entry.changes[0]!;
  return {
    kind: "field",
    itemId: randomUUID(),
    field: change.field,
    occurredAt: new Date(entry.time * 1000),
    timestampSubstituted: false,
    wabaId: entry.id,
    phoneNumberId: null,
    businessNumberId: null,
    value: change.value,
  };
}

beforeAll(async () => {
  const { workspace } = await signUp({ name: "Olga Owner", email: "olga@numbers-page.test", password: "olga-password-1", workspaceName: "Acme Numbers" });
  slug = workspace.slug;
  tenantId = workspace.id;
  adminId = (await createTestMember(tenantId, "admin", "Abel Admin")).id;
  agentId = (await createTestMember(tenantId, "agent", "Ada Agent")).id;
  const number = await createTestNumber(tenantId, "110000000000302", "Shipping line");
  await withTenant(tenantId, (tx) =>
    tx
      .update(businessNumbers)
      .set({ displayNumber: "+1 555 010 0002", wabaId: "104400000000001", accessTokenLast4: "wxyz", messagingLimit: "TIER_1K" })
      .where(eq(businessNumbers.id, number.id)),
  );
  const items = [
    "field-phone-number-quality-update",
    "field-account-update",
    "field-account-alerts",
    "field-template-status-update",
  ].map(itemFrom);
  await withTenant(tenantId, (tx) => applyFieldItems({ tx, tenantId }, items));
});

const decode = (text: string) => text.replace(/&amp;/g, "&").replace(/&#x27;/g, "'").replace(/&quot;/g, '"').replace(/&lt;/g, "<").replace(/&gt;/g, ">");
const textOf = (html: string) =>
  html
    .split(/<[^>]+>/)
    .map((part) => decode(part).trim())
    .filter(Boolean)
    .join(" | ");

async function seenBy(userId: string) {
  await actAs(userId);
  const html = renderToStaticMarkup(createElement("main", null, await NumbersPage({ params: Promise.resolve({ slug }) })));
  return { text: textOf(html) };
}

it("shows an admin the number's new limit and the quality change, matched by its display number", async () => {
  const page = await seenBy(adminId);
  expect(page.text).toMatch(
    /Shipping line \| Connected \| \+1 555 010 0002 \| .+ \| Messaging limit \| TIER_250 \| Last quality change \| downgrade · Dec 3, 2026, \d{1,2}:\d{2} [AP]M UTC \|/,
  );
});

it("shows an admin the account's restriction with its expiry and the alert with severity and status", async () => {
  const page = await seenBy(adminId);
  expect(page.text).toMatch(
    /\| Account update: account restriction \| restricted add phone number action · until Dec 10, 2026, \d{1,2}:\d{2} [AP]M UTC \| 15550100001 · WABA 104400000000001 · Dec 3, 2026/,
  );
  expect(page.text).toMatch(
    /\| Alert: oba approved \| informational \| active \| Your request for an Official Business Account was approved\. \| PHONE_NUMBER 110000000000002 · WABA 104400000000001 · Dec 3, 2026/,
  );
});

it("lists a paused template with Meta's reason, and says it is not offered", async () => {
  const page = await seenBy(adminId);
  expect(page.text).toMatch(
    /\| shipping_notice \(es_MX\) \| paused \| utility · WABA 104400000000001 \| Meta: paused on Dec 3, 2026, \d{1,2}:\d{2} [AP]M UTC\. Your message template has been paused for 6 hours until Dec 1, 2026 because it continued to have issues\. Not offered in the template picker\. \|/,
  );
});

it("is not shown to agents", async () => {
  await actAs(agentId);
  await expectNotFound(() => NumbersPage({ params: Promise.resolve({ slug }) }));
});
