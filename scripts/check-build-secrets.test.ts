import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, expect, it } from "vitest";
import { secretsInBuild } from "./check-build-secrets";

let project: string;
afterEach(() => fs.rmSync(project, { recursive: true, force: true }));

const secret = "an-app-secret-canary-0123456789";

/** A `.next` folder holding `files` (relative to it) with the given contents. */
function built(files: Record<string, string>): string {
  project = fs.mkdtempSync(path.join(os.tmpdir(), "switchboard-secrets-"));
  for (const [file, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(project, ".next", file)), { recursive: true });
    fs.writeFileSync(path.join(project, ".next", file), text);
  }
  return path.join(project, ".next");
}

it("names each script and prerendered page a browser gets that holds a secret's value", () => {
  const nextDir = built({
    "static/chunks/app/w/[slug]/settings/numbers/page-3f2a.js": `self.x={appSecret:"${secret}"}`,
    "server/app/sign-in.rsc": `1:["$","div",null,{"s":"${secret}"}]`,
    "server/app/sign-in.html": "<html>fine</html>",
    "static/css/app.css": "body{}",
  });
  expect(secretsInBuild(nextDir, { WHATSAPP_APP_SECRET: secret, AUTH_SECRET: undefined }).sort()).toEqual([
    ".next/server/app/sign-in.rsc: WHATSAPP_APP_SECRET",
    ".next/static/chunks/app/w/[slug]/settings/numbers/page-3f2a.js: WHATSAPP_APP_SECRET",
  ]);
});

it("passes a build whose browser files hold no secret, whatever the server's own bundle holds", () => {
  const nextDir = built({
    "static/chunks/main.js": "console.log('hello')",
    // Server code may mention the secret's value only if it was inlined there, and that never reaches a browser.
    "server/chunks/ssr/env.js": `const s="${secret}"`,
  });
  expect(secretsInBuild(nextDir, { WHATSAPP_APP_SECRET: secret })).toEqual([]);
});
