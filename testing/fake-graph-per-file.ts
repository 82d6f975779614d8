import { afterAll, afterEach, beforeAll } from "vitest";
import { startFakeGraph, type FakeGraph } from "./fake-graph-server";

/**
 * One fake Graph server for a test file: started before its tests, reset between them, closed
 * after. The returned object stands for the running server inside tests and hooks.
 */
export function fakeGraphPerFile(): FakeGraph {
  let started: FakeGraph | undefined;
  beforeAll(async () => {
    started = await startFakeGraph();
  });
  afterAll(() => started?.close());
  afterEach(() => started?.reset());
  return new Proxy({} as FakeGraph, {
    get(_, key) {
      if (!started) throw new Error("The fake Graph server starts in beforeAll: use it inside a test or a later hook.");
      const value: unknown = Reflect.get(started, key);
      return typeof value === "function" ? value.bind(started) : value;
    },
  });
}
