import { execFile, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, expect, it } from "vitest";
import { DatabaseLockedError, lockDataDir } from "./pglite-lock";

const run = promisify(execFile);
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "switchboard-lock-"));
const pgliteDir = path.join(dataDir, "pglite");

afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

it("refuses a second opener of the same embedded database, naming the holder and what to do", () => {
  const release = lockDataDir(pgliteDir);
  try {
    expect(() => lockDataDir(pgliteDir)).toThrow(DatabaseLockedError);
    expect(() => lockDataDir(pgliteDir)).toThrow(/already open in this process.*stop that server.*DATABASE_URL/);
  } finally {
    release();
  }
  lockDataDir(pgliteDir)();
});

it("takes over a lock left by a process that is gone", () => {
  const gone = spawnSync(process.execPath, ["-e", ""]).pid!;
  fs.writeFileSync(`${pgliteDir}.lock`, `${gone}\n`);
  const release = lockDataDir(pgliteDir);
  expect(fs.readFileSync(`${pgliteDir}.lock`, "utf8").trim()).toBe(String(process.pid));
  release();
  expect(fs.existsSync(`${pgliteDir}.lock`)).toBe(false);
});

/** `npm run ops` as a person runs it, on an embedded database in `dataDir`. */
function ops(command: string) {
  const env = { ...process.env, DATA_DIR: dataDir, DATABASE_URL: "", LOG_LEVEL: "warn" };
  return run(path.join(process.cwd(), "node_modules/.bin/tsx"), ["scripts/ops.ts", command], { env }).then(
    (r) => ({ code: 0, ...r }),
    (e: { code: number; stdout: string; stderr: string }) => e,
  );
}

it("keeps `npm run ops` out of an embedded database a server has open, and lets it in afterwards", async () => {
  const release = lockDataDir(pgliteDir);
  try {
    const refused = await ops("unrouted");
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`is already open in process ${process.pid}`);
    expect(fs.existsSync(pgliteDir)).toBe(false);
  } finally {
    release();
  }
  const allowed = await ops("unrouted");
  expect(allowed).toMatchObject({ code: 0, stdout: expect.stringContaining("No unrouted numbers") });
  expect(fs.existsSync(`${pgliteDir}.lock`)).toBe(false);
}, 120_000);
