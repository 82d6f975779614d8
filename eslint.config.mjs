import next from "eslint-config-next/core-web-vitals";
import nextTypescript from "eslint-config-next/typescript";

const config = [
  ...next,
  ...nextTypescript,
  {
    ignores: [".next/**", ".data/**", ".stryker-tmp/**", "reports/**", "node_modules/**", "drizzle/**", "test-results/**", "playwright-report/**", "next-env.d.ts", "testing/fixtures/layers/**"],
  },
];

export default config;
