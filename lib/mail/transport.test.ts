import fs from "node:fs";
import path from "node:path";
import { afterEach, expect, it } from "vitest";
import { env, resetEnvForTests } from "@/lib/config/env";
import { logAtLevelInEachTest, logMark } from "@/testing/logs";
import { startSmtpCapture } from "@/testing/smtp-capture";
import { invitationMail, resetPasswordMail } from "./messages";
import { sendMail } from "./transport";

logAtLevelInEachTest("info");

afterEach(() => {
  delete process.env.SMTP_URL;
  resetEnvForTests();
});

it("sends through the SMTP server at SMTP_URL, as plain text and HTML with the link, and logs no link", async () => {
  const capture = await startSmtpCapture();
  try {
    process.env.SMTP_URL = capture.url;
    resetEnvForTests();
    const link = new URL("/reset-password/abc", env().APP_URL).toString();
    const logs = logMark();
    await sendMail(resetPasswordMail("ana@mail.test", link));
    const mail = await capture.waitFor("ana@mail.test");
    expect(mail.subject).toBe("Reset your Switchboard password");
    expect(mail.from).toBe(`no-reply@${new URL(env().APP_URL).hostname}`);
    expect(mail.text).toContain(`Choose a new password:\n${link}`);
    expect(mail.html).toContain(`href="${link}"`);
    expect(logs()).toContain('"event":"mail_sent"');
    expect(logs()).not.toContain(link);
  } finally {
    await capture.close();
  }
});

it("escapes what people typed in the HTML mail", async () => {
  const mail = invitationMail("x@mail.test", { link: "http://localhost:3000/invite/a.b.c", workspaceName: "<b>Acme</b>", inviterName: 'Ana "A" & co', role: "agent" });
  expect(mail.html).toContain("&lt;b&gt;Acme&lt;/b&gt;");
  expect(mail.html).toContain("Ana &quot;A&quot; &amp; co");
  expect(mail.html).not.toContain("<b>Acme</b>");
  expect(mail.text).toContain("<b>Acme</b>");
});

it("fails loudly when the mail server cannot be reached, so the caller can say so", async () => {
  const capture = await startSmtpCapture();
  await capture.close();
  process.env.SMTP_URL = capture.url;
  resetEnvForTests();
  await expect(sendMail(resetPasswordMail("ana@mail.test", "http://localhost:3000/reset-password/x"))).rejects.toThrow();
});

it("without SMTP_URL outside production, writes each mail to $DATA_DIR/mail and logs its link", async () => {
  const logs = logMark();
  const link = "http://localhost:3000/verify-email/dev-link";
  await sendMail(resetPasswordMail("dev@mail.test", link));
  const dir = path.join(env().DATA_DIR, "mail");
  const files = fs.readdirSync(dir).filter((f) => f.endsWith(".eml"));
  expect(files).toHaveLength(1);
  const raw = fs.readFileSync(path.join(dir, files[0]!), "utf8");
  expect(raw).toContain("To: dev@mail.test");
  expect(raw).toContain("Subject: Reset your Switchboard password");
  expect(logs()).toContain('"event":"mail_written"');
  expect(logs()).toContain(link);
});
