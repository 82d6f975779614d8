import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { TestProject } from "vitest/node";
import { migrateDatabase } from "@/db/migrate";
import { openDatabase } from "@/db/client";
import { createPostgresDatabase, databaseUrl, dropPostgresDatabase, dropPostgresDatabasesStartingWith, openMigratedPglite, uniqueName } from "./databases";

declare module "vitest" {
  export interface ProvidedContext {
    testDatabase: { kind: "postgres"; serverUrl: string; template: string; copies: string } | { kind: "pglite"; dumpFile: string };
    /** This run's own directory: each test file makes its data directory in it. */
    testRunDir: string;
  }
}

/**
 * Once per run: one migrated template database that every test file copies (`copies` starts each
 * copy's name), and a directory for the files' data directories. A file drops its copy and removes
 * its directory when it ends, but Vitest runs no hook in a file whose every test is skipped (an
 * embedded-only file on Postgres, say): each such file left its database on the server and its
 * directory in the machine's temporary directory. So the run's end removes whatever of its own is
 * left: every database named with its prefix, then the template, then the directory.
 */
export default async function setup(project: TestProject) {
  const runDir = await fs.mkdtemp(path.join(os.tmpdir(), "switchboard-test-"));
  project.provide("testRunDir", runDir);
  const removeRunDir = () => fs.rm(runDir, { recursive: true, force: true });
  const serverUrl = process.env.DATABASE_URL;
  if (serverUrl) {
    const template = uniqueName("sb_template");
    const copies = template.replace(/^sb_template/, "sb_test");
    await createPostgresDatabase(serverUrl, template);
    const handle = openDatabase({ kind: "postgres", url: databaseUrl(serverUrl, template), poolMax: 1 });
    await migrateDatabase(handle);
    await handle.close();
    project.provide("testDatabase", { kind: "postgres", serverUrl, template, copies });
    return async () => {
      await dropPostgresDatabasesStartingWith(serverUrl, `${copies}_`);
      await dropPostgresDatabase(serverUrl, template);
      await removeRunDir();
    };
  }
  const handle = await openMigratedPglite();
  const dump = await handle.dump!();
  await handle.close();
  const dumpFile = path.join(runDir, "template.tar");
  await fs.writeFile(dumpFile, Buffer.from(await dump.arrayBuffer()));
  project.provide("testDatabase", { kind: "pglite", dumpFile });
  return removeRunDir;
}
