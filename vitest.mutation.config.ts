import { defineConfig } from "vitest/config";
import base from "./vitest.config";

/**
 * The tests StrykerJS runs against each mutant (stryker.config.mjs): those of the modules it
 * mutates, and no more, so that each mutant costs seconds rather than the whole suite.
 */
export default defineConfig({
  ...base,
  test: {
    ...base.test,
    include: [
      "lib/whatsapp/signature.test.ts",
      "db/tenancy.test.ts",
      "db/pipelined.test.ts",
      "db/queue-analysis.test.ts",
      "db/embedded-vacuum.test.ts",
      "lib/grouped.test.ts",
      "lib/ingest/*.test.ts",
      "lib/ingest/apply/*.test.ts",
      "lib/jobs/*.test.ts",
      "lib/contacts/*.test.ts",
      "lib/inbox/{conversations,search-statistics}.test.ts",
      "app/w/[[]slug]/inbox/[[]conversationId]/merged.test.ts",
      "lib/realtime/hub.test.ts",
      "lib/log.test.ts",
      "app/api/webhooks/whatsapp/route.test.ts",
      "lib/outbound/send.test.ts",
      "lib/auth/{credentials,throttle}.test.ts",
      "lib/server/{background-jobs,jobs-thread}.test.ts",
      "lib/workspace/{invitations,members,workspaces,roles,numbers-roles}.test.ts",
      "app/api/w/[[]slug]/outbound-routes.test.ts",
      "app/w/[[]slug]/settings/members/page.test.ts",
    ],
  },
});
