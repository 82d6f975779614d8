import { randomBytes } from "node:crypto";
import fs from "node:fs/promises";
import nodemailer, { type Transporter } from "nodemailer";
import MailComposer from "nodemailer/lib/mail-composer/index.js";
import { env } from "@/lib/config/env";
import { runtimePath } from "@/lib/config/runtime-path";
import { log } from "@/lib/log";

/** One mail as Switchboard writes it: plain text, the same in simple HTML, and the one link it is about. */
export type Mail = { to: string; subject: string; text: string; html: string; link: string; kind: string };

let transporter: { url: string; transport: Transporter } | undefined;

function smtp(url: string): Transporter {
  if (transporter?.url !== url) transporter = { url, transport: nodemailer.createTransport(url) };
  return transporter.transport;
}

/**
 * Sends a mail through `SMTP_URL`. Without one (development and tests only: production does
 * not start without it) the mail is written to `$DATA_DIR/mail/` as an .eml file and its link
 * logged, so a developer can follow it; the link is never logged when a mail server is set.
 */
export async function sendMail(mail: Mail): Promise<void> {
  const config = env();
  const message = { from: config.MAIL_FROM, to: mail.to, subject: mail.subject, text: mail.text, html: mail.html };
  if (config.SMTP_URL) {
    await smtp(config.SMTP_URL).sendMail(message);
    log.info("mail_sent", { kind: mail.kind });
    return;
  }
  const dir = runtimePath(config.DATA_DIR, "mail");
  await fs.mkdir(dir, { recursive: true });
  const file = runtimePath(dir, `${new Date().toISOString().replace(/[:.]/g, "-")}-${mail.kind}-${randomBytes(3).toString("hex")}.eml`);
  await fs.writeFile(file, await new MailComposer(message).compile().build());
  log.info("mail_written", { kind: mail.kind, to: mail.to, file, link: mail.link });
}

/**
 * Sends without making the person wait for the mail server, and without telling them how it
 * went: whether a mail goes out must not show in the answer (sign-up, password reset). A
 * failure is logged; the person can ask again.
 */
export function sendMailLater(mail: Mail): void {
  void sendMail(mail).catch((error: unknown) => log.error("mail_failed", { kind: mail.kind, error }));
}
