// UTC, so the server's render and the browser's agree.
const optOutDate = new Intl.DateTimeFormat("en", { dateStyle: "medium", timeZone: "UTC" });

/** The line under a thread's title when the customer has stopped marketing messages (`user_preferences`). */
export function MarketingOptOutNote({ since }: { since: string | null }) {
  if (!since) return null;
  return (
    <p role="note" className="mt-1 text-xs font-medium text-amber-800 dark:text-amber-300">
      Opted out of marketing messages on {optOutDate.format(new Date(since))}: WhatsApp does not deliver marketing templates to them
      until they opt back in.
    </p>
  );
}
