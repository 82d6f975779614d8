import { sql } from "drizzle-orm";
import { db } from "@/db/client";
import { withinDeadline } from "@/lib/deadline";

export type Health = { status: "ok" | "degraded"; db: "ok" | "unreachable" };

const timeoutMs = 2000;

export async function checkHealth(): Promise<Health> {
  try {
    await withinDeadline(db().execute(sql`select 1`), timeoutMs, "the database health check");
    return { status: "ok", db: "ok" };
  } catch {
    return { status: "degraded", db: "unreachable" };
  }
}
