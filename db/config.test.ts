import path from "node:path";
import { expect, it } from "vitest";
import { configFromEnv } from "./config";

it("opens Postgres when DATABASE_URL is set, with the default pool of 10", () => {
  expect(configFromEnv({ DATABASE_URL: "postgres://app@db.internal:5432/switchboard" })).toEqual({
    kind: "postgres",
    url: "postgres://app@db.internal:5432/switchboard",
    poolMax: 10,
  });
});

it("opens the embedded database under DATA_DIR when DATABASE_URL is unset or empty", () => {
  const expected = { kind: "pglite", dataDir: path.resolve("var/switchboard", "pglite") };
  expect(configFromEnv({ DATA_DIR: "var/switchboard" })).toEqual(expected);
  expect(configFromEnv({ DATA_DIR: "var/switchboard", DATABASE_URL: "" })).toEqual(expected);
});

it("refuses a pool size out of range, naming the variable", () => {
  expect(() => configFromEnv({ DATABASE_URL: "postgres://db/x", DATABASE_POOL_MAX: "0" })).toThrow(/DATABASE_POOL_MAX/);
});
