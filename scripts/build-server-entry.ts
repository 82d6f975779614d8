/**
 * `npm run build` runs this after `next build`: it compiles the server entry (server.ts and the
 * few modules of ours it imports) into one JavaScript file, which `npm start` runs with plain
 * Node. Loading TypeScript at start-up through `--import tsx` instead keeps its module hooks and
 * source maps in the production server for its whole life: about 110 MiB more resident memory
 * idle and 220 MB more at the mixed load's peak, measured in docs/PERFORMANCE.md ("Server entry"). Packages stay imports (`next` must be the one in
 * node_modules, the same instance the build was made for).
 *
 *   tsx scripts/build-server-entry.ts [<.next folder>]
 */
import path from "node:path";
import { build } from "esbuild";

/** Where `npm start` finds the compiled entry, given the build's folder. */
export function compiledServerEntry(nextDir: string): string {
  return path.join(nextDir, "switchboard", "server.mjs");
}

/**
 * The job thread's entry (lib/server/jobs-thread.ts) is compiled beside the server's, where
 * server.ts looks for it. Unlike the server's, it carries the pure-JavaScript packages it uses,
 * tree-shaken: each thread loads its own copy of every module, and the thread took 72 MB idle
 * importing drizzle-orm, zod and postgres whole, 40 MB bundled. PGlite (WebAssembly and data
 * files found beside its module, never opened on the thread), pino and nodemailer stay imports.
 */
const threadExternals = ["@electric-sql/pglite", "@electric-sql/pglite/*", "pino", "nodemailer", "nodemailer/*"];

export async function buildServerEntry(projectDir: string, nextDir: string): Promise<string> {
  const outfile = compiledServerEntry(nextDir);
  const common = { bundle: true, platform: "node", format: "esm", target: "node24", tsconfig: path.join(projectDir, "tsconfig.json"), logLevel: "warning" } as const;
  await Promise.all([
    build({ ...common, entryPoints: [path.join(projectDir, "server.ts")], outfile, packages: "external" }),
    build({ ...common, entryPoints: [path.join(projectDir, "lib/server/jobs-thread-main.ts")], outfile: path.join(path.dirname(outfile), "jobs-thread.mjs"), external: threadExternals }),
  ]);
  return outfile;
}

if (import.meta.filename === process.argv[1]) {
  const nextDir = path.resolve(process.argv[2] ?? ".next");
  const outfile = await buildServerEntry(path.dirname(nextDir), nextDir);
  console.log(`Server entry: ${path.relative(process.cwd(), outfile)}`);
}
