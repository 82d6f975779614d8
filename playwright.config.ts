import { defineConfig, devices } from "@playwright/test";
import path from "node:path";

// E2E_PORT lets several checkouts on one machine run their browser tests side by side.
const port = Number(process.env.E2E_PORT ?? 3100);
// The fake Graph API the app sends through (scripts/fake-graph.ts); specs queue Meta's errors on it.
const graphPort = Number(process.env.E2E_GRAPH_PORT ?? port + 1000);
// The server's embedded database and files live in the output directory, which Playwright empties
// before it starts the servers: each run begins on a fresh database, and none is left behind in the
// machine's temporary directory, as one per run was.
const outputDir = "test-results";
const dataDir = path.resolve(outputDir, "server-data");
// The SMTP server the journeys read mail from (e2e/support/mailbox.ts), started in the test worker.
const smtpPort = Number(process.env.E2E_SMTP_PORT ?? port + 2);

const chromium = {
  ...devices["Desktop Chrome"],
  launchOptions: {
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  },
};

// The browser tests run the production server on a fresh embedded database, exactly
// what a newcomer gets, with Debian's Chromium (Playwright cannot download its own here).
export default defineConfig({
  testDir: "e2e",
  outputDir,
  fullyParallel: false,
  workers: 1,
  retries: 0,
  timeout: 60_000,
  expect: { timeout: 10_000 },
  reporter: [["list"]],
  use: {
    baseURL: `http://127.0.0.1:${port}`,
    screenshot: "only-on-failure",
    trace: "retain-on-failure",
  },
  projects: [
    { name: "chromium", testIgnore: /throttle\.spec\.ts/, use: chromium },
    // Ten failures pause an address for every email, and the browser always comes from
    // 127.0.0.1: the throttle's journeys run after every other one (e2e/throttle.spec.ts).
    { name: "throttle", testMatch: /throttle\.spec\.ts/, dependencies: ["chromium"], use: chromium },
  ],
  webServer: [
    {
      command: `npx tsx scripts/fake-graph.ts --port ${graphPort}`,
      port: graphPort,
      timeout: 30_000,
      reuseExistingServer: false,
    },
    {
      command: `${process.env.CI ? "" : "npm run build && "}npm run start -- --port ${port} --hostname 127.0.0.1`,
      url: `http://127.0.0.1:${port}/api/health`,
      timeout: 240_000,
      reuseExistingServer: false,
      stdout: "pipe",
      env: {
        DATA_DIR: dataDir,
        APP_URL: `http://127.0.0.1:${port}`,
        NEXT_TELEMETRY_DISABLED: "1",
        DATABASE_URL: "",
        // Production refuses to start without secrets; these exist only for this test server.
        AUTH_SECRET: "e2e-auth-secret-e2e-auth-secret-e2e-auth-secret",
        WHATSAPP_APP_SECRET: "e2e-app-secret-0123456789abcdef",
        WHATSAPP_VERIFY_TOKEN: "e2e-verify-token-0123456789",
        ENCRYPTION_KEY: Buffer.alloc(32, 7).toString("base64"),
        WHATSAPP_GRAPH_URL: `http://127.0.0.1:${graphPort}`,
        // The fake Graph's app (its fixtures' subscribed app); sandbox numbers (999…) for the journeys that need no Meta.
        META_APP_ID: "670843887433847",
        // Shows "Connect with Facebook"; e2e/embedded-signup.spec.ts stands in for Facebook's SDK and dialog.
        META_CONFIG_ID: "1234567890123",
        SANDBOX_NUMBERS: "on",
        SMTP_URL: `smtp://127.0.0.1:${smtpPort}`,
        // Every journey's browser is 127.0.0.1, one client address for some thirty people's mails.
        MAIL_REQUESTS_PER_CLIENT_ADDRESS: "1000",
      },
    },
  ],
});
