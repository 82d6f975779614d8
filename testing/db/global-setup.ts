import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { TestProject } from "vitest/node";
import { migrateDatabase } from "@/db/migrate";
import { openDatabase } from "@/db/client";
import { createPostgresDatabase, databaseUrl, dropPostgresDatabase, openMigratedPglite, uniqueName } from "./databases";

declare module "vitest" {
  export interface ProvidedContext {
    testDatabase: { kind: "postgres"; serverUrl: string; template: string } | { kind: "pglite"; dumpFile: string };
  }
}

/** Once per run: one migrated template database that every test file copies. */
export default async function setup(project: TestProject) {
  const serverUrl = process.env.DATABASE_URL;
  if (serverUrl) {
    const template = uniqueName("sb_template");
    await createPostgresDatabase(serverUrl, template);
    const handle = openDatabase({ kind: "postgres", url: databaseUrl(serverUrl, template), poolMax: 1 });
    await migrateDatabase(handle);
    await handle.close();
    project.provide("testDatabase", { kind: "postgres", serverUrl, template });
    return () => dropPostgresDatabase(serverUrl, template);
  }
  const handle = await openMigratedPglite();
  const dump = await handle.dump!();
  await handle.close();
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), "switchboard-test-"));
  const dumpFile = path.join(dir, "template.tar");
  await fs.writeFile(dumpFile, Buffer.from(await dump.arrayBuffer()));
  project.provide("testDatabase", { kind: "pglite", dumpFile });
  return () => fs.rm(dir, { recursive: true, force: true });
}
