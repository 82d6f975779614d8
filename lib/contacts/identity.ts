import { and, eq, or, sql } from "drizzle-orm";
import { anyOf } from "@/db/any-of";
import { contacts } from "@/db/schema";
import { pipelined } from "@/db/pipelined";
import { rowsOf } from "@/db/rows";
import { lockName, lockNames } from "@/lib/domain/locks";
import { mergeContacts, type ContactsCtx } from "./merge";

/** Who wrote, as one message tells it. */
export type Sender = {
  /** The customer's phone number; absent for username-only users. */
  waId?: string;
  /** Meta's business-scoped user id (BSUID). */
  userId?: string;
  profileName?: string;
  /** WhatsApp's time of the message: the newest message decides the profile name. */
  at: Date;
  /**
   * For a number or user id change (a `system` message): the identifiers the person had
   * before, which `waId` / `userId` replace.
   */
  previous?: { waId?: string; userId?: string };
};

type ContactRow = { id: string; waId: string | null; userId: string | null; createdAt: Date };

const phoneKey = (waId: string) => `wa:${waId}`;
const userKey = (userId: string) => `user:${userId}`;

function keysOf(sender: Sender): string[] {
  return [
    sender.waId && phoneKey(sender.waId),
    sender.userId && userKey(sender.userId),
    sender.previous?.waId && phoneKey(sender.previous.waId),
    sender.previous?.userId && userKey(sender.previous.userId),
  ].filter((k): k is string => !!k);
}

function contactKeys(contact: { waId: string | null; userId: string | null }): string[] {
  return [contact.waId && phoneKey(contact.waId), contact.userId && userKey(contact.userId)].filter((k): k is string => !!k);
}

const lockOf = (key: string) => (key.startsWith("wa:") ? lockName.phone(key.slice(3)) : lockName.user(key.slice(5)));

/** Disjoint sets over identity keys: a phone number and a user id seen together are one person. */
class People {
  private parent = new Map<string, string>();
  find(key: string): string {
    const up = this.parent.get(key);
    if (up === undefined) {
      this.parent.set(key, key);
      return key;
    }
    if (up === key) return key;
    const root = this.find(up);
    this.parent.set(key, root);
    return root;
  }
  join(keys: string[]): void {
    const [first, ...rest] = keys;
    if (first === undefined) return;
    for (const key of rest) this.parent.set(this.find(key), this.find(first));
    this.find(first);
  }
}

type Person = {
  senders: Sender[];
  existing: ContactRow[];
  /** The identifiers the person's contact ends with. */
  waId: string | null;
  userId: string | null;
};

function plan(senders: Sender[], found: ContactRow[]): { people: Map<string, Person>; personOf: string[] } {
  const union = new People();
  for (const sender of senders) union.join(keysOf(sender));
  for (const contact of found) union.join(contactKeys(contact));
  const people = new Map<string, Person>();
  const personOf = senders.map((sender) => {
    const root = union.find(keysOf(sender)[0]!);
    let person = people.get(root);
    if (!person) people.set(root, (person = { senders: [], existing: [], waId: null, userId: null }));
    person.senders.push(sender);
    return root;
  });
  for (const contact of found) people.get(union.find(contactKeys(contact)[0]!))?.existing.push(contact);
  for (const person of people.values()) {
    // The oldest contact survives a merge: its conversations are the ones people have open.
    person.existing.sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || a.id.localeCompare(b.id));
    let waId = person.existing.find((c) => c.waId)?.waId ?? null;
    let userId = person.existing.find((c) => c.userId)?.userId ?? null;
    // What the messages say, oldest first, so the newest sighting decides.
    for (const sender of [...person.senders].sort((a, b) => a.at.getTime() - b.at.getTime())) {
      waId = sender.waId ?? waId;
      userId = sender.userId ?? userId;
    }
    person.waId = waId;
    person.userId = userId;
  }
  return { people, personOf };
}

/** Contacts whose identifiers change or which are merged away: every identity of theirs must be locked. */
function rewritten(people: Map<string, Person>): ContactRow[] {
  return [...people.values()].flatMap((person) =>
    person.existing.filter((c, i) => i > 0 || c.waId !== person.waId || c.userId !== person.userId),
  );
}

/** The identities a transaction has locked (`lockIdentities`), which resolveContactsThen reads contacts under. */
export type IdentityLocks = { readonly keys: ReadonlySet<string> };

/**
 * Locks every identity the senders name (advisory, in key order), the first step of
 * resolveContacts: a caller may send it early, beside statements it does not protect.
 */
export async function lockIdentities({ tx, tenantId }: ContactsCtx, senders: Sender[]): Promise<IdentityLocks> {
  const keys = new Set(senders.flatMap(keysOf));
  await lockNames(tx, tenantId, [...keys].map(lockOf));
  return { keys };
}

/**
 * The contact of each sender, in order: found by phone number or user id, created on first
 * sight, joined when one message shows two contacts to be one person (mergeContacts), moved
 * to a new number and user id on a number change, and its profile name taken from the
 * newest message that carried one.
 *
 * Concurrent callers never split a person or trip over a unique key: every identity of the
 * batch is locked (advisory, in key order) before contacts are read, so a second batch with
 * the same customer waits and then finds what the first created. A contact whose other
 * identity was not in the batch but must be rewritten gets that lock too, then everything
 * is read again (rare: a number passed to another person, a changed user id).
 * Statements: lock, read, then one insert and one update at most, plus any merges.
 */
export async function resolveContacts(ctx: ContactsCtx, senders: Sender[]): Promise<string[]> {
  const [contactIds] = await resolveContactsThen(ctx, senders, async () => undefined, await lockIdentities(ctx, senders));
  return contactIds;
}

