import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, expect, it } from "vitest";
import { tracedTooMuch } from "./check-build-trace";

let project: string;
afterEach(() => fs.rmSync(project, { recursive: true, force: true }));

/** A project whose build traced `files` (relative to the project) for one route. */
function builtWithTrace(files: string[]): string {
  project = fs.mkdtempSync(path.join(os.tmpdir(), "switchboard-trace-"));
  const traceDir = path.join(project, ".next/server/app/api/media");
  fs.mkdirSync(traceDir, { recursive: true });
  const relative = files.map((file) => path.relative(traceDir, path.join(project, file)));
  fs.writeFileSync(path.join(traceDir, "route.js.nft.json"), JSON.stringify({ version: 1, files: relative }));
  return path.join(project, ".next");
}

it("passes a build that traced only packages, its own output and the migrations", () => {
  const nextDir = builtWithTrace(["node_modules/postgres/src/index.js", ".next/server/chunks/a.js", "drizzle/0001_schema.sql", "package.json"]);
  expect(tracedTooMuch(nextDir, project)).toEqual([]);
});

it("names the runtime data and the sources a build traced when it took in the whole project", () => {
  const nextDir = builtWithTrace(["node_modules/postgres/src/index.js", ".data/pglite/base/1/1259", "lib/outbound/media.ts", "README.md"]);
  expect(tracedTooMuch(nextDir, project)).toEqual([
    ".next/server/app/api/media/route.js.nft.json: .data/pglite/base/1/1259",
    ".next/server/app/api/media/route.js.nft.json: lib/outbound/media.ts",
    ".next/server/app/api/media/route.js.nft.json: README.md",
  ]);
});
