import { expect, it } from "vitest";
import { requiredNodeMajor, unsupportedNodeReason } from "./node-version";

it("runs the test suite on Node.js 24 or newer (npm scripts use the project's own Node)", () => {
  expect(unsupportedNodeReason(process.versions.node)).toBeNull();
  expect(Number.parseInt(process.versions.node, 10)).toBeGreaterThanOrEqual(24);
});

it("refuses Node.js 20 and 23 saying which version is needed and how to start, and accepts 24 and later", () => {
  expect(requiredNodeMajor).toBe(24);
  const refusal = unsupportedNodeReason("20.20.2");
  expect(refusal).toContain("needs Node.js 24 or newer, and this is Node.js 20.20.2");
  expect(refusal).toContain("`npm run dev`, `npm start`");
  expect(unsupportedNodeReason("23.11.0")).toContain("Node.js 23.11.0");
  expect(unsupportedNodeReason("24.0.0")).toBeNull();
  expect(unsupportedNodeReason("25.2.1")).toBeNull();
});
