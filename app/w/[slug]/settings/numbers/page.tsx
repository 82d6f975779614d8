import type { Metadata } from "next";
import { AccountNotices, TemplateList } from "@/components/settings/account-health";
import { EmbeddedSignup } from "@/components/settings/embedded-signup";
import { AddNumberForm, CheckNumberForm, EditNumberForm, RemoveNumberForm } from "@/components/settings/number-forms";
import { Badge, Card } from "@/components/ui/card";
import { withTenant } from "@/db/tenant";
import { env } from "@/lib/config/env";
import { requireWorkspace } from "@/lib/edge/workspace-access";
import { listTemplatesForAdmins } from "@/lib/templates/templates";
import { listAccountNotices } from "@/lib/account-health/notices";
import { listNumbers, type NumberListing } from "@/lib/workspace/numbers";
import { sandboxNumbersAllowed, sandboxPrefix } from "@/lib/sandbox/numbers";
import { resendVerificationAction } from "@/app/account/actions";
import { VerifyEmailNotice } from "@/components/auth/verify-email-notice";
import {
  addNumberAction,
  checkNumberAction,
  connectSignedUpNumberAction,
  exchangeSignupCodeAction,
  removeNumberAction,
  updateNumberAction,
} from "./actions";

export const metadata: Metadata = { title: "WhatsApp numbers · Settings · Switchboard" };

const dateFormat = new Intl.DateTimeFormat("en", { dateStyle: "medium" });
const timeFormat = new Intl.DateTimeFormat("en", { dateStyle: "medium", timeStyle: "short", timeZone: "UTC" });

