import { describe, expect, it } from "vitest";
import { buildDeliveries, itemCount, outboundWamid, type DeliverySpec } from "./deliveries";

type Body = {
  entry: Array<{
    id: string;
    changes: Array<{ field: string; value: { metadata: { phone_number_id: string }; messages?: Array<{ id: string; from: string }>; statuses?: Array<{ id: string; status: string }> } }>;
  }>;
};
const parse = (bodies: Buffer[]) => bodies.map((b) => JSON.parse(b.toString("utf8")) as Body);
const targets = [0, 1, 2].map((k) => ({ phoneNumberId: `99900000010000${k}`, wabaId: `10440000010000${k}` }));

describe("the bench's deliveries", () => {
  it("sends every inbound message once, each delivery to one number, workspaces taking turns", () => {
    const spec: DeliverySpec = { kind: "inbound", targets, tag: "t", perTarget: 7, perDelivery: 3, customers: 2 };
    const bodies = parse(buildDeliveries(spec));
    const messages = bodies.flatMap((b) => b.entry[0]!.changes[0]!.value.messages!);
    expect(messages).toHaveLength(itemCount(spec));
    expect(new Set(messages.map((m) => m.id)).size).toBe(21);
    // 7 per number in deliveries of 3: 3 + 3 + 1, one of each number in turn.
    expect(bodies.map((b) => b.entry[0]!.changes[0]!.value.metadata.phone_number_id)).toEqual([0, 1, 2, 0, 1, 2, 0, 1, 2].map((k) => targets[k]!.phoneNumberId));
    expect(bodies.map((b) => b.entry[0]!.changes[0]!.value.messages!.length)).toEqual([3, 3, 3, 3, 3, 3, 1, 1, 1]);
    expect(bodies.every((b, i) => b.entry[0]!.id === targets[i % 3]!.wabaId)).toBe(true);
  });

  it("reports sent, then delivered, then read for every seeded message of each number", () => {
    const spec: DeliverySpec = { kind: "status", targets: targets.slice(0, 2), tag: "s", messages: 4, perDelivery: 5 };
    const bodies = parse(buildDeliveries(spec));
    const statuses = bodies.flatMap((b) => b.entry[0]!.changes[0]!.value.statuses!.map((s) => ({ number: b.entry[0]!.changes[0]!.value.metadata.phone_number_id, ...s })));
    expect(statuses).toHaveLength(itemCount(spec));
    for (const [k, target] of targets.slice(0, 2).entries()) {
      const mine = statuses.filter((s) => s.number === target.phoneNumberId);
      expect(mine.map((s) => s.status)).toEqual([...Array(4).fill("sent"), ...Array(4).fill("delivered"), ...Array(4).fill("read")]);
      expect(new Set(mine.map((s) => s.id))).toEqual(new Set([0, 1, 2, 3].map((i) => outboundWamid("s", k, i))));
    }
  });

  it("makes the issue's 2.9 MB delivery from 8,760 billable statuses, under Meta's 3 MB", () => {
    const [body, ...rest] = buildDeliveries({ kind: "status", targets: targets.slice(0, 1), tag: "huge", messages: 2920, perDelivery: 8760, billable: true });
    expect(rest).toHaveLength(0);
    expect(parse([body!])[0]!.entry[0]!.changes[0]!.value.statuses).toHaveLength(8760);
    expect(body!.byteLength).toBeGreaterThan(2_850_000);
    expect(body!.byteLength).toBeLessThanOrEqual(3 * 1024 * 1024);
  });
});
