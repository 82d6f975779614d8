import fs from "node:fs";
import path from "node:path";

/**
 * Meta payloads copied byte for byte from the team's shared fixtures, so the suite runs on
 * a fresh clone. Read them as raw bytes: several contain non-ASCII text on purpose, and a
 * signature must be computed over exactly what is sent.
 */
export const fixturesDir = path.join(process.cwd(), "testing/fixtures");

/**
 * `whatsapp` and `graph` mirror the shared fixtures file for file; `graph-local` holds the
 * few Graph answers this project needs that the shared set lacks (README.md lists them).
 */
export type FixtureKind = "whatsapp" | "graph" | "graph-local";

export function fixtureBytes(kind: FixtureKind, name: string): Buffer {
  return fs.readFileSync(path.join(fixturesDir, kind, `${name}.json`));
}

export function fixtureJson<T = unknown>(kind: FixtureKind, name: string): T {
  return JSON.parse(fixtureBytes(kind, name).toString("utf8")) as T;
}

export function fixtureNames(kind: FixtureKind): string[] {
  return fs
    .readdirSync(path.join(fixturesDir, kind))
    .filter((f) => f.endsWith(".json"))
    .map((f) => f.slice(0, -".json".length))
    .sort();
}
