import { expect, it } from "vitest";
import { withPlatform } from "@/db/platform";
import { mailRequests, userTokens } from "@/db/schema";
import { createTestUser } from "@/testing/db/factories";
import { pruneAccountMail, reserveMail } from "./mail-throttle";
import { consumeToken, issueToken } from "./tokens";

const hours = (n: number) => n * 60 * 60 * 1000;

it("forgets mail requests once their hour is over, and links a day after they were used or expired", async () => {
  const now = new Date();
  const user = await createTestUser("Pruned");
  await withPlatform(async (tx) => {
    await reserveMail(tx, { email: "old@prune.test", ip: "192.0.2.50" }, new Date(now.getTime() - 61 * 60 * 1000));
    await reserveMail(tx, { email: "new@prune.test", ip: "192.0.2.50" }, now);
    await issueToken(tx, { userId: user.id, email: user.email, purpose: "reset_password" }, new Date(now.getTime() - hours(26)));
    const used = await issueToken(tx, { userId: user.id, email: user.email, purpose: "verify_email" }, new Date(now.getTime() - hours(30)));
    await consumeToken(tx, used.split("/").pop()!, "verify_email", new Date(now.getTime() - hours(25)));
    await issueToken(tx, { userId: user.id, email: user.email, purpose: "verify_email" }, now);
  });
  expect(await withPlatform((tx) => pruneAccountMail(tx, now))).toEqual({ requests: 1, tokens: 2 });
  expect(await withPlatform((tx) => tx.select({ email: mailRequests.email }).from(mailRequests))).toEqual([{ email: "new@prune.test" }]);
  expect(await withPlatform((tx) => tx.select({ purpose: userTokens.purpose }).from(userTokens))).toEqual([{ purpose: "verify_email" }]);
});
