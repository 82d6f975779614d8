import { sql } from "drizzle-orm";
import { db } from "@/db/client";

export type Health = { status: "ok" | "degraded"; db: "ok" | "unreachable" };

const timeoutMs = 2000;

export async function checkHealth(): Promise<Health> {
  try {
    await Promise.race([
      db().execute(sql`select 1`),
      new Promise((_, reject) => setTimeout(() => reject(new Error("database health check timed out")), timeoutMs).unref()),
    ]);
    return { status: "ok", db: "ok" };
  } catch {
    return { status: "degraded", db: "unreachable" };
  }
}
