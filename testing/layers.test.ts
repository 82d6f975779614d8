import path from "node:path";
import { expect, it } from "vitest";
import { layerViolations, type LayerRule } from "./layers";

const repository = path.resolve(import.meta.dirname, "..");
const planted = path.join(import.meta.dirname, "fixtures/layers");

it("finds every room of this repository in its place", () => {
  expect(layerViolations(repository)).toEqual([]);
});

it("rejects each planted violation, and only those", () => {
  const found = layerViolations(planted);
  const byRule = (rule: LayerRule) => found.filter((v) => v.rule === rule).map((v) => v.message);

  expect(byRule("components-import-app")).toEqual([
    "components/inbox/queue-button.tsx imports app/inbox/actions.ts: components never import from app/; move what both need to components/ or lib/",
  ]);
  expect(byRule("db-imports-lib")).toEqual([
    "db/client.ts imports lib/config/env.ts: db/ never imports from lib/; give db what it needs as an argument or its own read",
  ]);
  expect(byRule("lib-folder-cycle")).toEqual([
    "lib/inbox, lib/outbound import each other: lib/inbox/thread.ts → lib/outbound/send.ts; lib/outbound/send.ts → lib/inbox/thread.ts",
  ]);
  expect(byRule("test-support-in-lib")).toEqual([
    "lib/webhook/testing.ts is test support by its name: move it to testing/",
    "lib/whatsapp/replay.ts is imported only by tests (lib/whatsapp/replay.test.ts): move it to testing/",
  ]);
  expect(found).toHaveLength(5);
});
