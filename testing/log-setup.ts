import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeEach, expect } from "vitest";
import { resetEnvForTests } from "@/lib/config/env";
import { logMark } from "./logs";

/**
 * Before every test file: its log lines go to a file of its own under `.test-logs/` instead
 * of the terminal, so a passing run prints no log noise. A failing test prints the lines
 * it wrote; the files of test files that failed are kept for a closer look.
 */
export const testLogDir = path.resolve(".test-logs");

const testFile = path.relative(process.cwd(), expect.getState().testPath ?? `unknown-${process.pid}`);
const logFile = path.join(testLogDir, `${testFile.replace(/[^\w.-]+/g, "_")}.log`);
fs.mkdirSync(testLogDir, { recursive: true });
fs.rmSync(logFile, { force: true });
process.env.LOG_FILE = logFile;
resetEnvForTests();

let failed = false;

beforeEach(({ onTestFailed }) => {
  const written = logMark();
  onTestFailed(() => {
    failed = true;
    const lines = written();
    if (lines) console.error(`Log lines written by this test (all of ${testFile}'s: ${logFile}):\n${lines}`);
  });
});

afterAll(() => {
  if (!failed) fs.rmSync(logFile, { force: true });
});
