import { expect, it } from "vitest";
import { EnvError, loadEnv } from "./env";

const base = { NODE_ENV: "test", DATA_DIR: process.env.DATA_DIR } as const;

it("trusts no proxy unless told how many there are, and refuses a count that is not one", () => {
  expect(loadEnv(base).TRUSTED_PROXY_HOPS).toBe(0);
  expect(loadEnv({ ...base, TRUSTED_PROXY_HOPS: "2" }).TRUSTED_PROXY_HOPS).toBe(2);
  for (const bad of ["-1", "1.5", "yes"]) {
    expect(() => loadEnv({ ...base, TRUSTED_PROXY_HOPS: bad })).toThrow(EnvError);
  }
});
