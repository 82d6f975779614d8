import Link from "next/link";
import { redirect } from "next/navigation";
import { Logo } from "@/components/logo";
import { buttonClass } from "@/components/ui/styles";
import { withPlatform, workspacesOfUser } from "@/db/platform";
import { currentUser } from "@/lib/auth/session";

export const dynamic = "force-dynamic";

/** Signed in: straight to the first workspace's inbox (or to create one). Signed out: what this is. */
export default async function HomePage() {
  const user = await currentUser();
  if (user) {
    const [first] = await withPlatform((tx) => workspacesOfUser(tx, user.id));
    redirect(first ? `/w/${first.slug}/inbox` : "/workspaces/new");
  }
  return (
    <main className="flex min-h-screen flex-col bg-slate-50 dark:bg-slate-950">
      <header className="mx-auto flex w-full max-w-5xl items-center justify-between px-6 py-6">
        <Logo />
        <Link href="/sign-in" className={buttonClass.ghost}>
          Sign in
        </Link>
      </header>
      <section className="mx-auto flex w-full max-w-3xl flex-1 flex-col justify-center gap-6 px-6 pb-24">
        <h1 className="text-4xl font-semibold tracking-tight sm:text-5xl">Switchboard</h1>
        <p className="text-lg text-slate-600 dark:text-slate-300">
          One inbox for your team&apos;s WhatsApp Business numbers. Connect your numbers, invite your agents, and answer
          every customer from one place.
        </p>
        <div className="flex flex-wrap gap-3">
          <Link href="/sign-up" className={buttonClass.primary}>
            Create your workspace
          </Link>
          <Link href="/sign-in" className={buttonClass.secondary}>
            Sign in
          </Link>
        </div>
      </section>
    </main>
  );
}
