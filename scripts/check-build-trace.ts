/**
 * `npm run build` runs this after `next build`: it fails the build when Next's file tracer took in
 * the whole project (a path built from runtime values in server code; see lib/config/runtime-path.ts)
 * or runtime data (`.data/`, where the embedded database writes on every request). Either would
 * ship the project's sources and its database in the server bundle.
 *
 *   tsx scripts/check-build-trace.ts [<.next folder>]
 */
import fs from "node:fs";
import path from "node:path";

/** Project files a server bundle may legitimately need at run time (read through fs, not imported). */
const allowed = [/^drizzle\//, /^lib\/whatsapp\/fixtures\//, /^package\.json$/, /^public\//];

/** Each traced file that should not be there, as `<trace file>: <project file>`. */
export function tracedTooMuch(nextDir: string, projectDir: string): string[] {
  const problems: string[] = [];
  const traces = fs.readdirSync(nextDir, { recursive: true, encoding: "utf8" }).filter((file) => file.endsWith(".nft.json"));
  for (const trace of traces) {
    const traceFile = path.join(nextDir, trace);
    const { files } = JSON.parse(fs.readFileSync(traceFile, "utf8")) as { files: string[] };
    for (const file of files) {
      const inProject = path.relative(projectDir, path.resolve(path.dirname(traceFile), file)).split(path.sep).join("/");
      const outside = inProject.startsWith("../") || inProject.startsWith(".next/") || inProject.startsWith("node_modules/");
      if (!outside && !allowed.some((pattern) => pattern.test(inProject))) problems.push(`${path.relative(projectDir, traceFile)}: ${inProject}`);
    }
  }
  return problems;
}

if (import.meta.filename === process.argv[1]) {
  const nextDir = path.resolve(process.argv[2] ?? ".next");
  const problems = tracedTooMuch(nextDir, path.dirname(nextDir));
  if (problems.length > 0) {
    console.error(
      `The build traced ${problems.length} project files into the server bundle, e.g.\n  ${problems.slice(0, 10).join("\n  ")}\n` +
        "A path built from runtime values in server code makes Next trace the whole project (and .data/): build it with runtimePath (lib/config/runtime-path.ts).",
    );
    process.exit(1);
  }
  console.log("Build trace: no project sources or runtime data in the server bundle.");
}
