/**
 * Where a server's CPU went, from a V8 .cpuprofile (node --cpu-prof, or bench:webhook
 * --profile): self time by package or source folder, then the hottest functions.
 *
 *   npx tsx scripts/bench/profile-summary.ts <file.cpuprofile> [--top 25]
 */
import fs from "node:fs";
import { parseArgs } from "node:util";

type Node = { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; hitCount?: number };
type Profile = { nodes: Node[]; samples: number[]; timeDeltas: number[]; startTime: number; endTime: number };

const { values, positionals } = parseArgs({ allowPositionals: true, options: { top: { type: "string", default: "25" } } });
if (positionals.length !== 1) {
  console.error("usage: npx tsx scripts/bench/profile-summary.ts <file.cpuprofile> [--top 25]");
  process.exit(1);
}
const profile = JSON.parse(fs.readFileSync(positionals[0]!, "utf8")) as Profile;
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const selfUs = new Map<number, number>();
profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));

/** node_modules/<package>, a folder of ours, or what V8 calls it (GC, idle, program). */
function owner(url: string, name: string): string {
  if (!url) return `(${name || "native"})`;
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) {
    const nextPart = pkg[1] === "next" ? /next\/dist\/(?:compiled\/)?([^/]+(?:\/[^/]+)?)/.exec(url)?.[1] : undefined;
    return nextPart ? `next/${nextPart}` : pkg[1]!;
  }
  if (url.startsWith("node:")) return url;
  const chunk = /\.next\/server\/(.*)/.exec(url);
  if (chunk) return `.next/server/${chunk[1]!.split("/").slice(0, 2).join("/")}`;
  return url.replace(/^file:\/\//, "").split("/").slice(-2).join("/");
}

const total = [...selfUs.values()].reduce((a, b) => a + b, 0);
const groups = new Map<string, number>();
const functions = new Map<string, number>();
for (const [id, us] of selfUs) {
  const node = byId.get(id)!;
  const group = owner(node.callFrame.url, node.callFrame.functionName);
  groups.set(group, (groups.get(group) ?? 0) + us);
  const fn = `${node.callFrame.functionName || "(anonymous)"}  ${group}:${node.callFrame.lineNumber + 1}`;
  functions.set(fn, (functions.get(fn) ?? 0) + us);
}
const top = Number(values.top);
const print = (title: string, entries: Map<string, number>) => {
  console.log(`\n${title}`);
  for (const [name, us] of [...entries].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    console.log(`${((us / total) * 100).toFixed(1).padStart(5)}%  ${(us / 1000).toFixed(0).padStart(7)} ms  ${name}`);
  }
};
console.log(`${positionals[0]}: ${(total / 1000).toFixed(0)} ms sampled`);
print("Self time by owner", groups);
print("Hottest functions (self time)", functions);
