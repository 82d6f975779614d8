import { cardClass } from "./styles";

/** A titled section of a settings page. */
export function Card({
  title,
  description,
  children,
  tone = "default",
  id,
}: {
  title: string;
  description?: React.ReactNode;
  children: React.ReactNode;
  tone?: "default" | "danger";
  id?: string;
}) {
  const headingId = id ? `${id}-heading` : undefined;
  return (
    <section
      aria-labelledby={headingId}
      className={`${cardClass} ${tone === "danger" ? "border-red-200 dark:border-red-900/60" : ""}`}
    >
      <div className="border-b border-slate-200 px-5 py-4 dark:border-slate-800">
        <h2 id={headingId} className={`text-base font-semibold ${tone === "danger" ? "text-red-700 dark:text-red-400" : ""}`}>
          {title}
        </h2>
        {description ? <p className="mt-1 text-sm text-slate-500 dark:text-slate-400">{description}</p> : null}
      </div>
      <div className="px-5 py-4">{children}</div>
    </section>
  );
}

export function Badge({ children, tone = "slate" }: { children: React.ReactNode; tone?: "slate" | "emerald" | "amber" | "red" | "sky" }) {
  const tones = {
    slate: "bg-slate-100 text-slate-700 dark:bg-slate-800 dark:text-slate-300",
    emerald: "bg-emerald-50 text-emerald-700 ring-emerald-600/20 dark:bg-emerald-950 dark:text-emerald-300",
    amber: "bg-amber-50 text-amber-800 dark:bg-amber-950 dark:text-amber-300",
    red: "bg-red-50 text-red-700 dark:bg-red-950 dark:text-red-300",
    sky: "bg-sky-50 text-sky-700 dark:bg-sky-950 dark:text-sky-300",
  };
  return <span className={`inline-flex items-center rounded-full px-2 py-0.5 text-xs font-medium ${tones[tone]}`}>{children}</span>;
}
