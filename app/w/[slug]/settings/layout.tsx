import { NavLink } from "@/components/workspace/nav-link";
import { PageHeader } from "@/components/workspace/page-header";
import { requireWorkspace } from "@/lib/edge/workspace-access";

export default async function SettingsLayout({ children, params }: { children: React.ReactNode; params: Promise<{ slug: string }> }) {
  const access = await requireWorkspace((await params).slug, "admin");
  const base = `/w/${access.workspace.slug}/settings`;
  return (
    <>
      <PageHeader title="Settings" description={`Manage ${access.workspace.name}: its WhatsApp numbers, members and history.`}>
        <nav aria-label="Settings" className="-mb-px flex gap-6 overflow-x-auto">
          <NavLink href={base} exact variant="tab">
            General
          </NavLink>
          <NavLink href={`${base}/numbers`} variant="tab">
            WhatsApp numbers
          </NavLink>
          <NavLink href={`${base}/members`} variant="tab">
            Members
          </NavLink>
          <NavLink href={`${base}/audit`} variant="tab">
            Audit log
          </NavLink>
        </nav>
      </PageHeader>
      <main className="mx-auto max-w-5xl space-y-6 px-6 py-8">{children}</main>
    </>
  );
}
