import fs from "node:fs";
import { afterEach, beforeEach } from "vitest";
import { resetEnvForTests } from "@/lib/config/env";

/** The file this test file's log lines are appended to (`testing/log-setup.ts` sets it). */
export function testLogFile(): string {
  const file = process.env.LOG_FILE;
  if (!file) throw new Error("LOG_FILE is not set: testing/log-setup.ts must be in vitest's setupFiles.");
  return file;
}

function sizeOf(file: string): number {
  try {
    return fs.statSync(file).size;
  } catch {
    return 0;
  }
}

/** What was appended to `file` since it was `from` bytes long. */
export function logLinesSince(file: string, from: number): string {
  const size = sizeOf(file);
  if (size <= from) return "";
  const fd = fs.openSync(file, "r");
  try {
    const bytes = Buffer.alloc(size - from);
    fs.readSync(fd, bytes, 0, bytes.length, from);
    return bytes.toString("utf8");
  } finally {
    fs.closeSync(fd);
  }
}

/** A mark in the log file: what was written after it, read back. */
export function logMark(): () => string {
  const file = testLogFile();
  const from = sizeOf(file);
  return () => logLinesSince(file, from);
}

/**
 * Every log line written while `work` runs, exactly as pino wrote it to its destination
 * (pino writes synchronously to the file, so nothing is still buffered when `work` ends).
 */
export async function captureLogs<T>(work: () => Promise<T>): Promise<{ result: T; output: string }> {
  const read = logMark();
  const result = await work();
  return { result, output: read() };
}

/** The JSON lines of captured output, parsed. */
export function logLines(output: string): Record<string, unknown>[] {
  return output
    .split("\n")
    .filter((line) => line.startsWith("{"))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

/** Logs at `level` in each test of the surrounding block (the suite logs from warn up). */
export function logAtLevelInEachTest(level: "debug" | "info"): void {
  beforeEach(() => {
    process.env.LOG_LEVEL = level;
    resetEnvForTests();
  });
  afterEach(() => {
    process.env.LOG_LEVEL = "warn";
    resetEnvForTests();
  });
}
