import type { Random } from "@/testing/prng";

/**
 * Webhook bodies mutated from real deliveries, for the fuzz suite: what a buggy proxy, a
 * changed Meta API or an attacker holding the app secret could send. Every body is returned
 * as the exact bytes to sign, since several mutations are not valid UTF-8 or not JSON.
 */
export type FuzzCase = { mutations: string[]; body: Buffer };

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Slot = { parent: Json[] | { [key: string]: Json }; key: string | number; path: string };

/** Every place in a JSON tree that holds a value, with its path. */
function slots(root: Json, path = "$", found: Slot[] = []): Slot[] {
  if (Array.isArray(root)) {
    root.forEach((child, i) => {
      found.push({ parent: root, key: i, path: `${path}[${i}]` });
      slots(child, `${path}[${i}]`, found);
    });
  } else if (root && typeof root === "object") {
    for (const [key, child] of Object.entries(root)) {
      found.push({ parent: root, key, path: `${path}.${key}` });
      slots(child, `${path}.${key}`, found);
    }
  }
  return found;
}

const get = (slot: Slot) => (slot.parent as Record<string | number, Json>)[slot.key]!;
const set = (slot: Slot, value: Json) => ((slot.parent as Record<string | number, Json>)[slot.key] = value);

/** Strings a careless parser or SQL builder trips on. */
const nastyStrings = [
  "",
  "\u0000",
  "text with a NUL \u0000 inside",
  "\ud800",
  "lone low \udfff surrogate",
  "'; DROP TABLE messages; --",
  "%_\\",
  "𝕳𝖊𝖑𝖑𝖔 👩🏽‍🚀🇲🇽",
  "\u202e\u200b\ufeff",
  "null",
  "1e309",
  "-0",
  "../../etc/passwd",
  "<script>alert(1)</script>",
  "9".repeat(40),
];

function randomValue(random: Random): Json {
  return random.pick<() => Json>([
    () => null,
    () => true,
    () => random.int(-1e9, 1e9),
    () => 1.5e308,
    () => -0.000001,
    () => random.pick(nastyStrings),
    () => [],
    () => ({}),
    () => [random.pick(nastyStrings), random.int(0, 9)],
    () => ({ nested: random.pick(nastyStrings) }),
  ])();
}

const hugeString = (random: Random) => {
  const size = random.pick([3_000, 30_000, 100_000, random.int(1, 100_000)]);
  return random.pick(["a", "é", "🚚", "\\", "'", " "]).repeat(size).slice(0, size);
};

/** Mutations of the parsed tree; each returns a word for the log. */
const treeMutations: Array<(root: Json, random: Random) => string | null> = [
  function changeType(root, random) {
    const all = slots(root);
    if (all.length === 0) return null;
    const slot = random.pick(all);
    set(slot, randomValue(random));
    return `type ${slot.path}`;
  },
  function dropField(root, random) {
    const all = slots(root);
    if (all.length === 0) return null;
    const slot = random.pick(all);
    if (Array.isArray(slot.parent)) slot.parent.splice(slot.key as number, 1);
    else delete slot.parent[slot.key as string];
    return `drop ${slot.path}`;
  },
  function hugeValue(root, random) {
    const strings = slots(root).filter((s) => typeof get(s) === "string");
    if (strings.length === 0) return null;
    const slot = random.pick(strings);
    set(slot, hugeString(random));
    return `huge ${slot.path}`;
  },
  function nastyValue(root, random) {
    const strings = slots(root).filter((s) => typeof get(s) === "string");
    if (strings.length === 0) return null;
    const slot = random.pick(strings);
    const nasty = random.pick(nastyStrings);
    set(slot, random.next() < 0.5 ? nasty : `${get(slot) as string}${nasty}`);
    return `nasty ${slot.path}`;
  },
  function duplicateArrayItems(root, random) {
    const arrays = slots(root).filter((s) => Array.isArray(get(s)) && (get(s) as Json[]).length > 0);
    if (arrays.length === 0) return null;
    const slot = random.pick(arrays);
    const items = get(slot) as Json[];
    const copies = random.int(2, 8);
    set(slot, Array.from({ length: copies }, () => structuredClone(items[0]!)));
    return `repeat ${slot.path}×${copies}`;
  },
];

/** Last, if at all: after it the tree is too deep to walk recursively. */
function deepNesting(root: Json, random: Random): string | null {
  const all = slots(root);
  if (all.length === 0) return null;
  const slot = random.pick(all);
  const depth = random.pick([100, 1_000, 5_000, 20_000]);
  let value: Json = get(slot);
  for (let i = 0; i < depth; i++) value = random.next() < 0.5 ? [value] : { x: value };
  set(slot, value);
  return `nest ${slot.path}×${depth}`;
}

/** Mutations of the serialized bytes (encodings, framing). */
const byteMutations: Array<(bytes: Buffer, random: Random) => [string, Buffer]> = [
  (bytes) => ["latin-1", Buffer.from(bytes.toString("utf8"), "latin1")],
  (bytes) => ["utf-16le", Buffer.from(bytes.toString("utf8"), "utf16le")],
  (bytes) => ["bom", Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), bytes])],
  (bytes, random) => {
    const at = random.int(0, bytes.length - 1);
    return [`raw NUL at ${at}`, Buffer.concat([bytes.subarray(0, at), Buffer.from([0]), bytes.subarray(at)])];
  },
  (bytes, random) => {
    const at = random.int(0, bytes.length - 1);
    return [`invalid UTF-8 at ${at}`, Buffer.concat([bytes.subarray(0, at), Buffer.from([0xc3, 0x28, 0xff]), bytes.subarray(at)])];
  },
  (bytes, random) => {
    const at = random.int(0, bytes.length - 1);
    return [`truncated at ${at}`, bytes.subarray(0, at)];
  },
  () => ["empty", Buffer.alloc(0)],
  (bytes, random) => ["over 3 MB", Buffer.concat([bytes, Buffer.alloc(3 * 1024 * 1024 + random.int(1, 1000), 0x20)])],
];

/** Serializes deep trees without recursion limits of JSON.stringify getting in the way. */
function serialize(root: Json): string {
  try {
    return JSON.stringify(root);
  } catch {
    return '{"object":"whatsapp_business_account","entry":' + "[".repeat(50_000) + "]".repeat(50_000) + "}";
  }
}

/**
 * One fuzz case from a fixture: usually one to three tree mutations (still valid JSON, so
 * the parser and the database are reached), sometimes a byte-level one. Every wamid gets
 * `tag` appended, so mutated messages are new messages rather than duplicates of the fixture.
 */
export function mutateDelivery(fixture: Buffer, random: Random, tag: string): FuzzCase {
  const root = JSON.parse(fixture.toString("utf8")) as Json;
  for (const slot of slots(root)) {
    const value = get(slot);
    if (slot.key === "id" && typeof value === "string" && value.startsWith("wamid.")) set(slot, `${value}.${tag}`);
  }
  const mutations: string[] = [];
  const rounds = random.int(1, 3);
  for (let i = 0; i < rounds; i++) {
    const described = random.pick(treeMutations)(root, random);
    if (described) mutations.push(described);
  }
  if (random.next() < 0.1) mutations.push(deepNesting(root, random) ?? "nothing to nest");
  let body: Buffer = Buffer.from(serialize(root), "utf8");
  if (random.next() < 0.15) {
    const [described, mutated] = random.pick(byteMutations)(body, random);
    mutations.push(described);
    body = mutated;
  }
  return { mutations, body };
}
