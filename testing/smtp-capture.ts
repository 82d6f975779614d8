import type { AddressInfo } from "node:net";
import { simpleParser } from "mailparser";
import { SMTPServer } from "smtp-server";

export type CapturedMail = { from: string; to: string[]; subject: string; text: string; html: string };

export type SmtpCapture = {
  /** `smtp://127.0.0.1:<port>`: what SMTP_URL is set to. */
  url: string;
  mails: CapturedMail[];
  /** The first mail (already received or still to come) to `to` that `match` accepts; fails after `timeoutMs`. */
  waitFor: (to: string, match?: (mail: CapturedMail) => boolean, timeoutMs?: number) => Promise<CapturedMail>;
  close: () => Promise<void>;
};

/**
 * A real SMTP server in this process, which keeps every mail it is sent, parsed: what the
 * app's mail really went through (nodemailer, the SMTP dialogue, MIME), read back as a person
 * would read it. Plain SMTP without TLS or authentication, on loopback only.
 */
export async function startSmtpCapture(port = 0): Promise<SmtpCapture> {
  const mails: CapturedMail[] = [];
  const waiters = new Set<() => void>();
  const server = new SMTPServer({
    authOptional: true,
    hideSTARTTLS: true,
    disableReverseLookup: true,
    logger: false,
    onData(stream, session, callback) {
      simpleParser(stream)
        .then((parsed) => {
          mails.push({
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : "",
            to: session.envelope.rcptTo.map((r) => r.address.toLowerCase()),
            subject: parsed.subject ?? "",
            text: parsed.text ?? "",
            html: typeof parsed.html === "string" ? parsed.html : "",
          });
          for (const wake of waiters) wake();
          callback();
        })
        .catch((error: Error) => callback(error));
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve());
  });
  const address = server.server.address() as AddressInfo;

  const find = (to: string, match: (mail: CapturedMail) => boolean) => mails.find((m) => m.to.includes(to.toLowerCase()) && match(m));

  return {
    url: `smtp://127.0.0.1:${address.port}`,
    mails,
    waitFor: (to, match = () => true, timeoutMs = 10_000) =>
      new Promise((resolve, reject) => {
        const check = () => {
          const found = find(to, match);
          if (!found) return false;
          waiters.delete(check);
          clearTimeout(timer);
          resolve(found);
          return true;
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`No mail to ${to} within ${timeoutMs} ms (received: ${mails.map((m) => `${m.to.join(",")}: ${m.subject}`).join("; ") || "none"})`));
        }, timeoutMs);
        if (!check()) waiters.add(check);
      }),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** The one link to this app a mail's text carries (every mail of ours is about one). */
export function linkIn(mail: CapturedMail, origin: string): string {
  const link = mail.text.match(new RegExp(`${origin.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}/\\S+`))?.[0];
  if (!link) throw new Error(`No link to ${origin} in the mail "${mail.subject}":\n${mail.text}`);
  return link;
}
