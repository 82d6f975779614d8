export default function HomePage() {
  return (
    <main className="mx-auto flex min-h-screen max-w-2xl flex-col justify-center gap-4 px-6">
      <h1 className="text-3xl font-semibold">Switchboard</h1>
      <p className="text-lg text-slate-600 dark:text-slate-300">
        One inbox for your team&apos;s WhatsApp Business numbers.
      </p>
    </main>
  );
}
