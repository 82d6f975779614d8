import net from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { startStatementCounter } from "./statement-counter";

/** Frontend protocol messages as postgres.js sends them. */
const int32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n);
  return b;
};
const cstr = (s: string) => Buffer.concat([Buffer.from(s, "utf8"), Buffer.from([0])]);
const typed = (type: string, ...parts: Buffer[]) => {
  const body = Buffer.concat(parts);
  return Buffer.concat([Buffer.from(type), int32(body.length + 4), body]);
};
const sslRequest = Buffer.concat([int32(8), int32(80877103)]);
const startup = (() => {
  const body = Buffer.concat([int32(196608), cstr("user"), cstr("postgres"), cstr("database"), cstr("bench"), Buffer.from([0])]);
  return Buffer.concat([int32(body.length + 4), body]);
})();
const query = (text: string) => typed("Q", cstr(text));
const parse = (name: string, text: string) => typed("P", cstr(name), cstr(text), Buffer.from([0, 0]));
const bind = (portal: string, statement: string) => typed("B", cstr(portal), cstr(statement), Buffer.from([0, 0, 0, 0, 0, 0]));
const execute = (portal: string) => typed("E", cstr(portal), int32(0));
const sync = typed("S");

const session = Buffer.concat([
  sslRequest,
  startup,
  query("BEGIN"),
  parse("s1", "insert into messages values ($1)"),
  bind("", "s1"),
  execute(""),
  sync,
  parse("", "select 1"),
  bind("", ""),
  execute(""),
  sync,
  query("commit"),
  // A prepared statement used again, by name only, outside any transaction.
  bind("", "s1"),
  execute(""),
  sync,
  parse("s2", "begin"),
  bind("", "s2"),
  execute(""),
  sync,
  bind("", "s1"),
  execute(""),
  sync,
  query("ROLLBACK"),
]);

let cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of cleanup) await close();
  cleanup = [];
});

/** A stand-in for Postgres that only counts the bytes it receives. */
async function upstream() {
  let received = 0;
  const server = net.createServer((socket) => socket.on("data", (chunk) => (received += chunk.length)));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  cleanup.push(() => new Promise((resolve) => server.close(() => resolve())));
  return { port: (server.address() as net.AddressInfo).port, received: () => received };
}

async function send(chunks: Buffer[]) {
  const postgres = await upstream();
  const counter = await startStatementCounter({ host: "127.0.0.1", port: postgres.port });
  cleanup.unshift(counter.close);
  const client = net.connect(counter.port, "127.0.0.1");
  await new Promise((resolve) => client.once("connect", resolve));
  for (const chunk of chunks) {
    client.write(chunk);
    await new Promise((resolve) => setImmediate(resolve));
  }
  const total = chunks.reduce((sum, c) => sum + c.length, 0);
  while (postgres.received() < total) await new Promise((resolve) => setTimeout(resolve, 5));
  client.destroy();
  return counter.take();
}

describe("the statement counter", () => {
  const expected = { statements: 4, inTransactions: 3, transactions: 2, perTransaction: [2, 1], roundTrips: 8 };

  it("counts statements, transactions and round trips, knowing a prepared statement by its name", async () => {
    expect(await send([session])).toEqual(expected);
  });

  it("counts the same when the bytes arrive one at a time", async () => {
    expect(await send([...session].map((byte) => Buffer.from([byte])))).toEqual(expected);
  });

  it("starts again from zero after each take", async () => {
    const postgres = await upstream();
    const counter = await startStatementCounter({ host: "127.0.0.1", port: postgres.port });
    cleanup.unshift(counter.close);
    const client = net.connect(counter.port, "127.0.0.1");
    client.write(Buffer.concat([startup, query("select 1")]));
    while (postgres.received() < startup.length + query("select 1").length) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(counter.take().statements).toBe(1);
    expect(counter.take()).toEqual({ statements: 0, inTransactions: 0, transactions: 0, perTransaction: [], roundTrips: 0 });
    client.destroy();
  });
});
