import { expect, it } from "vitest";
import { DeadlineExceeded, withinDeadline } from "./deadline";

it("passes on the work's result or error when it settles in time", async () => {
  await expect(withinDeadline(Promise.resolve("stored"), 1000, "store")).resolves.toBe("stored");
  await expect(withinDeadline(Promise.reject(new Error("refused")), 1000, "store")).rejects.toThrow("refused");
});

it("gives up on work that never settles, saying what and how long", async () => {
  const never = new Promise<never>(() => {});
  await expect(withinDeadline(never, 20, "storing the delivery")).rejects.toThrow(new DeadlineExceeded("storing the delivery", 20));
});
