import { expect, it } from "vitest";
import { fixtureBytes } from "@/testing/fixtures";
import { parseDelivery } from "./payload";

it("walks every entry and change of a batch, in order, with its receiving number", () => {
  const parsed = parseDelivery(fixtureBytes("whatsapp", "batch-two-tenants").toString("utf8"));
  expect(parsed.ok).toBe(true);
  if (!parsed.ok) return;
  expect(parsed.changes.map((c) => [c.phoneNumberId, c.value.messages?.length])).toEqual([
    ["110000000000001", 2],
    ["110000000000002", 1],
    ["220000000000001", 1],
  ]);
  expect(parsed.skipped).toEqual([]);
});

it("skips changes it does not handle or cannot read, and keeps the others", () => {
  const delivery = JSON.parse(fixtureBytes("whatsapp", "text-inbound").toString("utf8"));
  const change = delivery.entry[0].changes[0];
  delivery.entry[0].changes = [
    { field: "account_update", value: { event: "VERIFIED_ACCOUNT" } },
    { field: "messages", value: { messaging_product: "whatsapp", metadata: {} } },
    change,
  ];
  const parsed = parseDelivery(JSON.stringify(delivery));
  expect(parsed).toMatchObject({
    ok: true,
    changes: [{ phoneNumberId: "110000000000001" }],
    skipped: [
      'entry[0].changes[0]: field "account_update" is not handled',
      expect.stringMatching(/^entry\[0\]\.changes\[1\]: metadata\.phone_number_id: /),
    ],
  });
});

it("refuses what is not a WhatsApp delivery, saying why", () => {
  expect(parseDelivery("{")).toEqual({ ok: false, reason: "body is not valid JSON" });
  expect(parseDelivery('{"object":"page","entry":[]}')).toEqual({ ok: false, reason: 'object "page" is not handled' });
  expect(parseDelivery('{"object":"whatsapp_business_account"}')).toMatchObject({
    ok: false,
    reason: expect.stringMatching(/^not a webhook delivery: entry: /),
  });
});
