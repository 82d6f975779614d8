import { fixtureJson } from "@/testing/fixtures";
import { simulatedTextDelivery } from "@/testing/simulated-delivery";

/**
 * What the load generator sends, described compactly enough to pass to its process:
 * the bodies are built and signed there, before the clock starts.
 */
export type DeliverySpec =
  | {
      kind: "inbound";
      phoneNumberId: string;
      /** Distinct per round, so every wamid is new. */
      tag: string;
      count: number;
      /** Messages come from this many customers, round-robin. */
      customers: number;
      /** Unix seconds the first message was sent; a fixed value makes the same bytes again. */
      sentAt?: number;
    }
  | {
      kind: "status";
      phoneNumberId: string;
      tag: string;
      /** Outbound messages (`outboundWamid(tag, i)`), each reported sent, then delivered, then read. */
      messages: number;
    };

export const statusSequence = ["sent", "delivered", "read"] as const;

export function customerWaId(index: number): string {
  return `1555${String(index).padStart(7, "0")}`;
}

export function inboundWamid(tag: string, index: number): string {
  return `wamid.BENCH.${tag}.IN.${index}`;
}

export function outboundWamid(tag: string, index: number): string {
  return `wamid.BENCH.${tag}.OUT.${index}`;
}

export function deliveryCount(spec: DeliverySpec): number {
  return spec.kind === "inbound" ? spec.count : spec.messages * statusSequence.length;
}

type StatusDelivery = {
  entry: Array<{
    changes: Array<{
      value: {
        metadata: { display_phone_number: string; phone_number_id: string };
        statuses: Array<{ id: string; status: string; timestamp: string; recipient_id: string }>;
      };
    }>;
  }>;
};

/** A status webhook in the shape of the `status-<status>.json` fixture Meta sent. */
function statusDelivery(phoneNumberId: string, wamid: string, status: (typeof statusSequence)[number], recipient: string, at: number): Buffer {
  const body = fixtureJson<StatusDelivery>("whatsapp", `status-${status}`);
  const value = body.entry[0]!.changes[0]!.value;
  value.metadata = { display_phone_number: phoneNumberId, phone_number_id: phoneNumberId };
  value.statuses = [{ ...value.statuses[0]!, id: wamid, status, timestamp: String(at), recipient_id: recipient }];
  return Buffer.from(JSON.stringify(body), "utf8");
}

/**
 * Every body of the spec, in sending order. Statuses go out as a campaign's do: all
 * "sent" first, then the "delivered", then the "read".
 */
export function buildDeliveries(spec: DeliverySpec): Buffer[] {
  const now = Math.floor(Date.now() / 1000);
  if (spec.kind === "inbound") {
    const first = spec.sentAt ?? now;
    return Array.from({ length: spec.count }, (_, i) =>
      simulatedTextDelivery({
        to: spec.phoneNumberId,
        from: customerWaId(i % spec.customers),
        profileName: `Customer ${i % spec.customers}`,
        text: `Hello, is order ${i} on its way?`,
        wamid: inboundWamid(spec.tag, i),
        sentAt: new Date((first + Math.floor(i / 100)) * 1000),
      }),
    );
  }
  return statusSequence.flatMap((status, step) =>
    Array.from({ length: spec.messages }, (_, i) =>
      statusDelivery(spec.phoneNumberId, outboundWamid(spec.tag, i), status, customerWaId(i), now + step),
    ),
  );
}
