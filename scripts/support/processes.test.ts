import { expect, it } from "vitest";
import { envDefaultsOf, productionEnvDefaults } from "./processes";

it("reads the environment npm start defaults, so the bench and the fault suites start the server as it does", () => {
  expect(envDefaultsOf("test -f s.mjs || exit 1; A_B=${A_B:-2} C9=${C9:-on} node --flag s.mjs start")).toEqual({ A_B: "2", C9: "on" });
  // An assignment that ignores what is set already, or names another variable, is not a default.
  expect(envDefaultsOf("A=2 B=${C:-1} node s.mjs")).toEqual({});
  expect(envDefaultsOf("node s.mjs start")).toEqual({});
  // glibc's malloc arenas: measured 25 MB less at the mixed load's peak with the job thread (docs/PERFORMANCE.md).
  expect(productionEnvDefaults()).toEqual({ MALLOC_ARENA_MAX: "2" });
});
