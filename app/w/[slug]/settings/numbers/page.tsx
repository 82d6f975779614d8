import type { Metadata } from "next";
import { AddNumberForm, EditNumberForm, RemoveNumberForm } from "@/components/settings/number-forms";
import { Badge, Card } from "@/components/ui/card";
import { CopyField } from "@/components/ui/copy-button";
import { withTenant } from "@/db/tenant";
import { requireWorkspace } from "@/lib/auth/workspace";
import { env } from "@/lib/config/env";
import { listNumbers, type NumberView } from "@/lib/workspace/numbers";
import { addNumberAction, removeNumberAction, updateNumberAction } from "./actions";

export const metadata: Metadata = { title: "WhatsApp numbers · Settings · Switchboard" };

const dateFormat = new Intl.DateTimeFormat("en", { dateStyle: "medium" });

export default async function NumbersPage({ params }: { params: Promise<{ slug: string }> }) {
  const access = await requireWorkspace((await params).slug, "admin");
  const numbers = await withTenant(access.tenantId, (tx) => listNumbers(tx));
  const { APP_URL, WHATSAPP_VERIFY_TOKEN } = env();
  const webhookUrl = new URL("/api/webhooks/whatsapp", APP_URL).toString();
  const slug = access.workspace.slug;
  const active = numbers.filter((n) => !n.removedAt);
  const removed = numbers.filter((n) => n.removedAt);

  return (
    <>
      <Card id="numbers" title="Connected numbers" description="Messages to these numbers arrive in this workspace's inbox, and nowhere else.">
        {active.length === 0 ? (
          <p className="text-sm text-slate-500 dark:text-slate-400">No numbers yet. Add your first one below.</p>
        ) : (
          <ul className="divide-y divide-slate-200 dark:divide-slate-800">
            {active.map((n) => (
              <NumberRow key={n.id} number={n}>
                <details className="group">
                  <summary className="cursor-pointer text-sm font-medium text-emerald-700 hover:underline dark:text-emerald-400">Edit</summary>
                  <div className="mt-3">
                    <EditNumberForm action={updateNumberAction.bind(null, slug)} number={n} />
                  </div>
                </details>
                <details>
                  <summary className="cursor-pointer text-sm font-medium text-red-700 hover:underline dark:text-red-400">Remove</summary>
                  <div className="mt-3">
                    <RemoveNumberForm action={removeNumberAction.bind(null, slug)} id={n.id} label={n.label} />
                  </div>
                </details>
              </NumberRow>
            ))}
          </ul>
        )}
      </Card>

      <Card id="add-number" title="Add a WhatsApp number" description="Copy these values from Meta's WhatsApp Manager (API Setup).">
        <AddNumberForm action={addNumberAction.bind(null, slug)} />
      </Card>

      <Card
        id="webhook"
        title="Connect Meta to Switchboard"
        description="Meta sends every message for your numbers to one webhook. Paste these two values into your Meta app once."
      >
        <div className="grid gap-4">
          <CopyField id="webhook-url" label="Callback URL" value={webhookUrl} />
          <CopyField id="verify-token" label="Verify token" value={WHATSAPP_VERIFY_TOKEN} hint="Keep it private: anyone with it can pose as this app to Meta during verification." />
        </div>
        <h3 className="mt-6 text-sm font-semibold">How to connect</h3>
        <ol className="mt-2 list-decimal space-y-1.5 pl-5 text-sm text-slate-600 dark:text-slate-300">
          <li>In Meta for Developers, open your app and go to WhatsApp → Configuration.</li>
          <li>Under Webhook, choose Edit and paste the callback URL and verify token above, then Verify and save.</li>
          <li>Under Webhook fields, subscribe to <code className="rounded bg-slate-100 px-1 dark:bg-slate-800">messages</code>.</li>
          <li>In WhatsApp → API Setup, copy the phone number ID and WhatsApp Business Account ID, and create a permanent access token (Business Settings → System users).</li>
          <li>Add the number above. Messages that arrived before you added it are delivered to the inbox as soon as you do.</li>
        </ol>
      </Card>

      {removed.length > 0 ? (
        <Card id="removed" title="Removed numbers" description="Their conversations stay in the inbox, read-only. Add a number again to reconnect it.">
          <ul className="divide-y divide-slate-200 dark:divide-slate-800">
            {removed.map((n) => (
              <NumberRow key={n.id} number={n} />
            ))}
          </ul>
        </Card>
      ) : null}
    </>
  );
}

function NumberRow({ number: n, children }: { number: NumberView; children?: React.ReactNode }) {
  return (
    <li className="py-4 first:pt-0 last:pb-0">
      <div className="flex flex-wrap items-start justify-between gap-3">
        <div className="min-w-0">
          <p className="flex flex-wrap items-center gap-2 font-medium">
            {n.label}
            {n.removedAt ? (
              <Badge>Removed {dateFormat.format(n.removedAt)}</Badge>
            ) : n.accessTokenInvalidAt ? (
              <Badge tone="red">Token rejected by Meta: replace it</Badge>
            ) : n.accessTokenLast4 ? (
              <Badge tone="emerald">Connected</Badge>
            ) : (
              <Badge tone="amber">No access token: cannot send</Badge>
            )}
          </p>
          <p className="mt-0.5 text-sm text-slate-600 dark:text-slate-300">{n.displayNumber}</p>
        </div>
        <dl className="grid grid-cols-[auto_1fr] gap-x-3 gap-y-0.5 text-xs text-slate-500 dark:text-slate-400">
          <dt>Phone number ID</dt>
          <dd className="font-mono">{n.phoneNumberId}</dd>
          <dt>WABA ID</dt>
          <dd className="font-mono">{n.wabaId}</dd>
          <dt>Access token</dt>
          <dd className="font-mono">{n.accessTokenLast4 ? `••••${n.accessTokenLast4}` : "none"}</dd>
        </dl>
      </div>
      {children ? <div className="mt-3 flex flex-col gap-2">{children}</div> : null}
    </li>
  );
}
