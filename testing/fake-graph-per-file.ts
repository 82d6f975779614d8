import { afterAll, afterEach, beforeAll } from "vitest";
import { resetEnvForTests } from "@/lib/config/env";
import { startFakeGraph, type FakeGraph } from "./fake-graph-server";

export type FakeGraphPerFileOptions = {
  /**
   * The code under test finds Meta as production does, through WHATSAPP_GRAPH_URL (routes, pages,
   * server actions), rather than through a client the test hands it: set for the file's tests.
   */
  viaEnv?: boolean;
  /**
   * Forget requests, grants, queued replies and media after each test (the default). Off for a
   * file whose `beforeAll` grants what all its tests use.
   */
  resetAfterEach?: boolean;
};

/**
 * One fake Graph server for a test file: started before its tests (before the file's own
 * `beforeAll` hooks registered after this call), reset between them, closed after. The returned
 * object stands for the running server inside tests and hooks.
 */
export function fakeGraphPerFile({ viaEnv = false, resetAfterEach = true }: FakeGraphPerFileOptions = {}): FakeGraph {
  let started: FakeGraph | undefined;
  beforeAll(async () => {
    started = await startFakeGraph();
    if (viaEnv) {
      process.env.WHATSAPP_GRAPH_URL = started.url;
      resetEnvForTests();
    }
  });
  afterAll(async () => {
    if (viaEnv) {
      delete process.env.WHATSAPP_GRAPH_URL;
      resetEnvForTests();
    }
    await started?.close();
  });
  if (resetAfterEach) afterEach(() => started?.reset());
  return new Proxy({} as FakeGraph, {
    get(_, key) {
      if (!started) throw new Error("The fake Graph server starts in beforeAll: use it inside a test or a later hook.");
      const value: unknown = Reflect.get(started, key);
      return typeof value === "function" ? value.bind(started) : value;
    },
  });
}