export default async function NumbersPage({ params }: { params: Promise<{ slug: string }> }) {
  const access = await requireWorkspace((await params).slug, "admin");
  const { numbers, notices, templates } = await withTenant(access.tenantId, async (tx) => ({
    numbers: await listNumbers({ tx, actor: access }),
    notices: await listAccountNotices(tx),
    templates: await listTemplatesForAdmins(tx),
  }));
  const slug = access.workspace.slug;
  const active = numbers.filter((n) => !n.removedAt);
  const removed = numbers.filter((n) => n.removedAt);
  const { embeddedSignup, WHATSAPP_GRAPH_VERSION } = env();

  return (
    <>
      <Card id="numbers" title="Connected numbers" description="Messages to these numbers arrive in this workspace's inbox, and nowhere else.">
        {active.length === 0 ? (
          <p className="text-sm text-slate-500 dark:text-slate-400">No numbers yet. Add your first one below.</p>
        ) : (
          <ul className="divide-y divide-slate-200 dark:divide-slate-800">
            {active.map((n) => (
              <NumberRow key={n.id} number={n}>
                {n.accessTokenLast4 ? <CheckNumberForm action={checkNumberAction.bind(null, slug)} id={n.id} /> : null}
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

      <Card id="account-notices" title="What Meta reports" description="Restrictions, alerts and updates Meta sent about your WhatsApp Business Accounts, newest first.">
        <AccountNotices notices={notices} />
      </Card>

      <Card id="templates" title="Message templates" description="Only approved templates are offered when the 24-hour window is closed.">
        <TemplateList templates={templates} />
      </Card>

      {embeddedSignup && access.user.emailVerified ? (
        <Card
          id="embedded-signup"
          title="Connect with Facebook"
          description="Sign in with Facebook, choose or create your WhatsApp Business Account and number, and Switchboard connects it: no ids or tokens to copy."
        >
          <EmbeddedSignup
            appId={embeddedSignup.appId}
            configId={embeddedSignup.configId}
            graphVersion={WHATSAPP_GRAPH_VERSION}
            exchange={exchangeSignupCodeAction.bind(null, slug)}
            connect={connectSignedUpNumberAction.bind(null, slug)}
          />
        </Card>
      ) : null}

      <Card
        id="add-number"
        title="Add a WhatsApp number"
        description={`Copy these values from Meta's WhatsApp Manager (API Setup)${embeddedSignup ? ", if you prefer a system user token to Facebook's sign-in" : ""}.`}
      >
        {access.user.emailVerified ? (
          <AddNumberForm action={addNumberAction.bind(null, slug)} />
        ) : (
          <VerifyEmailNotice email={access.user.email} what="connect WhatsApp numbers" resend={resendVerificationAction} />
        )}
        <p className="mt-4 text-sm text-slate-600 dark:text-slate-300">
          Switchboard asks Meta, with your token, whether this number is in your WhatsApp Business Account, and subscribes
          Switchboard&apos;s app to that account so its messages reach this inbox. Messages that arrived before are delivered
          as soon as Meta confirms.
          {sandboxNumbersAllowed()
            ? ` Sandbox numbers (ids starting with ${sandboxPrefix}) need no token and never reach Meta.`
            : ""}
        </p>
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

function NumberRow({ number: n, children }: { number: NumberListing; children?: React.ReactNode }) {
  const sandbox = !n.accessTokenLast4;
  return (
    <li className="py-4 first:pt-0 last:pb-0" data-number={n.phoneNumberId}>
      <div className="flex flex-wrap items-start justify-between gap-3">
        <div className="min-w-0">
          <p className="flex flex-wrap items-center gap-2 font-medium">
            {n.label}
            {n.removedAt ? (
              <Badge>Removed {dateFormat.format(n.removedAt)}</Badge>
            ) : n.accessTokenInvalidAt ? (
              <Badge tone="red">Token rejected by Meta: replace it</Badge>
            ) : sandbox ? (
              <Badge tone="amber">Sandbox: nothing is sent to Meta</Badge>
            ) : n.verifiedAt ? (
              <Badge tone="emerald">Connected</Badge>
            ) : (
              <Badge tone="red">Not verified: messages wait</Badge>
            )}
          </p>
          <p className="mt-0.5 text-sm text-slate-600 dark:text-slate-300">
            {n.displayNumber}
            {n.verifiedName ? ` · ${n.verifiedName}` : ""}
          </p>
          {n.checkProblem ? (
            <p role="status" className="mt-1 max-w-prose text-sm text-red-700 dark:text-red-400">
              {n.checkProblem}
            </p>
          ) : null}
        </div>
        <dl className="grid grid-cols-[auto_1fr] gap-x-3 gap-y-0.5 text-xs text-slate-500 dark:text-slate-400">
          <dt>Phone number ID</dt>
          <dd className="font-mono">{n.phoneNumberId}</dd>
          <dt>WABA ID</dt>
          <dd className="font-mono">{n.wabaId}</dd>
          {sandbox ? null : (
            <>
              <dt>Verified by Meta</dt>
              <dd>{n.verifiedAt ? "yes" : "no"}</dd>
              <dt>App subscribed</dt>
              <dd>{n.appSubscribed === null ? "not checked" : n.appSubscribed ? "yes" : "no"}</dd>
              <dt>Quality rating</dt>
              <dd>{n.qualityRating ?? "unknown"}</dd>
              <dt>Messaging limit</dt>
              <dd>{n.messagingLimit ?? "unknown"}</dd>
              {n.qualityEvent ? (
                <>
                  <dt>Last quality change</dt>
                  <dd>
                    {n.qualityEvent.toLowerCase().replace(/_/g, " ")}
                    {n.qualityEventAt ? ` · ${timeFormat.format(n.qualityEventAt)} UTC` : ""}
                  </dd>
                </>
              ) : null}
              <dt>Access token</dt>
              <dd>
                <span className="font-mono">••••{n.accessTokenLast4}</span>
                {n.accessTokenInvalidAt ? " · rejected by Meta: replace it" : " · accepted"}
              </dd>
              <dt>Last checked</dt>
              <dd>{n.checkedAt ? `${timeFormat.format(n.checkedAt)} UTC` : "never"}</dd>
            </>
          )}
          <dt>Last message</dt>
          <dd>{n.lastMessageAt ? `${timeFormat.format(n.lastMessageAt)} UTC` : "none yet"}</dd>
        </dl>
      </div>
      {children ? <div className="mt-3 flex flex-col gap-2">{children}</div> : null}
    </li>
  );
}
