import Link from "next/link";
import { SignOutButton } from "@/components/auth/sign-out-button";
import { Logo } from "@/components/logo";
import { buttonClass } from "@/components/ui/styles";
import { QueryProvider } from "@/components/providers/query-provider";
import { NavLink } from "@/components/workspace/nav-link";
import { WorkspaceSwitcher } from "@/components/workspace/workspace-switcher";
import { withPlatform, workspacesOfUser } from "@/db/platform";
import { hasRole } from "@/lib/workspace/roles";
import { requireWorkspace } from "@/lib/edge/workspace-access";

/**
 * The workspace shell. Every page below checks access itself as well (layouts are not
 * re-run on every navigation); this one only decides what the navigation shows.
 */
export default async function WorkspaceLayout({ children, params }: { children: React.ReactNode; params: Promise<{ slug: string }> }) {
  const { slug } = await params;
  const access = await requireWorkspace(slug);
  const workspaces = await withPlatform((tx) => workspacesOfUser(tx, access.userId));
  const base = `/w/${access.workspace.slug}`;
  return (
    <div className="flex min-h-screen flex-col bg-slate-50 md:flex-row dark:bg-slate-950">
      <aside className="flex shrink-0 flex-col gap-4 border-b border-slate-200 bg-white p-4 md:sticky md:top-0 md:h-screen md:w-64 md:border-b-0 md:border-r dark:border-slate-800 dark:bg-slate-900">
        <Link href={`${base}/inbox`} className="px-1" aria-label="Switchboard: go to the inbox">
          <Logo />
        </Link>
        <WorkspaceSwitcher current={{ ...access.workspace, role: access.role }} workspaces={workspaces} />
        <nav aria-label="Workspace" className="flex gap-1 md:flex-col">
          <NavLink href={`${base}/inbox`}>
            <InboxIcon /> Inbox
          </NavLink>
          {hasRole(access.role, "admin") ? (
            <NavLink href={`${base}/settings`}>
              <SettingsIcon /> Settings
            </NavLink>
          ) : null}
        </nav>
        <div className="mt-auto hidden border-t border-slate-200 pt-4 md:block dark:border-slate-800">
          <p className="truncate px-1 text-sm font-medium">{access.user.name}</p>
          <p className="mb-2 truncate px-1 text-xs text-slate-500 dark:text-slate-400">{access.user.email}</p>
          <Link href="/account" className={`${buttonClass.ghost} w-full`}>
            Your account
          </Link>
          <SignOutButton />
        </div>
        <div className="flex gap-1 md:hidden">
          <Link href="/account" className={`${buttonClass.ghost} w-full`}>
            Your account
          </Link>
          <SignOutButton />
        </div>
      </aside>
      <div className="min-w-0 flex-1">
        <QueryProvider>{children}</QueryProvider>
      </div>
    </div>
  );
}

function InboxIcon() {
  return (
    <svg viewBox="0 0 24 24" className="size-4" fill="none" stroke="currentColor" strokeWidth="2" strokeLinecap="round" strokeLinejoin="round" aria-hidden="true">
      <path d="M22 12h-6l-2 3h-4l-2-3H2" />
      <path d="M5.45 5.11 2 12v6a2 2 0 0 0 2 2h16a2 2 0 0 0 2-2v-6l-3.45-6.89A2 2 0 0 0 16.76 4H7.24a2 2 0 0 0-1.79 1.11Z" />
    </svg>
  );
}

function SettingsIcon() {
  return (
    <svg viewBox="0 0 24 24" className="size-4" fill="none" stroke="currentColor" strokeWidth="2" strokeLinecap="round" strokeLinejoin="round" aria-hidden="true">
      <path d="M12 15a3 3 0 1 0 0-6 3 3 0 0 0 0 6Z" />
      <path d="M19.4 15a1.65 1.65 0 0 0 .33 1.82l.06.06a2 2 0 1 1-2.83 2.83l-.06-.06a1.65 1.65 0 0 0-1.82-.33 1.65 1.65 0 0 0-1 1.51V21a2 2 0 1 1-4 0v-.09A1.65 1.65 0 0 0 9 19.4a1.65 1.65 0 0 0-1.82.33l-.06.06a2 2 0 1 1-2.83-2.83l.06-.06A1.65 1.65 0 0 0 4.68 15a1.65 1.65 0 0 0-1.51-1H3a2 2 0 1 1 0-4h.09A1.65 1.65 0 0 0 4.6 9a1.65 1.65 0 0 0-.33-1.82l-.06-.06a2 2 0 1 1 2.83-2.83l.06.06A1.65 1.65 0 0 0 9 4.68a1.65 1.65 0 0 0 1-1.51V3a2 2 0 1 1 4 0v.09a1.65 1.65 0 0 0 1 1.51 1.65 1.65 0 0 0 1.82-.33l.06-.06a2 2 0 1 1 2.83 2.83l-.06.06A1.65 1.65 0 0 0 19.4 9a1.65 1.65 0 0 0 1.51 1H21a2 2 0 1 1 0 4h-.09a1.65 1.65 0 0 0-1.51 1Z" />
    </svg>
  );
}