/**
 * resolveContacts, given the senders' locks (`lockIdentities` for these senders or more), then
 * `next` with the contacts' ids, sent beside the contacts' last update (their new identifiers
 * and profile names), which nothing `next` reads depends on: for the message applier's
 * conversations, one round trip fewer per batch.
 */
export async function resolveContactsThen<T>(
  ctx: ContactsCtx,
  senders: Sender[],
  next: (contactIds: string[]) => Promise<T>,
  identities: IdentityLocks,
): Promise<[string[], T]> {
  const { tx, tenantId } = ctx;
  // Without senders the lookup below would name no identity, and read every contact.
  if (senders.length === 0) return [[], await next([])];
  const locked = new Set(identities.keys);

  let result = plan(senders, await findContacts(ctx, locked));
  for (let round = 0; ; round++) {
    const missing = [...new Set(rewritten(result.people).flatMap(contactKeys))].filter((key) => !locked.has(key));
    if (missing.length === 0) break;
    if (round === 2) throw new Error("contact identities kept changing while being locked");
    await lockNames(tx, tenantId, missing.map(lockOf));
    for (const key of missing) locked.add(key);
    result = plan(senders, await findContacts(ctx, locked));
  }
  const { people, personOf } = result;

  const contactOf = new Map<string, string>();
  const updates: Array<{ id: string; waId: string | null; userId: string | null; name: string | null; at: string | null }> = [];
  const inserts: Array<{ root: string; waId: string | null; userId: string | null; name: string | null; at: Date | null }> = [];
  for (const [root, person] of people) {
    const named = newestNamed(person.senders);
    const [survivor, ...merged] = person.existing;
    if (!survivor) {
      inserts.push({ root, waId: person.waId, userId: person.userId, name: named?.profileName ?? null, at: named?.at ?? null });
      continue;
    }
    for (const other of merged) await mergeContacts(ctx, { survivorId: survivor.id, mergedId: other.id });
    contactOf.set(root, survivor.id);
    if (named || merged.length > 0 || survivor.waId !== person.waId || survivor.userId !== person.userId) {
      updates.push({
        id: survivor.id,
        waId: person.waId,
        userId: person.userId,
        name: named?.profileName ?? null,
        at: named?.at.toISOString() ?? null,
      });
    }
  }

  if (inserts.length > 0) {
    // One JSON parameter rather than five per contact, as for the messages beside them.
    const created = await rowsOf<{ id: string; waId: string | null; userId: string | null }>(
      tx,
      sql`insert into ${contacts} (tenant_id, wa_id, user_id, profile_name, profile_name_at)
        select ${tenantId}::uuid, "waId", "userId", name, at
        from jsonb_to_recordset(${JSON.stringify(inserts)}::jsonb) as i("waId" text, "userId" text, name text, at timestamptz)
        returning id::text as id, wa_id as "waId", user_id as "userId"`,
    );
    // Each new contact is the only one with its phone number or user id: match on those.
    const byWaId = new Map(created.filter((c) => c.waId !== null).map((c) => [c.waId, c.id]));
    const byUserId = new Map(created.filter((c) => c.userId !== null).map((c) => [c.userId, c.id]));
    for (const insert of inserts) {
      contactOf.set(insert.root, (insert.waId !== null ? byWaId.get(insert.waId) : undefined) ?? byUserId.get(insert.userId!)!);
    }
  }
  const contactIds = personOf.map((root) => contactOf.get(root)!);
  // An updated contact keeps its id, and the new ones share no identifier with it (one
  // person, one contact), so the update and `next` go out together.
  const updated =
    updates.length === 0
      ? Promise.resolve()
      : // A name only from a message newer than the one that gave the current name.
        tx.execute(sql`
      update ${contacts} as c set
        wa_id = u."waId",
        user_id = u."userId",
        profile_name = case when u.name is not null and u.at > coalesce(c.profile_name_at, '-infinity') then u.name else c.profile_name end,
        profile_name_at = case when u.name is not null and u.at > coalesce(c.profile_name_at, '-infinity') then u.at else c.profile_name_at end
      from jsonb_to_recordset(${JSON.stringify(updates)}::jsonb) as u(id uuid, "waId" text, "userId" text, name text, at timestamptz)
      where c.tenant_id = ${tenantId} and c.id = u.id`);
  const [, after] = await pipelined(updated, next(contactIds));
  return [contactIds, after];
}

function newestNamed(senders: Sender[]): Sender | undefined {
  return senders.filter((s) => s.profileName).sort((a, b) => b.at.getTime() - a.at.getTime())[0];
}

/** The where clause of the contact lookup: the contacts holding any of these numbers or user ids. */
export function contactsHolding(tenantId: string, waIds: string[], userIds: string[]) {
  return and(
    eq(contacts.tenantId, tenantId),
    or(waIds.length > 0 ? anyOf(contacts.waId, waIds) : undefined, userIds.length > 0 ? anyOf(contacts.userId, userIds) : undefined),
  );
}

async function findContacts({ tx, tenantId }: ContactsCtx, keys: Set<string>): Promise<ContactRow[]> {
  const waIds = [...keys].filter((k) => k.startsWith("wa:")).map((k) => k.slice(3));
  const userIds = [...keys].filter((k) => k.startsWith("user:")).map((k) => k.slice(5));
  return tx
    .select({ id: contacts.id, waId: contacts.waId, userId: contacts.userId, createdAt: contacts.createdAt })
    .from(contacts)
    .where(contactsHolding(tenantId, waIds, userIds));
}
