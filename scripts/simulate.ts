import { randomBytes } from "node:crypto";
import fs from "node:fs";
import { parseArgs } from "node:util";
import { env } from "@/lib/config/env";
import { simulatedTextDelivery } from "@/testing/simulated-delivery";
import { signatureHeaderName, signBody } from "@/lib/whatsapp/signature";

const usage = `Sends a signed WhatsApp webhook delivery to a running Switchboard, as Meta would.

  npm run simulate -- --to <phone_number_id> [--from <wa_id>] [--text "…"] [--name "…"] [--url <base url>]
  npm run simulate -- --file <delivery.json> [--url <base url>]

  --to     the receiving business number's phone_number_id (routes the delivery); sandbox
           numbers, which need no token, start with 999 (the demo's: 999000000000901)
  --from   the customer's WhatsApp number (default 15550001234)
  --text   the message text (default "hi")
  --name   the customer's profile name (default "Simulated Customer")
  --file   send this file's bytes exactly as they are, instead of building a text message
  --url    the server (default http://localhost:3000)

Signs with WHATSAPP_APP_SECRET, read like the server reads it (the environment, or in
development $DATA_DIR/dev-secrets.json), so run it with the server's environment.`;

const { values } = parseArgs({
  options: {
    to: { type: "string" },
    from: { type: "string", default: "15550001234" },
    text: { type: "string", default: "hi" },
    name: { type: "string" },
    file: { type: "string" },
    url: { type: "string", default: "http://localhost:3000" },
    help: { type: "boolean", short: "h" },
  },
});

if (values.help || (!values.to && !values.file)) {
  console.log(usage);
  process.exit(values.help ? 0 : 1);
}

let body: Buffer;
let description: string;
if (values.file) {
  body = fs.readFileSync(values.file);
  description = `${values.file} (${body.byteLength} bytes)`;
} else {
  const wamid = `wamid.SIM${randomBytes(12).toString("hex").toUpperCase()}`;
  body = simulatedTextDelivery({ to: values.to!, from: values.from, text: values.text, profileName: values.name, wamid });
  description = `text message ${wamid} from ${values.from} to ${values.to}`;
}

const target = new URL("/api/webhooks/whatsapp", values.url);
console.log(`POST ${target} — ${description}`);
try {
  const response = await fetch(target, {
    method: "POST",
    headers: { "content-type": "application/json", [signatureHeaderName]: signBody(body, env().WHATSAPP_APP_SECRET) },
    body: new Uint8Array(body),
  });
  console.log(`${response.status} ${response.statusText}\n${await response.text()}`);
  process.exitCode = response.ok ? 0 : 1;
} catch (error) {
  console.error(`Could not reach ${target}: ${(error as Error).cause ?? error}. Is the server running (npm run dev)?`);
  process.exitCode = 1;
}
