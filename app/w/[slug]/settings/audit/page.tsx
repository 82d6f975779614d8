import type { Metadata } from "next";
import Link from "next/link";
import { Card } from "@/components/ui/card";
import { linkClass } from "@/components/ui/styles";
import { withTenant } from "@/db/tenant";
import { requireWorkspace } from "@/lib/edge/workspace-access";
import { auditBefore, auditPageSize, listAudit, type AuditRow } from "@/lib/workspace/audit";

export const metadata: Metadata = { title: "Audit log · Settings · Switchboard" };

const timeFormat = new Intl.DateTimeFormat("en", { dateStyle: "medium", timeStyle: "short", timeZone: "UTC" });

export default async function AuditPage({
  params,
  searchParams,
}: {
  params: Promise<{ slug: string }>;
  searchParams: Promise<{ before?: string | string[] }>;
}) {
  const access = await requireWorkspace((await params).slug, "admin");
  const beforeDate = auditBefore((await searchParams).before);
  const rows = await withTenant(access.tenantId, (tx) => listAudit({ tx, actor: access }, { before: beforeDate }));
  const last = rows.at(-1);
  return (
    <Card id="audit" title="Audit log" description="Who changed what in this workspace, newest first. Times are UTC.">
      {rows.length === 0 ? (
        <p className="text-sm text-slate-500 dark:text-slate-400">Nothing recorded{beforeDate ? " before this point" : " yet"}.</p>
      ) : (
        <div className="-mx-5 overflow-x-auto">
          <table className="w-full text-left text-sm">
            <thead className="border-b border-slate-200 text-xs uppercase tracking-wide text-slate-500 dark:border-slate-800 dark:text-slate-400">
              <tr>
                <th scope="col" className="px-5 py-2 font-medium">When</th>
                <th scope="col" className="px-5 py-2 font-medium">Who</th>
                <th scope="col" className="px-5 py-2 font-medium">What</th>
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-100 dark:divide-slate-800">
              {rows.map((row) => (
                <tr key={row.id}>
                  <td className="whitespace-nowrap px-5 py-3 text-slate-500 dark:text-slate-400">
                    <time dateTime={row.createdAt.toISOString()}>{timeFormat.format(row.createdAt)}</time>
                  </td>
                  <td className="px-5 py-3">{row.actor ? row.actor.name || row.actor.email : <span className="text-slate-400">Deleted user</span>}</td>
                  <td className="px-5 py-3">
                    {row.description}
                    {row.target ? <span className="font-medium">: {row.target}</span> : null}
                    <Detail row={row} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {rows.length === auditPageSize && last ? (
        <Link href={`?before=${encodeURIComponent(last.createdAt.toISOString())}`} className={`${linkClass} mt-4 inline-block text-sm`}>
          Older entries
        </Link>
      ) : null}
    </Card>
  );
}

/** The one line of detail worth reading for each kind of entry. */
function Detail({ row }: { row: AuditRow }) {
  const d = row.details ?? {};
  let text: string | null = null;
  if (row.action === "member.role_changed") text = `${d.from} → ${d.to}`;
  else if (row.action === "workspace.renamed") text = `from “${d.from}”`;
  else if (row.action === "member.invited" || row.action === "member.joined") text = `as ${d.role}`;
  else if (row.action === "number.updated" && Array.isArray(d.changed)) text = `changed ${d.changed.join(", ")}`;
  else if (row.action.startsWith("number.") && d.phoneNumberId) text = `phone number ID ${d.phoneNumberId}`;
  return text ? <span className="block text-xs text-slate-500 dark:text-slate-400">{text}</span> : null;
}
