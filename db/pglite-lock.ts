import fs from "node:fs";
import path from "node:path";

/**
 * PGlite is Postgres in one process: two processes opening the same data directory (a dev
 * server and `npm run ops`, or two dev servers) each believe they own it, and the second
 * writer corrupts it. Whoever opens the directory holds `<dir>.lock` (its pid) until it
 * exits; anyone else is refused with what to do. A lock left by a process that died is
 * taken over.
 */
export class DatabaseLockedError extends Error {}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

function readHolder(file: string): number | null {
  try {
    const pid = Number.parseInt(fs.readFileSync(file, "utf8"), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

/** Takes the lock for an embedded data directory; returns the function that releases it. */
export function lockDataDir(dataDir: string): () => void {
  const dir = path.resolve(dataDir);
  const file = `${dir}.lock`;
  fs.mkdirSync(path.dirname(dir), { recursive: true });
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      fs.writeFileSync(file, `${process.pid}\n`, { flag: "wx" });
      const release = () => {
        if (readHolder(file) === process.pid) fs.rmSync(file, { force: true });
      };
      process.once("exit", release);
      return () => {
        process.removeListener("exit", release);
        release();
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
    const holder = readHolder(file);
    if (holder !== null && isRunning(holder)) {
      const who = holder === process.pid ? "this process" : `process ${holder}`;
      throw new DatabaseLockedError(
        `The embedded database in ${dir} is already open in ${who} (usually \`npm run dev\` or \`npm start\`). ` +
          "PGlite serves one process at a time and a second one would corrupt it: stop that server and run this again, " +
          `or set DATABASE_URL to use Postgres. If no such process is running, delete ${file}.`,
      );
    }
    // Left behind by a process that is gone (a server stopped with Ctrl-C does not clean up).
    if (readHolder(file) === holder) fs.rmSync(file, { force: true });
  }
  throw new DatabaseLockedError(`Could not take the lock ${file} for the embedded database; try again.`);
}
