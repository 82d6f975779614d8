import { afterEach, expect, it } from "vitest";
import { resetEnvForTests } from "@/lib/config/env";
import { captureLogs } from "@/testing/logs";
import { log, withLogContext } from "./log";
import { describeError } from "./logging/errors";

type Line = Record<string, unknown>;
const lines = (output: string): Line[] =>
  output
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Line);

afterEach(() => {
  process.env.LOG_LEVEL = "warn";
  resetEnvForTests();
});

const accessToken = "EAAGm0PX4ZCpsBAKZB8q0secret-access-token";
const appSecret = "4f0c3d9e8b7a6f5e4d3c2b1a09f8e7d6";
const password = "correct horse battery staple";
const messageBody = "Mi número de tarjeta es 4111 1111 1111 1111";

it("never writes a token, an app secret, a password or a message body passed in fields, at any depth", async () => {
  const { output } = await captureLogs(async () => {
    log.warn("sign_in_failed", { email: "ana@example.com", password });
    log.warn("graph_call", { token: accessToken, accessToken, request: { headers: { authorization: `Bearer ${accessToken}` } } });
    log.error("config_dump", { appSecret, WHATSAPP_APP_SECRET: appSecret, nested: { secret: appSecret } });
    log.warn("message_seen", { text: messageBody, message: { body: messageBody, caption: messageBody } });
  });
  expect(lines(output).map((line) => line.event)).toEqual(["sign_in_failed", "graph_call", "config_dump", "message_seen"]);
  for (const secret of [accessToken, appSecret, password, messageBody]) expect(output).not.toContain(secret);
  const [signIn, graph] = lines(output);
  expect(signIn).toMatchObject({ level: "warn", email: "ana@example.com", password: "[redacted]" });
  expect(graph).toMatchObject({ token: "[redacted]", request: { headers: { authorization: "[redacted]" } } });
});

it("describes an error by its innermost cause, without the wrapper's message that lists a query's parameters", async () => {
  const cause = Object.assign(new Error('duplicate key value violates unique constraint "messages_wamid"'), { code: "23505" });
  const wrapper = new Error(`Failed query: insert into "messages" … params: ${messageBody},${accessToken}`, { cause });
  const { output } = await captureLogs(async () => log.error("store_failed", { error: wrapper }));
  const [line] = lines(output);
  expect(line!.error).toMatchObject({ name: "Error", code: "23505", message: cause.message });
  expect(output).not.toContain(messageBody);
  expect(output).not.toContain(accessToken);
  expect(describeError(wrapper)).toBe(`23505: ${cause.message}`);
});

it("marks every line logged inside a request or delivery with its id, and child loggers with their bindings", async () => {
  const { output } = await captureLogs(async () => {
    await withLogContext({ deliveryId: "d-1" }, async () => {
      await Promise.resolve();
      log.warn("inside");
      log.child({ phoneNumberId: "p-9" }).warn("inside_child");
    });
    log.warn("outside");
  });
  const [inside, insideChild, outside] = lines(output);
  expect(inside).toMatchObject({ event: "inside", deliveryId: "d-1" });
  expect(insideChild).toMatchObject({ event: "inside_child", deliveryId: "d-1", phoneNumberId: "p-9" });
  expect(outside).not.toHaveProperty("deliveryId");
});

it("keeps an outer context's fields inside an inner one, lets a line's own fields win, and redacts context fields too", async () => {
  const { output } = await captureLogs(async () => {
    await withLogContext({ requestId: "r-1", token: accessToken }, () =>
      withLogContext({ deliveryId: "d-2" }, async () => {
        log.warn("nested");
        log.warn("own_field", { deliveryId: "d-3" });
      }),
    );
    await withLogContext({ requestId: "r-2" }, async () => log.warn("second"));
  });
  const [nested, ownField, second] = lines(output);
  expect(nested).toMatchObject({ event: "nested", requestId: "r-1", deliveryId: "d-2", token: "[redacted]" });
  expect(ownField).toMatchObject({ event: "own_field", requestId: "r-1", deliveryId: "d-3" });
  expect(second).toMatchObject({ event: "second", requestId: "r-2" });
  expect(second).not.toHaveProperty("deliveryId");
  expect(output).not.toContain(accessToken);
});

it("writes only lines at or above LOG_LEVEL, read again when the environment changes", async () => {
  const quiet = await captureLogs(async () => {
    log.info("not_now");
    log.warn("now");
  });
  expect(lines(quiet.output).map((line) => line.event)).toEqual(["now"]);

  process.env.LOG_LEVEL = "debug";
  resetEnvForTests();
  const loud = await captureLogs(async () => log.debug("details"));
  expect(lines(loud.output)).toMatchObject([{ event: "details", level: "debug" }]);
});
