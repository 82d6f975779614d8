import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { TestProject } from "vitest/node";
import { migrateDatabase } from "@/db/migrate";
import { openDatabase } from "@/db/client";
import { createPostgresDatabase, databaseUrl, dropPostgresDatabasesStartingWith, openMigratedPglite, uniqueName } from "./databases";

declare module "vitest" {
  export interface ProvidedContext {
    testDatabase: { kind: "postgres"; serverUrl: string; template: string } | { kind: "pglite"; dumpFile: string };
    /** This run's own directory: each test file makes its data directory in it. */
    testRunDir: string;
  }
}

/**
 * Once per run: one migrated template database that every test file copies (each copy's name
 * starts with the template's), and a directory for the files' data directories. A file drops its
 * copy and removes its directory when it ends, but Vitest runs no hook in a file whose every test
 * is skipped (an embedded-only file on Postgres, say): each such file left its database on the
 * server and its directory in the machine's temporary directory. So the run's end removes whatever
 * of its own is left: every database whose name starts with the template's (the template too),
 * then the directory.
 */
export default async function setup(project: TestProject) {
  const runDir = await fs.mkdtemp(path.join(os.tmpdir(), "switchboard-test-"));
  project.provide("testRunDir", runDir);
  const removeRunDir = () => fs.rm(runDir, { recursive: true, force: true });
  const serverUrl = process.env.DATABASE_URL;
  if (serverUrl) {
    const template = uniqueName("sb_template");
    await createPostgresDatabase(serverUrl, template);
    const handle = openDatabase({ kind: "postgres", url: databaseUrl(serverUrl, template), poolMax: 1 });
    await migrateDatabase(handle);
    await handle.close();
    project.provide("testDatabase", { kind: "postgres", serverUrl, template });
    return async () => {
      await dropPostgresDatabasesStartingWith(serverUrl, template);
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
