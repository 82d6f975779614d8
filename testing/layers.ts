import fs from "node:fs";
import path from "node:path";
import ts from "typescript";

/**
 * The rooms of the house and what may import what (docs/ARCHITECTURE.md, "Folders"), read from
 * the code's own import statements with the TypeScript compiler's pre-processor: static,
 * type-only and dynamic imports and re-exports all count, so a type cannot sneak a dependency in.
 */

export type LayerRule = "components-import-app" | "db-imports-lib" | "lib-folder-cycle" | "test-support-in-lib";

export type LayerViolation = { rule: LayerRule; message: string };

type ImportGraph = Map<string, Set<string>>;

const sourceExtensions = [".ts", ".tsx"];
const skippedFolders = new Set(["node_modules", ".next", ".git", ".data", ".stryker-tmp", "reports", "test-results", "playwright-report"]);
/** The planted violations this check is proved against are not rooms of the house. */
const plantedViolations = "testing/fixtures";

function sourceFiles(root: string, dir = ""): string[] {
  const found: string[] = [];
  for (const entry of fs.readdirSync(path.join(root, dir), { withFileTypes: true })) {
    const relative = path.posix.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (!skippedFolders.has(entry.name) && relative !== plantedViolations) found.push(...sourceFiles(root, relative));
    } else if (sourceExtensions.some((ext) => entry.name.endsWith(ext)) && !entry.name.endsWith(".d.ts")) {
      found.push(relative);
    }
  }
  return found;
}

/** Resolves `@/x` (the tsconfig path alias) and relative specifiers; packages resolve to nothing. */
function resolveSpecifier(root: string, from: string, specifier: string): string | null {
  let base: string;
  if (specifier.startsWith("@/")) base = specifier.slice(2);
  else if (specifier.startsWith(".")) base = path.posix.join(path.posix.dirname(from), specifier);
  else return null;
  for (const candidate of [base, ...sourceExtensions.map((ext) => base + ext), ...sourceExtensions.map((ext) => `${base}/index${ext}`)]) {
    const file = path.join(root, candidate);
    if (fs.existsSync(file) && fs.statSync(file).isFile()) return path.posix.normalize(candidate);
  }
  return null;
}

export function importGraph(root: string): ImportGraph {
  const graph: ImportGraph = new Map();
  for (const file of sourceFiles(root)) {
    const { importedFiles } = ts.preProcessFile(fs.readFileSync(path.join(root, file), "utf8"), true, true);
    const targets = new Set<string>();
    for (const { fileName } of importedFiles) {
      const target = resolveSpecifier(root, file, fileName);
      if (target) targets.add(target);
    }
    graph.set(file, targets);
  }
  return graph;
}

const isTest = (file: string) => /\.test\.tsx?$/.test(file);
const topFolder = (file: string) => file.split("/")[0];

/** `lib/inbox/ingest/x.ts` belongs to `lib/inbox`; a file straight under lib/ is a room of its own. */
function libFolder(file: string): string | null {
  const parts = file.split("/");
  if (parts[0] !== "lib") return null;
  return parts.length > 2 ? `lib/${parts[1]}` : file;
}

function edges(graph: ImportGraph): [string, string][] {
  return [...graph].flatMap(([from, targets]) => [...targets].map((to): [string, string] => [from, to]));
}

function crossings(graph: ImportGraph, fromFolder: string, toFolder: string, rule: LayerRule, why: string): LayerViolation[] {
  return edges(graph)
    .filter(([from, to]) => topFolder(from) === fromFolder && topFolder(to) === toFolder)
    .map(([from, to]) => ({ rule, message: `${from} imports ${to}: ${why}` }));
}

/** Tarjan's strongly connected components over the lib folders; any component of two or more is a cycle. */
function libFolderCycles(graph: ImportGraph): LayerViolation[] {
  const folderEdges = new Map<string, Map<string, [string, string]>>();
  for (const [from, to] of edges(graph)) {
    if (isTest(from)) continue;
    const a = libFolder(from);
    const b = libFolder(to);
    if (!a || !b || a === b) continue;
    const out = folderEdges.get(a) ?? new Map<string, [string, string]>();
    if (!out.has(b)) out.set(b, [from, to]);
    folderEdges.set(a, out);
  }
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const components: string[][] = [];
  const visit = (folder: string) => {
    index.set(folder, index.size);
    low.set(folder, index.get(folder)!);
    stack.push(folder);
    onStack.add(folder);
    for (const next of folderEdges.get(folder)?.keys() ?? []) {
      if (!index.has(next)) {
        visit(next);
        low.set(folder, Math.min(low.get(folder)!, low.get(next)!));
      } else if (onStack.has(next)) {
        low.set(folder, Math.min(low.get(folder)!, index.get(next)!));
      }
    }
    if (low.get(folder) === index.get(folder)) {
      const component: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        component.push(member);
      } while (member !== folder);
      if (component.length > 1) components.push(component.sort());
    }
  };
  for (const folder of [...folderEdges.keys()].sort()) if (!index.has(folder)) visit(folder);
  return components.map((component) => {
    const inside = component.flatMap((a) =>
      [...(folderEdges.get(a) ?? [])].filter(([b]) => component.includes(b)).map(([, [from, to]]) => `${from} → ${to}`),
    );
    return { rule: "lib-folder-cycle", message: `${component.join(", ")} import each other: ${inside.join("; ")}` };
  });
}

const supportName = /(^|[/-])(testing|test-support|fake-[^/]*|fixtures?)(\.tsx?$|\/)/;
const testSide = (file: string) => isTest(file) || topFolder(file) === "testing";

/** Test support is named like it, or is a module that only tests and other test support import. */
function testSupportInLib(graph: ImportGraph): LayerViolation[] {
  const importers = new Map<string, string[]>();
  for (const [from, to] of edges(graph)) importers.set(to, [...(importers.get(to) ?? []), from]);
  return [...graph.keys()]
    .filter((file) => ["lib", "db"].includes(topFolder(file)!) && !isTest(file))
    .flatMap((file): LayerViolation[] => {
      if (supportName.test(file)) return [{ rule: "test-support-in-lib", message: `${file} is test support by its name: move it to testing/` }];
      const users = importers.get(file) ?? [];
      if (users.length > 0 && users.every(testSide)) {
        return [{ rule: "test-support-in-lib", message: `${file} is imported only by tests (${users.join(", ")}): move it to testing/` }];
      }
      return [];
    });
}

export function layerViolations(root: string): LayerViolation[] {
  const graph = importGraph(root);
  return [
    ...crossings(graph, "components", "app", "components-import-app", "components never import from app/; move what both need to components/ or lib/"),
    ...crossings(graph, "db", "lib", "db-imports-lib", "db/ never imports from lib/; give db what it needs as an argument or its own read"),
    ...libFolderCycles(graph),
    ...testSupportInLib(graph),
  ];
}
