import { describe, expect, it } from "vitest";
import { fixtureBytes } from "@/testing/fixtures";
import { nestedDeeperThan, readTimestamp, splitDelivery } from "./split";

const receivedAt = new Date("2026-11-29T12:00:00Z");
const split = (text: string) => splitDelivery(text, receivedAt);

it("walks every entry and change of a batch, in order, one item per message, with its receiving number", () => {
  const parsed = split(fixtureBytes("whatsapp", "batch-two-tenants").toString("utf8"));
  expect(parsed.ok).toBe(true);
  if (!parsed.ok) return;
  expect(parsed.items.map((i) => [i.position, i.kind, i.lane, i.phoneNumberId, i.problem])).toEqual([
    [0, "message", "messages", "110000000000001", null],
    [1, "message", "messages", "110000000000001", null],
    [2, "message", "messages", "110000000000002", null],
    [3, "message", "messages", "220000000000001", null],
  ]);
  expect(parsed.skipped).toEqual([]);
  // The same body splits the same way again: positions are what makes a second split insert nothing.
  expect(split(fixtureBytes("whatsapp", "batch-two-tenants").toString("utf8"))).toEqual(parsed);
});

it("skips fields it does not handle, keeps a change it cannot route as a quarantined item, and keeps the others", () => {
  const delivery = JSON.parse(fixtureBytes("whatsapp", "text-inbound").toString("utf8"));
  const change = delivery.entry[0].changes[0];
  delivery.entry[0].changes = [{ field: "security", value: { event: "PIN_CHANGED" } }, { field: "messages", value: { messaging_product: "whatsapp", metadata: {} } }, change];
  const parsed = split(JSON.stringify(delivery));
  expect(parsed).toMatchObject({
    ok: true,
    items: [
      { path: "entry[0].changes[1]", kind: "envelope", problem: "value.metadata.phone_number_id is missing" },
      { path: "entry[0].changes[2].value.messages[0]", kind: "message", phoneNumberId: "110000000000001", problem: null },
    ],
    skipped: ['entry[0].changes[0]: field "security" is not handled'],
  });
});

it("splits other fields one item per event, routed by the WABA or by the number as the field requires", () => {
  const preferences = split(fixtureBytes("whatsapp", "field-user-preferences").toString("utf8"));
  const template = split(fixtureBytes("whatsapp", "field-template-status-update").toString("utf8"));
  expect(preferences).toMatchObject({ ok: true, items: [{ kind: "field", lane: "fields", routeBy: "phone", phoneNumberId: "110000000000001", body: { field: "user_preferences" } }] });
  expect(template).toMatchObject({ ok: true, items: [{ kind: "field", routeBy: "waba", wabaId: "104400000000001", body: { field: "message_template_status_update" } }] });
});

it("routes an account-level field by its WABA when entry.id came as a number, and keeps no WABA it was not given", () => {
  const delivery = JSON.parse(fixtureBytes("whatsapp", "field-template-status-update").toString("utf8"));
  delivery.entry[0].id = 104400000000001;
  expect(split(JSON.stringify(delivery))).toMatchObject({ ok: true, items: [{ kind: "field", routeBy: "waba", wabaId: "104400000000001" }] });
  delivery.entry[0].id = { id: "104400000000001" };
  expect(split(JSON.stringify(delivery))).toMatchObject({ ok: true, items: [{ kind: "field", routeBy: "waba", wabaId: null }] });
});

it("refuses what is not a WhatsApp delivery, saying why", () => {
  expect(split("{")).toEqual({ ok: false, reason: "body is not valid JSON" });
  expect(split('{"object":"page","entry":[]}')).toEqual({ ok: false, reason: 'object "page" is not handled' });
  expect(split('{"object":"whatsapp_business_account"}')).toMatchObject({ ok: false, reason: expect.stringMatching(/^not a webhook delivery: entry: /) });
  expect(split("[1,2]")).toMatchObject({ ok: false, reason: expect.stringMatching(/^not a webhook delivery/) });
});

describe("timestamps", () => {
  it("reads Meta's Unix seconds, as a string or a number", () => {
    expect(readTimestamp("1795000000", receivedAt)).toEqual({ occurredAt: new Date(1795000000 * 1000), substituted: false });
    expect(readTimestamp(1795000000, receivedAt)).toEqual({ occurredAt: new Date(1795000000 * 1000), substituted: false });
  });

  it.each([["253402300800"], ["1795000000000"], ["-5"], ["1.5"], [""], [null], [undefined], [{}], ["1000000000"], [String(Math.floor(receivedAt.getTime() / 1000) + 367 * 86_400)]])(
    "puts the receipt time in place of %j, and says so",
    (value) => {
      expect(readTimestamp(value, receivedAt)).toEqual({ occurredAt: receivedAt, substituted: true });
    },
  );
});

it("measures nesting without recursing, so 100,000 levels cannot overflow the stack", () => {
  let deep: unknown = 1;
  for (let i = 0; i < 100_000; i++) deep = [deep];
  expect(nestedDeeperThan(deep, 64)).toBe(true);
  expect(nestedDeeperThan({ a: { b: [1, { c: 2 }] } }, 64)).toBe(false);
  expect(nestedDeeperThan({ a: { b: [1, { c: 2 }] } }, 3)).toBe(true);
});
