import fs from "node:fs";
import path from "node:path";
import { expect, it } from "vitest";
import { fixtureBytes, fixtureNames } from "./fixtures";

const shared = path.resolve(process.cwd(), "../shared/fixtures");

it("keeps every fixture byte-identical to the shared copy beside the repository", () => {
  // CI and developers' machines have shared/ beside the clone; a bare clone has only our copy.
  if (!fs.existsSync(shared)) return;
  for (const kind of ["whatsapp", "graph"] as const) {
    const theirs = fs.readdirSync(path.join(shared, kind)).filter((f) => f.endsWith(".json")).sort();
    expect(fixtureNames(kind).map((n) => `${n}.json`)).toEqual(theirs);
    for (const name of fixtureNames(kind)) {
      expect(fixtureBytes(kind, name).equals(fs.readFileSync(path.join(shared, kind, `${name}.json`))), name).toBe(true);
    }
  }
});
