import { z } from "zod";
import { closeDatabase, db } from "@/db/client";
import { env } from "@/lib/config/env";
import { webhookConfigurationProblems } from "@/lib/config/webhook";
import { discardQuarantined, listQuarantined, replayQuarantined, showItem } from "@/lib/ingest/quarantine";
import { listUnroutedNumbers } from "@/lib/ingest/unrouted";
import { discardUnsplitDeliveries, listUnsplitDeliveries, showUnsplitDelivery } from "@/lib/ingest/unsplit";
import { jobsOverview } from "@/lib/jobs/overview";
import { openMigratedDatabase } from "./open-database";

const uuid = z.uuid();

const usage = `Platform operator commands.

  npm run ops -- unrouted   numbers Meta delivers to that no workspace owns: items, first and last seen
  npm run ops -- webhook    the callback URL and verify token to register in the platform's Meta app,
                            and what in the configuration would stop Meta's deliveries
  npm run ops -- quarantine                 webhook items that failed every attempt or could not be read, with the reason
  npm run ops -- quarantine show <id> [--body]
                            one item: where it came from and why it failed; --body adds the item's JSON and its
                            delivery's raw body (customers' messages: only when you need them)
  npm run ops -- quarantine replay <id>…    apply these items again (fresh attempts), e.g. after a fix is deployed
  npm run ops -- quarantine discard <id>…   give these items up (retention then deletes their delivery)
  npm run ops -- deliveries                 stored deliveries that could not be split into items (retried every 10 s), with the reason
  npm run ops -- deliveries show <id> [--body]
                            one of them; --body adds its raw body (customers' messages: only when you need them)
  npm run ops -- deliveries discard <id>…   give these deliveries up (marked ignored; retention deletes them)
  npm run ops -- jobs       background jobs per queue and state, and the parked ones with their errors

With the embedded database (no DATABASE_URL), stop the dev server first: PGlite serves one process.`;

const command = process.argv[2];

async function unrouted() {
  const numbers = await listUnroutedNumbers();
  if (numbers.length === 0) {
    console.log("No unrouted numbers: every delivery went to a workspace.");
    return;
  }
  console.table(
    numbers.map((n) => ({
      phone_number_id: n.phoneNumberId,
      items: n.items,
      first_seen: n.firstSeen.toISOString(),
      last_seen: n.lastSeen.toISOString(),
    })),
  );
  console.log("A workspace that adds one of these numbers receives its items then.");
}

/**
 * The shape of the commands over stored rows: `<command>` lists them, `<command> show <id>
 * [--body]` reads one, `<command> <action> <id>…` acts on some. Ids are checked first, so a
 * mistyped one gets a plain answer rather than the database's.
 */
type RowsCommand = {
  name: string;
  noun: { one: string; a: string; many: string };
  show: (id: string, options: { body: boolean }) => Promise<unknown>;
  /** Why `show` found nothing under that id. */
  notShown: string;
  actions: Record<string, { run: (ids: string[]) => Promise<string[]>; past: string; whyNot: string }>;
  list: () => Promise<void>;
};

async function rowsCommand(command: RowsCommand) {
  const [action, ...rest] = process.argv.slice(3);
  const ids = rest.filter((a) => !a.startsWith("--"));
  const notIds = ids.filter((id) => !uuid.safeParse(id).success);
  const refuse = (message: string) => {
    console.log(message);
    process.exitCode = 1;
  };
  if (notIds.length > 0) return refuse(`Not ${command.noun.a} id: ${notIds.join(", ")}. The ids are the first column of \`npm run ops -- ${command.name}\`.`);
  if (action === "show") {
    if (!ids[0]) return refuse(`Give the ${command.noun.one}'s id: npm run ops -- ${command.name} show <id> [--body]`);
    const row = await command.show(ids[0], { body: rest.includes("--body") });
    if (!row) return refuse(`No ${command.noun.one} ${ids[0]} ${command.notShown}.`);
    console.log(JSON.stringify(row, null, 2));
    return;
  }
  const act = action === undefined ? undefined : command.actions[action];
  if (act) {
    const done = await act.run(ids);
    console.log(`${act.past} ${done.length} of ${ids.length} ${command.noun.many}${done.length < ids.length ? ` (${act.whyNot})` : ""}.`);
    if (done.length < ids.length) process.exitCode = 1;
    return;
  }
  if (action !== undefined) return refuse(usage);
  await command.list();
}

