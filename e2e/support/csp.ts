import { test as base, expect, type BrowserContext } from "@playwright/test";
import type { SmtpCapture } from "@/testing/smtp-capture";
import { closeMailbox, openMailbox } from "./mailbox";

const facebookSdkOrigin = "https://connect.facebook.net";

export { expect };
export type { APIRequestContext, Browser, BrowserContext, Page } from "@playwright/test";

export type CspViolation = { url: string; directive: string; blocked: string; sample: string } | { console: string };

declare global {
  interface Window {
    __reportCspViolation?: (violation: CspViolation) => void;
  }
}

/** Every page the context opens reports each Content-Security-Policy violation into `into`. */
async function watch(context: BrowserContext, into: CspViolation[]): Promise<void> {
  await context.exposeFunction("__reportCspViolation", (violation: CspViolation) => {
    into.push(violation);
  });
  await context.addInitScript(() => {
    document.addEventListener(
      "securitypolicyviolation",
      (event) =>
        window.__reportCspViolation?.({
          url: event.documentURI,
          directive: event.effectiveDirective,
          blocked: event.blockedURI,
          sample: event.sample,
        }),
      true,
    );
  });
  // Chromium also explains each refusal on the console; a page that breaks before the
  // listener runs still shows up here.
  context.on("console", (message) => {
    if (message.type() === "error" && /Content Security Policy/i.test(message.text())) into.push({ console: message.text() });
  });
}

/**
 * The `test` every browser journey imports: it fails a journey in which any page, in any
 * browser context the journey opens, ran into the Content-Security-Policy. A journey that
 * provokes a violation on purpose reads `cspViolations` and empties it once checked.
 */
export const test = base.extend<{ cspViolations: CspViolation[] }, { mailbox: SmtpCapture }>({
  // The server's mail goes to this capture for the whole run (support/mailbox.ts).
  mailbox: [
    async ({}, use) => {
      await use(await openMailbox());
      await closeMailbox();
    },
    { scope: "worker", auto: true },
  ],
  cspViolations: [
    async ({ browser, context }, use) => {
      const violations: CspViolation[] = [];
      await watch(context, violations);
      // No journey reaches the real Facebook: the numbers page loads Meta's SDK when Embedded
      // Signup is configured, and e2e/embedded-signup.spec.ts serves a stand-in (page routes win).
      await context.route(`${facebookSdkOrigin}/**`, (route) => route.abort("blockedbyclient"));
      const newContext = browser.newContext.bind(browser);
      browser.newContext = async (options) => {
        const opened = await newContext(options);
        await watch(opened, violations);
        return opened;
      };
      // `use` returns when the journey ends, passed or failed.
      await use(violations);
      browser.newContext = newContext;
      expect(violations, "Content-Security-Policy violations in the browser").toEqual([]);
    },
    { auto: true },
  ],
});
