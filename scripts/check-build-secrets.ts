/**
 * `npm run build` runs this after `next build`: it fails the build when the value of a server
 * secret set in the build's environment (WHATSAPP_APP_SECRET above all, which Embedded Signup's
 * code exchange uses) turns up in what browsers are sent: the scripts in `.next/static` and the
 * pages and RSC payloads Next prerendered in `.next/server/app`. A secret set at build time is
 * what a `NEXT_PUBLIC_` name, an `env` entry in next.config.ts or a prerendered prop would copy
 * there; CI builds with a canary value so the check always has something to look for.
 *
 *   tsx scripts/check-build-secrets.ts [<.next folder>]
 */
import fs from "node:fs";
import path from "node:path";
import { secretNames } from "@/lib/config/secrets";

/** Prerendered responses (`.html`, `.rsc`, `.body`, `.meta`) and every file of `static/`. */
function browserFiles(nextDir: string): string[] {
  const staticDir = path.join(nextDir, "static");
  const pagesDir = path.join(nextDir, "server/app");
  const under = (dir: string) =>
    fs.existsSync(dir) ? fs.readdirSync(dir, { recursive: true, encoding: "utf8" }).map((file) => path.join(dir, file)) : [];
  return [...under(staticDir), ...under(pagesDir).filter((file) => /\.(html|rsc|body|meta)$/.test(file))].filter((file) => fs.statSync(file).isFile());
}

/** Each built file a browser can get that contains one of the secrets, as `<file>: <secret's name>`. */
export function secretsInBuild(nextDir: string, secrets: Partial<Record<string, string>>): string[] {
  const values = Object.entries(secrets).filter((entry): entry is [string, string] => Boolean(entry[1]));
  const found: string[] = [];
  for (const file of browserFiles(nextDir)) {
    const text = fs.readFileSync(file, "latin1");
    for (const [name, value] of values) {
      if (text.includes(value)) found.push(`${path.relative(path.dirname(nextDir), file)}: ${name}`);
    }
  }
  return found;
}

if (import.meta.filename === process.argv[1]) {
  const nextDir = path.resolve(process.argv[2] ?? ".next");
  const set = Object.fromEntries(secretNames.filter((name) => process.env[name]).map((name) => [name, process.env[name]]));
  if (Object.keys(set).length === 0) {
    console.log("Build secrets: none set in the build's environment, nothing to look for (CI sets a canary WHATSAPP_APP_SECRET).");
  } else {
    const found = secretsInBuild(nextDir, set);
    if (found.length > 0) {
      console.error(
        `A server secret is in ${found.length} built files a browser can load:\n  ${found.slice(0, 10).join("\n  ")}\n` +
          "Secrets are read on the server only (lib/config/env.ts); never pass one to a client component or a NEXT_PUBLIC_ variable.",
      );
      process.exit(1);
    }
    console.log(`Build secrets: ${Object.keys(set).join(", ")} in no built file a browser can load.`);
  }
}
