import path from "node:path";
import { z } from "zod";

export type DatabaseConfig =
  | { kind: "postgres"; url: string; poolMax: number }
  | { kind: "pglite"; dataDir: string; loadDataDir?: Blob };

/**
 * The database's own settings. db/ reads them itself (it imports nothing of lib/), and
 * lib/config/env.ts validates the same names with this same shape, so both agree.
 */
export const databaseSettings = {
  DATABASE_URL: z.url().optional(),
  DATABASE_POOL_MAX: z.coerce.number().int().min(1).max(200).default(10),
  DATA_DIR: z.string().min(1).default(".data"),
};

const settingsSchema = z.object(databaseSettings);

/** Postgres when DATABASE_URL is set (an empty value counts as unset), else PGlite under DATA_DIR. */
export function configFromEnv(source: Record<string, string | undefined> = process.env): DatabaseConfig {
  const present = Object.fromEntries(Object.keys(databaseSettings).map((name) => [name, source[name] || undefined]));
  const parsed = settingsSchema.safeParse(present);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join(".")}: ${i.message}`);
    throw new Error(`Invalid database configuration:\n${lines.join("\n")}`);
  }
  const { DATABASE_URL, DATABASE_POOL_MAX, DATA_DIR } = parsed.data;
  return DATABASE_URL
    ? { kind: "postgres", url: DATABASE_URL, poolMax: DATABASE_POOL_MAX }
    : // Runtime data, not build input: keep the bundler's file tracer out of it.
      { kind: "pglite", dataDir: path.join(path.resolve(/* turbopackIgnore: true */ DATA_DIR), "pglite") };
}
