// Mutation testing (npm run test:mutation): StrykerJS breaks one line at a time in the
// modules that carry Switchboard's guarantees and reruns the Vitest tests that cover it.
// A mutant that no test notices is a guarantee nothing checks. See docs/TESTING.md.
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
const config = {
  testRunner: "vitest",
  plugins: ["@stryker-mutator/vitest-runner"],
  // Only the tests of the mutated modules (vitest.mutation.config.ts), all of them for each mutant
  // that they cover: `related` would pull in every test file importing the module.
  vitest: { configFile: "vitest.mutation.config.ts", related: false },
  coverageAnalysis: "perTest",
  mutate: [
    "lib/whatsapp/signature.ts",
    "db/tenant.ts",
    "db/queue-analysis.ts",
    "db/embedded-vacuum.ts",
    "db/autovacuum-thresholds.ts",
    "lib/ingest/deliveries.ts",
    "lib/ingest/split.ts",
    "lib/ingest/split-job.ts",
    "lib/ingest/jobs.ts",
    "lib/ingest/unsplit.ts",
    "lib/ingest/process.ts",
    "lib/ingest/answers-first.ts",
    "lib/server/jobs-thread.ts",
    "lib/ingest/route.ts",
    "lib/ingest/unrouted.ts",
    "lib/ingest/apply/messages.ts",
    "lib/ingest/apply/statuses.ts",
    "lib/contacts/identity.ts",
    "lib/contacts/merge.ts",
    "lib/outbound/send.ts",
    "lib/auth/throttle.ts",
    "lib/workspace/invitations.ts",
    "lib/workspace/access.ts",
    "lib/workspace/roles.ts",
    // Brackets are glob classes: [[] matches a literal "[".
    "app/api/w/[[]slug]/messages/[[]messageId]/media/route.ts",
  ],
  incremental: true,
  incrementalFile: "reports/stryker-incremental.json",
  reporters: ["clear-text", "progress-append-only", "html"],
  htmlReporter: { fileName: "reports/mutation/index.html" },
  concurrency: 2,
  timeoutMS: 60_000,
  tempDirName: ".stryker-tmp",
  cleanTempDir: "always",
  thresholds: { high: 90, low: 85, break: null },
};

export default config;
