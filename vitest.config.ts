import path from "node:path";
import { defineConfig } from "vitest/config";

export default defineConfig({
  resolve: { alias: { "@": path.resolve(import.meta.dirname) } },
  test: {
    include: ["{app,lib,db,components,scripts}/**/*.test.{ts,tsx}"],
    globalSetup: ["db/testing/global-setup.ts"],
    setupFiles: ["testing/log-setup.ts", "db/testing/setup.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: "forks",
  },
});
