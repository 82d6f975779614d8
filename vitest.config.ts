import path from "node:path";
import { defineConfig } from "vitest/config";

export default defineConfig({
  resolve: { alias: { "@": path.resolve(import.meta.dirname) } },
  test: {
    include: ["{app,lib,db,components,scripts,testing}/**/*.test.{ts,tsx}"],
    // The planted violations the layer check must reject are not tests of their own.
    exclude: ["testing/fixtures/**", "**/node_modules/**"],
    globalSetup: ["testing/db/global-setup.ts"],
    setupFiles: ["testing/log-setup.ts", "testing/db/setup.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: "forks",
  },
});
