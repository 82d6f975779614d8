import net from "node:net";

/**
 * Counts the statements a server sends to Postgres, as a black box: a TCP proxy between the
 * server and Postgres that reads the frontend protocol messages passing through (it forwards
 * every byte unchanged). pg_stat_statements is not loaded on the bench's Postgres (it needs
 * `shared_preload_libraries` and a restart of a server others share), and pg_stat_database
 * counts transactions, not statements; the wire shows both.
 *
 * A statement is an Execute (extended protocol, what postgres.js sends) or a simple Query
 * message; its text comes from the Parse that prepared it (through Bind's statement name, so a
 * reused prepared statement is still recognised). BEGIN/COMMIT/ROLLBACK open and close a
 * transaction and are not counted as statements; a round trip is a Sync (the end of an
 * extended-protocol exchange, pipelined ones included) or a simple Query.
 */
export type StatementCounts = {
  /** Statements other than BEGIN/COMMIT/ROLLBACK. */
  statements: number;
  /** Of those, how many ran inside an explicit transaction. */
  inTransactions: number;
  transactions: number;
  /** Statements in each finished transaction. */
  perTransaction: number[];
  roundTrips: number;
};

const sslRequest = 80877103;
const gssRequest = 80877104;
const cancelRequest = 80877102;

function cstring(buffer: Buffer, at: number): [string, number] {
  const end = buffer.indexOf(0, at);
  return [buffer.toString("utf8", at, end), end + 1];
}

export async function startStatementCounter(upstream: { host: string; port: number }) {
  let counts: StatementCounts = { statements: 0, inTransactions: 0, transactions: 0, perTransaction: [], roundTrips: 0 };
  const sockets = new Set<net.Socket>();

  const server = net.createServer((client) => {
    const target = net.connect(upstream.port, upstream.host);
    sockets.add(client).add(target);
    client.pipe(target);
    target.pipe(client);
    const closeBoth = () => (client.destroy(), target.destroy(), sockets.delete(client), sockets.delete(target));
    client.on("error", closeBoth).on("close", closeBoth);
    target.on("error", closeBoth).on("close", closeBoth);

    let pending: Buffer = Buffer.alloc(0);
    let started = false;
    const prepared = new Map<string, string>();
    const portals = new Map<string, string>();
    let open: number | null = null;
    const run = (text: string) => {
      const verb = /^\s*(\w+)/.exec(text)?.[1]?.toLowerCase();
      if (verb === "begin" || (verb === "start" && /^\s*start\s+transaction/i.test(text))) {
        open = 0;
        counts.transactions++;
      } else if (verb === "commit" || verb === "rollback" || verb === "end") {
        if (open !== null) counts.perTransaction.push(open);
        open = null;
      } else {
        counts.statements++;
        if (open !== null) {
          open++;
          counts.inTransactions++;
        }
      }
    };
    client.on("data", (chunk: Buffer) => {
      pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
      for (;;) {
        if (!started) {
          if (pending.length < 8 || pending.length < pending.readInt32BE(0)) return;
          const length = pending.readInt32BE(0);
          const code = pending.readInt32BE(4);
          if (code !== sslRequest && code !== gssRequest && code !== cancelRequest) started = true;
          pending = pending.subarray(length);
          continue;
        }
        if (pending.length < 5 || pending.length < 1 + pending.readInt32BE(1)) return;
        const type = String.fromCharCode(pending[0]!);
        const message = pending.subarray(5, 1 + pending.readInt32BE(1));
        pending = pending.subarray(1 + pending.readInt32BE(1));
        if (type === "Q") {
          counts.roundTrips++;
          run(cstring(message, 0)[0]);
        }
        else if (type === "P") {
          const [name, next] = cstring(message, 0);
          prepared.set(name, cstring(message, next)[0]);
        } else if (type === "B") {
          const [portal, next] = cstring(message, 0);
          portals.set(portal, prepared.get(cstring(message, next)[0]) ?? "");
        } else if (type === "E") run(portals.get(cstring(message, 0)[0]) ?? "");
        else if (type === "S") counts.roundTrips++;
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    /** The counts since the last call, and a fresh start. */
    take(): StatementCounts {
      const taken = counts;
      counts = { statements: 0, inTransactions: 0, transactions: 0, perTransaction: [], roundTrips: 0 };
      return taken;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
