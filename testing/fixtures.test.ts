import fs from "node:fs";
import path from "node:path";
import { expect, it } from "vitest";
import { fixtureBytes, fixtureNames } from "./fixtures";

const shared = path.resolve(process.cwd(), "../shared/fixtures");
const present = fs.existsSync(shared);
// CI (.ci/run sets CI=true) and developers' machines have shared/ beside the clone, and there a
// missing copy is a broken checkout, not a reason to skip. A bare clone has only our copy:
// the comparison is then reported as skipped, never as passed.
const expected = process.env.CI === "true" || process.env.SWITCHBOARD_SHARED_FIXTURES === "required";

it.skipIf(!present && !expected)("keeps every fixture byte-identical to the shared copy beside the repository", () => {
  expect(
    present,
    `${shared} is missing, but the shared fixtures are expected here (CI=true or SWITCHBOARD_SHARED_FIXTURES=required): check out shared/ beside the repository.`,
  ).toBe(true);
  for (const kind of ["whatsapp", "graph"] as const) {
    const theirs = fs.readdirSync(path.join(shared, kind)).filter((f) => f.endsWith(".json")).sort();
    expect(theirs.length, `${kind} fixtures in ${shared}`).toBeGreaterThan(0);
    expect(fixtureNames(kind).map((n) => `${n}.json`)).toEqual(theirs);
    for (const name of fixtureNames(kind)) {
      expect(fixtureBytes(kind, name).equals(fs.readFileSync(path.join(shared, kind, `${name}.json`))), name).toBe(true);
    }
  }
});
