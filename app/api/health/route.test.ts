import { expect, it } from "vitest";
import { closeDatabase, openDatabase, installDatabase } from "@/db/client";
import { GET } from "./route";

it("answers 200 with the database reachable", async () => {
  const response = await GET();
  expect(response.status).toBe(200);
  expect(await response.json()).toEqual({ status: "ok", db: "ok" });
});

it("answers 503 when the database cannot be reached", async () => {
  // A port nothing listens on: the same failure as a database that went down.
  installDatabase(openDatabase({ kind: "postgres", url: "postgres://postgres@127.0.0.1:1/none", poolMax: 1 }));
  try {
    const response = await GET();
    expect(response.status).toBe(503);
    expect(await response.json()).toEqual({ status: "degraded", db: "unreachable" });
  } finally {
    await closeDatabase();
  }
});
