import { expect, it } from "vitest";
import { grouped } from "./grouped";

/** A write whose groups are recorded and answered only when the test says so. */
function heldWrite() {
  const groups: string[][] = [];
  const pending: (() => void)[] = [];
  const write = (inputs: string[]) =>
    new Promise<string[]>((resolve, reject) => {
      groups.push(inputs);
      pending.push(() => (inputs.includes("bad") ? reject(new Error("cannot store bad")) : resolve(inputs.map((s) => s.toUpperCase()))));
    });
  const answerNext = async () => {
    pending.shift()!();
    await new Promise((resolve) => setImmediate(resolve));
  };
  return { write, groups, answerNext, pending };
}

it("writes a lone call at once and alone", async () => {
  const held = heldWrite();
  const store = grouped(held.write, { inFlight: 1, maxGroup: 10, deadlineMs: 60_000 });
  const answer = store("a");
  expect(held.groups).toEqual([["a"]]);
  await held.answerNext();
  expect(await answer).toBe("A");
});

it("sends the calls made while a group is being written together, in the order made, each answered its own", async () => {
  const held = heldWrite();
  const store = grouped(held.write, { inFlight: 1, maxGroup: 10, deadlineMs: 60_000 });
  const answers = ["a", "b", "c", "d"].map(store);
  expect(held.groups).toEqual([["a"]]);
  await held.answerNext();
  expect(held.groups).toEqual([["a"], ["b", "c", "d"]]);
  await held.answerNext();
  expect(await Promise.all(answers)).toEqual(["A", "B", "C", "D"]);
});

it("writes as many groups at once as allowed, and no group larger than allowed", async () => {
  const held = heldWrite();
  const store = grouped(held.write, { inFlight: 2, maxGroup: 3, deadlineMs: 60_000 });
  const answers = Array.from({ length: 9 }, (_, i) => store(`x${i}`));
  expect(held.groups).toEqual([["x0"], ["x1"]]);
  await held.answerNext();
  expect(held.groups.slice(2)).toEqual([["x2", "x3", "x4"]]);
  await held.answerNext();
  expect(held.groups.slice(3)).toEqual([["x5", "x6", "x7"]]);
  while (held.pending.length > 0) await held.answerNext();
  expect(held.groups.slice(4)).toEqual([["x8"]]);
  expect(await Promise.all(answers)).toEqual(Array.from({ length: 9 }, (_, i) => `X${i}`));
});

it("fails only the call that cannot be written: the rest of its group are written again alone", async () => {
  const held = heldWrite();
  const store = grouped(held.write, { inFlight: 1, maxGroup: 10, deadlineMs: 60_000 });
  const first = store("a");
  const answers = ["b", "bad", "c"].map((s) => store(s).catch((error: Error) => error.message));
  await held.answerNext();
  await held.answerNext();
  expect(held.groups.slice(2)).toEqual([["b"], ["bad"], ["c"]]);
  while (held.pending.length > 0) await held.answerNext();
  expect(await first).toBe("A");
  expect(await Promise.all(answers)).toEqual(["B", "cannot store bad", "C"]);
});

it("goes on writing once a group has failed", async () => {
  const held = heldWrite();
  const store = grouped(held.write, { inFlight: 1, maxGroup: 10, deadlineMs: 60_000 });
  const bad = store("bad").catch((error: Error) => error.message);
  await held.answerNext();
  expect(await bad).toBe("cannot store bad");
  const after = store("e");
  await held.answerNext();
  expect(await after).toBe("E");
});

it("rejects every call of a group whose write answers a different number of results", async () => {
  const store = grouped(async (inputs: number[]) => inputs.slice(1), { inFlight: 1, maxGroup: 10, deadlineMs: 60_000 });
  const results = await Promise.allSettled([store(1), store(2), store(3)]);
  expect(results.map((r) => r.status)).toEqual(["rejected", "rejected", "rejected"]);
  expect(String((results[0] as PromiseRejectedResult).reason)).toMatch(/answered 0 of 1/);
});

it("frees a group's place once a write that never answers is past its deadline, failing that group whole", async () => {
  const groups: string[][] = [];
  const write = (inputs: string[]) => {
    groups.push(inputs);
    return inputs.includes("lost") ? new Promise<string[]>(() => {}) : Promise.resolve(inputs.map((s) => s.toUpperCase()));
  };
  const store = grouped(write, { inFlight: 1, maxGroup: 10, deadlineMs: 20 });
  const lost = store("lost").catch((error: Error) => `${error.name}: ${error.message}`);
  const held = ["a", "b"].map((s) => store(s).catch((error: Error) => error.name));
  const [lostAnswer, ...heldAnswers] = await Promise.all([lost, ...held]);
  expect(lostAnswer).toBe("DeadlineExceeded: a grouped write did not finish within 20 ms");
  expect(heldAnswers).toEqual(["A", "B"]);
  expect(groups).toEqual([["lost"], ["a", "b"]]);
});

it("fails a group past its deadline whole, without writing its calls again alone", async () => {
  const groups: string[][] = [];
  let calls = 0;
  const write = (inputs: string[]) => {
    groups.push(inputs);
    return calls++ === 0 ? Promise.resolve(inputs) : new Promise<string[]>(() => {});
  };
  const store = grouped(write, { inFlight: 1, maxGroup: 10, deadlineMs: 20 });
  const answers = ["a", "b", "c"].map((s) => store(s).catch((error: Error) => error.name));
  expect(await Promise.all(answers)).toEqual(["a", "DeadlineExceeded", "DeadlineExceeded"]);
  expect(groups).toEqual([["a"], ["b", "c"]]);
});
