import { afterAll, beforeAll } from "vitest";
import { resetEnvForTests } from "@/lib/config/env";
import { startSmtpCapture, type SmtpCapture } from "./smtp-capture";

/**
 * For a test file whose code sends mail: a real SMTP server in this process, and SMTP_URL
 * pointing at it for the whole file. Read `mailbox()` inside tests.
 */
export function captureMail(): () => SmtpCapture {
  let capture: SmtpCapture | undefined;
  beforeAll(async () => {
    capture = await startSmtpCapture();
    process.env.SMTP_URL = capture.url;
    resetEnvForTests();
  });
  afterAll(async () => {
    delete process.env.SMTP_URL;
    resetEnvForTests();
    await capture?.close();
  });
  return () => {
    if (!capture) throw new Error("captureMail(): the SMTP capture starts in beforeAll");
    return capture;
  };
}
