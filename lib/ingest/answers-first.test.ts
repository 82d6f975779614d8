import { afterEach, beforeEach, expect, it, vi } from "vitest";
import { answersInFlight, busyAnswers, countAnswer, letAnswersGoFirst, maxWaitMs, shareAnswersInFlight } from "./answers-first";

beforeEach(() => {
  vi.useFakeTimers({ toFake: ["setTimeout", "performance"] });
});
afterEach(() => vi.useRealTimers());

/** `n` deliveries being stored, and a way to answer them all. */
function storing(n: number): () => Promise<void> {
  const stores = Array.from({ length: n }, () => Promise.withResolvers<string>());
  const counted = stores.map((s) => countAnswer(s.promise));
  return async () => {
    stores.forEach((s) => s.resolve("stored"));
    await Promise.all(counted);
  };
}

/** Whether `gate` has resolved once `ms` of fake time have passed. */
async function passedAfter(gate: Promise<void>, ms: number): Promise<boolean> {
  let passed = false;
  void gate.then(() => (passed = true));
  await vi.advanceTimersByTimeAsync(ms);
  return passed;
}

it("counts a delivery being stored until it is stored, or fails to be", async () => {
  const held = Promise.withResolvers<string>();
  const failing = Promise.withResolvers<string>();
  const stored = countAnswer(held.promise);
  const failed = countAnswer(failing.promise).catch((error: Error) => error.message);
  expect(Atomics.load(answersInFlight(), 0)).toBe(2);
  held.resolve("stored");
  await expect(stored).resolves.toBe("stored");
  failing.reject(new Error("database down"));
  await expect(failed).resolves.toBe("database down");
  expect(Atomics.load(answersInFlight(), 0)).toBe(0);
});

it(`lets processing go at once while fewer than ${busyAnswers} deliveries are being stored`, async () => {
  const answerAll = storing(busyAnswers - 1);
  expect(await passedAfter(letAnswersGoFirst(), 0)).toBe(true);
  await answerAll();
});

it(`holds processing while ${busyAnswers} are being stored, and lets it go once they are answered`, async () => {
  const answerAll = storing(busyAnswers);
  const gate = letAnswersGoFirst();
  expect(await passedAfter(gate, maxWaitMs / 2)).toBe(false);
  await answerAll();
  expect(await passedAfter(gate, 10)).toBe(true);
});

it(`holds processing for ${maxWaitMs} ms at most, however many deliveries keep arriving`, async () => {
  const answerAll = storing(busyAnswers * 8);
  const gate = letAnswersGoFirst();
  expect(await passedAfter(gate, maxWaitMs - 10)).toBe(false);
  expect(await passedAfter(gate, 20)).toBe(true);
  await answerAll();
});

it("counts on the counter shared with it, as the job thread sees the request thread's", async () => {
  const own = answersInFlight();
  const requestThreads = new Int32Array(new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT));
  shareAnswersInFlight(requestThreads);
  try {
    Atomics.store(requestThreads, 0, busyAnswers);
    expect(await passedAfter(letAnswersGoFirst(), maxWaitMs / 2)).toBe(false);
    Atomics.store(requestThreads, 0, 0);
    const held = Promise.withResolvers<string>();
    const stored = countAnswer(held.promise);
    expect(Atomics.load(requestThreads, 0)).toBe(1);
    held.resolve("stored");
    await stored;
    expect(Atomics.load(requestThreads, 0)).toBe(0);
  } finally {
    shareAnswersInFlight(own);
  }
});
