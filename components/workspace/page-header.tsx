/** The title block at the top of a workspace page. */
export function PageHeader({ title, description, children }: { title: string; description?: React.ReactNode; children?: React.ReactNode }) {
  return (
    <header className="border-b border-slate-200 bg-white px-6 pt-6 dark:border-slate-800 dark:bg-slate-900">
      <div className="mx-auto max-w-5xl">
        <h1 className="text-2xl font-semibold tracking-tight">{title}</h1>
        {description ? <p className="mt-1 text-sm text-slate-500 dark:text-slate-400">{description}</p> : <div className="h-1" />}
        <div className="mt-4">{children ?? <div className="h-2" />}</div>
      </div>
    </header>
  );
}