const quarantine = () =>
  rowsCommand({
    name: "quarantine",
    noun: { one: "item", a: "an item", many: "items" },
    show: (id, options) => showItem(id, options),
    notShown: "exists",
    actions: {
      replay: { run: replayQuarantined, past: "Replayed", whyNot: "the others are not quarantined, or have no body to replay" },
      discard: { run: discardQuarantined, past: "Discarded", whyNot: "the others are not quarantined" },
    },
    list: async () => {
      const items = await listQuarantined();
      if (items.length === 0) {
        console.log("No quarantined items: every webhook item was applied, or is waiting for its number's owner.");
        return;
      }
      console.table(
        items.map((i) => ({
          id: i.id,
          delivery: i.deliveryId,
          where: i.path,
          kind: i.kind,
          workspace: i.workspaceId ?? "(unrouted)",
          attempts: i.attempts,
          reason: i.lastError,
        })),
      );
      console.log("Replay with `npm run ops -- quarantine replay <id>…`, or give up with `… discard <id>…`.");
    },
  });

const deliveries = () =>
  rowsCommand({
    name: "deliveries",
    noun: { one: "delivery", a: "a delivery", many: "deliveries" },
    show: (id, options) => showUnsplitDelivery(id, options),
    notShown: "is waiting after a failed split",
    actions: { discard: { run: discardUnsplitDeliveries, past: "Discarded", whyNot: "the others are not waiting after a failed split" } },
    list: async () => {
      const rows = await listUnsplitDeliveries();
      if (rows.length === 0) {
        console.log("No delivery is waiting after a failed split: every stored delivery was split into items.");
        return;
      }
      console.table(rows.map((d) => ({ id: d.id, received: d.receivedAt.toISOString(), bytes: d.bytes, attempts: d.attempts, reason: d.error })));
      console.log("Each is tried again every 10 s. Read one with `npm run ops -- deliveries show <id>`; give it up with `… discard <id>…`.");
    },
  });

async function jobs() {
  const overview = await jobsOverview(db());
  if (overview.counts.length === 0) console.log("No background jobs queued, running or parked.");
  else console.table(overview.counts);
  if (overview.parked.length === 0) return;
  console.log("Parked after their last attempt (a periodic job's next occurrence replaces its parked one):");
  console.table(
    overview.parked.map((j) => ({ id: j.id, queue: j.queue, attempts: j.attempts, last_failed: j.lastFailedAt?.toISOString(), error: j.lastError })),
  );
}

/** Reads only the configuration: no database, so it runs beside a server on the embedded one. */
function webhook() {
  const config = env();
  console.log(`Callback URL:  ${new URL("/api/webhooks/whatsapp", config.APP_URL).toString()}`);
  console.log(`Verify token:  ${config.WHATSAPP_VERIFY_TOKEN}`);
  console.log(`Meta app id:   ${config.META_APP_ID}`);
  console.log(`Sandbox numbers (ids starting with 999): ${config.SANDBOX_NUMBERS}`);
  console.log("Register both in the Meta app (WhatsApp → Configuration → Webhook) and subscribe the 'messages' field.");
  const problems = webhookConfigurationProblems(config);
  if (problems.length === 0) {
    console.log("Configuration: OK.");
    return;
  }
  console.log("Configuration problems:");
  for (const problem of problems) console.log(`  - ${problem}`);
  process.exitCode = 1;
}

const commands: Record<string, () => Promise<void>> = { unrouted, quarantine, deliveries, jobs };
if (command === "webhook") {
  webhook();
  process.exit();
}
const run = command ? commands[command] : undefined;
if (!run) {
  console.log(usage);
  process.exit(command ? 1 : 0);
}

await openMigratedDatabase();
try {
  await run();
} finally {
  await closeDatabase();
}
