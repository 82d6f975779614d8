import { withPlatform } from "@/db/platform";
import { contacts, conversations, messages } from "@/db/schema";
import { withTenant } from "@/db/tenant";
import { signUp } from "@/lib/workspace/signup";
import { addNumber } from "@/lib/workspace/numbers";
import { createWorkspace } from "@/lib/workspace/workspaces";
import { customerWaId, outboundWamid, type Target } from "./deliveries";

/** A bench workspace with its one sandbox number: what a delivery to `target` routes to. */
export type BenchWorkspace = { id: string; slug: string; numberId: string; target: Target };

/**
 * The bench's workspaces, made the way people make them: one owner signs up, then creates
 * the others, and connects a sandbox number to each (no access token: nothing the bench does
 * could ever reach Meta). The owner is a member of all of them, so one sign-in opens any
 * workspace's live stream.
 */
export class BenchWorkspaces {
  private userId: string | null = null;
  private made = 0;

  constructor(private readonly login: { email: string; password: string }) {}

  async create(count: number, label: string): Promise<BenchWorkspace[]> {
    const made: BenchWorkspace[] = [];
    for (let k = 0; k < count; k++) {
      const index = this.made++;
      const name = `Bench ${label} ${k + 1}`;
      let workspace: { id: string; slug: string };
      if (this.userId === null) {
        const signedUp = await signUp({ name: "Bench Owner", email: this.login.email, password: this.login.password, workspaceName: name }, { emailVerified: true });
        this.userId = signedUp.user.id;
        workspace = signedUp.workspace;
      } else {
        const userId = this.userId;
        workspace = await withPlatform((tx) => createWorkspace({ tx, userId }, { name }));
      }
      const target = { phoneNumberId: `9990000001${String(index).padStart(5, "0")}`, wabaId: `1044000001${String(index).padStart(5, "0")}` };
      const number = await addNumber(
        { actor: { tenantId: workspace.id, userId: this.userId, role: "owner" } },
        { phoneNumberId: target.phoneNumberId, label: "Bench line", displayNumber: `+1 555 01${String(index).padStart(5, "0")}`, wabaId: target.wabaId, accessToken: undefined },
      );
      made.push({ id: workspace.id, slug: workspace.slug, numberId: number.id, target });
    }
    return made;
  }
}

/**
 * A broadcast already sent from the workspace: one outbound message (stored `sent`, as the
 * send stores it) to each of `count` customers, with wamids `outboundWamid(tag, target, i)`,
 * the statuses `buildDeliveries` reports for that target.
 */
export async function seedBroadcast(workspace: BenchWorkspace, tag: string, target: number, count: number): Promise<void> {
  const tenantId = workspace.id;
  const sentAt = new Date(Date.now() - 60_000);
  await withTenant(tenantId, async (tx) => {
    for (let start = 0; start < count; start += 1000) {
      const indexes = Array.from({ length: Math.min(1000, count - start) }, (_, k) => start + k);
      const people = await tx
        .insert(contacts)
        .values(indexes.map((i) => ({ tenantId, waId: customerWaId(i) })))
        .onConflictDoUpdate({ target: [contacts.tenantId, contacts.waId], set: { waId: contacts.waId } })
        .returning({ id: contacts.id, waId: contacts.waId });
      const threads = await tx
        .insert(conversations)
        .values(people.map((p) => ({ tenantId, businessNumberId: workspace.numberId, contactId: p.id, lastMessageAt: sentAt })))
        .onConflictDoUpdate({ target: [conversations.tenantId, conversations.businessNumberId, conversations.contactId], set: { lastMessageAt: sentAt } })
        .returning({ id: conversations.id, contactId: conversations.contactId });
      const threadOf = new Map(threads.map((t) => [t.contactId, t.id]));
      await tx.insert(messages).values(
        people.map((p) => ({
          tenantId,
          conversationId: threadOf.get(p.id)!,
          direction: "outbound" as const,
          wamid: outboundWamid(tag, target, Number(p.waId!.slice(4))),
          type: "text",
          text: "Your order is on its way",
          payload: { messaging_product: "whatsapp", to: p.waId, type: "text", text: { body: "Your order is on its way" } },
          status: "sent" as const,
          sentAt,
        })),
      );
    }
  });
}
