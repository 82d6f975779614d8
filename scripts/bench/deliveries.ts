import { fixtureJson } from "@/testing/fixtures";

/**
 * What the bench sends, described compactly enough to pass to the load generator's process:
 * the bodies are built and signed there, before the clock starts. Every body is in the shape
 * Meta posts (the `text-inbound` and `status-*` fixtures), addressed by phone number id.
 */

/** A business number the bench sends to: what routes a delivery, and the WABA its entry names. */
export type Target = { phoneNumberId: string; wabaId: string };

export type DeliverySpec =
  | {
      kind: "inbound";
      targets: Target[];
      /** Distinct per run, so every wamid is new. */
      tag: string;
      /** Text messages to each target. */
      perTarget: number;
      /** Messages per delivery (Meta sends one mostly, and batches up to 1,000). */
      perDelivery: number;
      /** Each target's messages come from this many customers, round-robin. */
      customers: number;
    }
  | {
      kind: "status";
      targets: Target[];
      tag: string;
      /**
       * Outbound messages of each target (seeded as `outboundWamid(tag, target, i)`), each
       * reported sent, then delivered, then read.
       */
      messages: number;
      perDelivery: number;
      /**
       * Every status carries the `conversation` and `pricing` objects of the `sent` fixture, as
       * Meta's do in a billable conversation (about 340 bytes each: 8,760 make 2.9 MB).
       */
      billable?: boolean;
    };

export const statusSequence = ["sent", "delivered", "read"] as const;

export function customerWaId(index: number): string {
  return `1555${String(index).padStart(7, "0")}`;
}

export function inboundWamid(tag: string, target: number, index: number): string {
  return `wamid.BENCH.${tag}.${target}.IN.${index}`;
}

export function outboundWamid(tag: string, target: number, index: number): string {
  return `wamid.BENCH.${tag}.${target}.OUT.${index}`;
}

/** Items (messages or statuses) a spec sends. */
export function itemCount(spec: DeliverySpec): number {
  return spec.targets.length * (spec.kind === "inbound" ? spec.perTarget : spec.messages * statusSequence.length);
}

type Status = { id: string; status: string; timestamp: string; recipient_id: string };
const statusShapes = Object.fromEntries(
  statusSequence.map((status) => {
    const body = fixtureJson<{ entry: Array<{ changes: Array<{ value: { statuses: Status[] } }> }> }>("whatsapp", `status-${status}`);
    return [status, body.entry[0]!.changes[0]!.value.statuses[0]!];
  }),
) as Record<(typeof statusSequence)[number], Status>;

function envelope(target: Target, value: Record<string, unknown>): Buffer {
  const body = {
    object: "whatsapp_business_account",
    entry: [
      {
        id: target.wabaId,
        changes: [
          {
            value: { messaging_product: "whatsapp", metadata: { display_phone_number: target.phoneNumberId, phone_number_id: target.phoneNumberId }, ...value },
            field: "messages",
          },
        ],
      },
    ],
  };
  return Buffer.from(JSON.stringify(body), "utf8");
}

/** Splits each target's items into deliveries, then takes one delivery of each target in turn. */
function interleave<T>(perTarget: T[][], perDelivery: number, build: (target: number, items: T[]) => Buffer): Buffer[] {
  const chunks = perTarget.map((items) => Array.from({ length: Math.ceil(items.length / perDelivery) }, (_, c) => items.slice(c * perDelivery, (c + 1) * perDelivery)));
  const bodies: Buffer[] = [];
  for (let c = 0; c < Math.max(...chunks.map((list) => list.length)); c++) {
    chunks.forEach((list, target) => {
      if (list[c]) bodies.push(build(target, list[c]!));
    });
  }
  return bodies;
}

/** One text message from `from` to the target. */
export function textDelivery(target: Target, message: { wamid: string; from: string; text: string }, now = Math.floor(Date.now() / 1000)): Buffer {
  return envelope(target, {
    contacts: [{ profile: { name: `Customer ${message.from}` }, wa_id: message.from }],
    messages: [{ from: message.from, id: message.wamid, timestamp: String(now), type: "text", text: { body: message.text } }],
  });
}

/**
 * Every body of the spec, in sending order. Statuses go out as a campaign's do: each target's
 * "sent" first, then its "delivered", then its "read".
 */
export function buildDeliveries(spec: DeliverySpec, now = Math.floor(Date.now() / 1000)): Buffer[] {
  if (spec.kind === "inbound") {
    const items = spec.targets.map(() => Array.from({ length: spec.perTarget }, (_, i) => i));
    return interleave(items, spec.perDelivery, (target, indexes) => {
      const senders = [...new Set(indexes.map((i) => i % spec.customers))];
      return envelope(spec.targets[target]!, {
        contacts: senders.map((c) => ({ profile: { name: `Customer ${c}` }, wa_id: customerWaId(c) })),
        messages: indexes.map((i) => ({
          from: customerWaId(i % spec.customers),
          id: inboundWamid(spec.tag, target, i),
          timestamp: String(now),
          type: "text",
          text: { body: `Hello, is order ${i} on its way?` },
        })),
      });
    });
  }
  const items = spec.targets.map(() =>
    statusSequence.flatMap((status, step) => Array.from({ length: spec.messages }, (_, i) => ({ status, step, i }))),
  );
  return interleave(items, spec.perDelivery, (target, statuses) =>
    envelope(spec.targets[target]!, {
      statuses: statuses.map(({ status, step, i }) => ({
        ...(spec.billable ? { ...statusShapes.sent, status } : statusShapes[status]),
        id: outboundWamid(spec.tag, target, i),
        timestamp: String(now + step),
        recipient_id: customerWaId(i),
      })),
    }),
  );
}
