import { Badge } from "@/components/ui/card";
import type { TemplateListing } from "@/lib/templates/templates";
import type { AccountNoticeView } from "@/lib/account-health/notices";

const timeFormat = new Intl.DateTimeFormat("en", { dateStyle: "medium", timeStyle: "short", timeZone: "UTC" });
const when = (date: Date) => `${timeFormat.format(date)} UTC`;
/** Meta's constants, readable: `RESTRICTED_ADD_PHONE_NUMBER_ACTION` → `restricted add phone number action`. */
const words = (constant: string) => constant.toLowerCase().replace(/_/g, " ");

const severityTone = { CRITICAL: "red", WARNING: "amber", INFORMATIONAL: "sky" } as const;

/** What Meta said about the workspace's accounts and numbers: restrictions with their expiry, alerts. */
export function AccountNotices({ notices, now = new Date() }: { notices: AccountNoticeView[]; now?: Date }) {
  if (notices.length === 0) return <p className="text-sm text-slate-500 dark:text-slate-400">Meta has reported nothing about your accounts.</p>;
  return (
    <ul className="divide-y divide-slate-200 dark:divide-slate-800">
      {notices.map((n) => (
        <li key={n.id} className="py-3 first:pt-0 last:pb-0" data-notice={n.kind}>
          <p className="flex flex-wrap items-center gap-2 text-sm font-medium">
            {n.field === "account_alerts" ? "Alert" : "Account update"}: {words(n.kind)}
            {n.severity ? <Badge tone={severityTone[n.severity as keyof typeof severityTone] ?? "slate"}>{words(n.severity)}</Badge> : null}
            {n.alertStatus ? <Badge>{words(n.alertStatus)}</Badge> : null}
          </p>
          {n.description ? <p className="mt-0.5 max-w-prose text-sm text-slate-600 dark:text-slate-300">{n.description}</p> : null}
          {n.restrictions?.length ? (
            <ul className="mt-1 text-sm text-slate-700 dark:text-slate-200">
              {n.restrictions.map((r) => (
                <li key={r.type}>
                  {words(r.type)}
                  {r.expiresAt
                    ? new Date(r.expiresAt) > now
                      ? ` · until ${when(new Date(r.expiresAt))}`
                      : ` · ended ${when(new Date(r.expiresAt))}`
                    : " · no end date given"}
                </li>
              ))}
            </ul>
          ) : null}
          <p className="mt-0.5 text-xs text-slate-500 dark:text-slate-400">
            {n.subject ? `${n.subject} · ` : ""}WABA {n.wabaId} · {when(n.occurredAt)}
          </p>
        </li>
      ))}
    </ul>
  );
}

const statusTone = (status: string) => (status === "APPROVED" ? "emerald" : status === "PENDING" || status === "IN_APPEAL" ? "amber" : "red");

/** Every template with its status; those the picker does not offer say why, in Meta's words. */
export function TemplateList({ templates }: { templates: TemplateListing[] }) {
  if (templates.length === 0) {
    return <p className="text-sm text-slate-500 dark:text-slate-400">No templates yet: sync them from a conversation&apos;s template picker.</p>;
  }
  return (
    <ul className="divide-y divide-slate-200 dark:divide-slate-800">
      {templates.map((t) => (
        <li key={t.id} className="py-3 first:pt-0 last:pb-0" data-template={`${t.name}:${t.language}`}>
          <p className="flex flex-wrap items-center gap-2 text-sm font-medium">
            {t.name} ({t.language})
            <Badge tone={statusTone(t.status)}>{words(t.status)}</Badge>
            {t.qualityScore ? <Badge>quality {words(t.qualityScore)}</Badge> : null}
          </p>
          <p className="mt-0.5 text-xs text-slate-500 dark:text-slate-400">
            {t.category ? `${words(t.category)} · ` : ""}WABA {t.wabaId}
          </p>
          {t.status !== "APPROVED" || t.statusEvent ? (
            <p className="mt-1 max-w-prose text-sm text-slate-700 dark:text-slate-200">
              {t.statusEvent ? `Meta: ${words(t.statusEvent)}` : `Meta lists it as ${words(t.status)}`}
              {t.statusReason ? ` (${words(t.statusReason)})` : ""}
              {t.statusAt ? ` on ${when(t.statusAt)}` : ""}.{t.statusDetail ? ` ${t.statusDetail}` : ""}
              {t.status !== "APPROVED" ? " Not offered in the template picker." : ""}
            </p>
          ) : null}
          {t.status === "APPROVED" && !t.syncedAt ? (
            <p className="mt-1 text-sm text-slate-700 dark:text-slate-200">Approved, but not synced yet: sync templates to offer it.</p>
          ) : null}
        </li>
      ))}
    </ul>
  );
}
