import { expect, it } from "vitest";
import { withPlatform } from "@/db/platform";
import { loginAttempts } from "@/db/schema";
import { captureLogs, logAtLevelInEachTest, logLines } from "@/testing/logs";
import { loginAttemptPruning } from "./throttle";

// The prune reports at info; the suite logs from warn up.
logAtLevelInEachTest("info");

const pruned = (output: string) => logLines(output).filter((line) => line.event === "login_attempts_pruned");

it("the hourly job deletes attempts kept past their day, says how many, and stays quiet when there were none", async () => {
  const lastWeek = new Date(Date.now() - 7 * 24 * 60 * 60 * 1000);
  await withPlatform((tx) =>
    tx.insert(loginAttempts).values([1, 2, 3].map((i) => ({ email: `old${i}@example.test`, ip: "192.0.2.7", succeeded: false, attemptedAt: lastWeek }))),
  );
  await withPlatform((tx) => tx.insert(loginAttempts).values({ email: "now@example.test", ip: "192.0.2.7", succeeded: true, attemptedAt: new Date() }));

  const first = await captureLogs(() => loginAttemptPruning.run());
  expect(pruned(first.output)).toEqual([expect.objectContaining({ removed: 3 })]);
  const left = await withPlatform((tx) => tx.select({ email: loginAttempts.email }).from(loginAttempts));
  expect(left).toEqual([{ email: "now@example.test" }]);

  const second = await captureLogs(() => loginAttemptPruning.run());
  expect(pruned(second.output)).toEqual([]);
});
