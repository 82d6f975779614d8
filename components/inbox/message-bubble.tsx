import { RetryMessage } from "@/components/composer/retry-message";
import { MessageMedia } from "@/components/media/message-media";
import { sandboxStatusLabel } from "@/lib/outbound/message-state";
import { clockTime, type Message } from "./api";

/**
 * One stored message, legibly: every type Meta delivers, drawn from the view the server
 * built (lib/messages/view.ts); the raw payload never reaches the browser.
 */
export function MessageBubble({
  slug,
  conversationId,
  message: m,
  highlighted,
  onReply,
}: {
  slug: string;
  conversationId: string;
  message: Message;
  highlighted: boolean;
  onReply: () => void;
}) {
  if (m.direction === "event" || m.type === "system") return <EventLine message={m} />;
  const outbound = m.direction === "outbound";
  return (
    <li id={`m-${m.id}`} className={`flex scroll-mt-24 ${outbound ? "justify-end" : "justify-start"}`} data-message-id={m.id}>
      <div
        className={`relative max-w-[85%] rounded-2xl px-3 py-2 text-sm shadow-sm sm:max-w-[70%] ${
          outbound ? "rounded-br-sm bg-emerald-100 text-slate-900 dark:bg-emerald-900 dark:text-slate-50" : "rounded-bl-sm bg-white text-slate-900 dark:bg-slate-800 dark:text-slate-50"
        } ${highlighted ? "ring-2 ring-amber-500" : ""}`}
        data-highlighted={highlighted ? "true" : undefined}
      >
        <span className="sr-only">
          {outbound
            ? m.fromBusinessApp
              ? "Sent from the WhatsApp Business app: "
              : m.author
                ? `${m.author.name} sent: `
                : "You sent: "
            : "Customer wrote: "}
        </span>
        {m.view.referral ? <Referral referral={m.view.referral} /> : null}
        {m.replyTo ? (
          <blockquote className="mb-1 border-l-4 border-emerald-600 bg-black/5 px-2 py-1 text-xs dark:bg-white/10">
            {m.replyTo.message ? (
              <>
                <span className="font-medium">{m.replyTo.message.direction === "outbound" ? "You" : "Customer"}: </span>
                {m.replyTo.message.summary}
              </>
            ) : (
              "Replying to a message that is not in this inbox"
            )}
          </blockquote>
        ) : null}
        <Body slug={slug} message={m} />
        <div className="mt-1 flex items-center justify-end gap-1 text-[11px] text-slate-600 dark:text-slate-300">
          {outbound && m.fromBusinessApp ? <span aria-hidden="true">Sent from the WhatsApp Business app ·</span> : null}
          {outbound && m.author ? <span>{m.author.name} ·</span> : null}
          {m.wamid ? (
            <button type="button" onClick={onReply} className="mr-1 underline-offset-2 hover:underline focus:underline">
              Reply
            </button>
          ) : null}
          <time dateTime={m.sentAt}>{clockTime(m.sentAt)}</time>
          {outbound ? <Ticks message={m} /> : null}
        </div>
        {outbound && m.status === "failed" ? (
          <p className="mt-1 text-right text-xs font-medium text-red-800 dark:text-red-200">
            Not delivered: {m.failure?.reason ?? "WhatsApp could not deliver this message."}
          </p>
        ) : null}
        {outbound && m.canRetry ? <RetryMessage slug={slug} conversationId={conversationId} messageId={m.id} /> : null}
        <Reactions reactions={m.reactions} />
      </div>
    </li>
  );
}

function Body({ slug, message: m }: { slug: string; message: Message }) {
  const { view } = m;
  if (view.media) {
    const { filename, mimeType, caption } = view.media;
    return (
      <div>
        <div className="flex items-center gap-2 rounded-lg border border-black/10 bg-black/5 p-2 dark:border-white/10 dark:bg-white/10">
          <span aria-hidden="true" className="text-lg">
            {mediaIcon[m.type]}
          </span>
          <span>
            <span className="block font-medium">{filename ?? view.label}</span>
            {mimeType ? <span className="block text-xs text-slate-600 dark:text-slate-300">{mimeType}</span> : null}
          </span>
        </div>
        {m.direction === "inbound" ? (
          <div className="mt-2">
            <MessageMedia slug={slug} messageId={m.id} type={m.type} filename={filename} caption={caption} />
          </div>
        ) : null}
        {caption ? <RichText text={caption} /> : null}
      </div>
    );
  }
  if (view.location) {
    const { name, address, latitude: lat, longitude: lng } = view.location;
    return (
      <div>
        <p className="font-medium">📍 {name ?? view.label}</p>
        {address ? <p>{address}</p> : null}
        {lat !== null && lng !== null ? (
          <p>
            {lat.toFixed(5)}, {lng.toFixed(5)} ·{" "}
            <a className="underline" href={`https://www.openstreetmap.org/?mlat=${lat}&mlon=${lng}#map=16/${lat}/${lng}`} target="_blank" rel="noreferrer">
              Open map
            </a>
          </p>
        ) : null}
      </div>
    );
  }
  if (view.contacts) {
    return (
      <ul className="space-y-1">
        {view.contacts.map((card, i) => (
          <li key={i} className="rounded-lg border border-black/10 p-2 dark:border-white/10">
            <p className="font-medium">👤 {card.name ?? view.label}</p>
            {card.phones.map((p, j) => (
              <p key={j} className="text-xs">
                {p.number} {p.type ? `(${p.type})` : ""}
              </p>
            ))}
          </li>
        ))}
        {view.contacts.length === 0 ? <li>{m.summary}</li> : null}
      </ul>
    );
  }
  switch (m.type) {
    case "text":
      return <RichText text={view.text ?? ""} />;
    case "interactive":
    case "button":
      return (
        <p>
          <span className="mr-1 rounded bg-black/10 px-1 text-xs dark:bg-white/15">{view.label}</span>
          {view.text ?? m.summary}
        </p>
      );
    case "unsupported":
      return <p className="italic text-slate-600 dark:text-slate-300">This message type is not supported by WhatsApp Cloud API, so it cannot be shown here.</p>;
    default:
      return view.text ? <RichText text={view.text} /> : <p>{m.summary}</p>;
  }
}

const mediaIcon: Record<string, string> = { image: "🖼️", video: "🎬", audio: "🎧", document: "📄", sticker: "🏷️" };

function Referral({ referral }: { referral: NonNullable<Message["view"]["referral"]> }) {
  return (
    <div className="mb-1 rounded-lg bg-sky-100 px-2 py-1 text-xs text-sky-900 dark:bg-sky-950 dark:text-sky-100">
      <p className="font-medium">From an ad{referral.headline ? `: ${referral.headline}` : ""}</p>
      {referral.body ? <p>{referral.body}</p> : null}
      {referral.url ? (
        <a className="underline" href={referral.url} target="_blank" rel="noreferrer">
          View ad
        </a>
      ) : null}
    </div>
  );
}

/** The ticks, each with the name a screen reader (and a hover) gives it. */
function Ticks({ message: m }: { message: Message }) {
  switch (m.status) {
    case "sent":
      return <Tick label="Sent">✓</Tick>;
    case "delivered":
      return <Tick label="Delivered">✓✓</Tick>;
    case "read":
      return (
        <Tick label="Read" className="text-sky-700 dark:text-sky-300">
          ✓✓
        </Tick>
      );
    case "failed":
      return (
        <Tick label="Failed" className="font-bold text-red-700 dark:text-red-300">
          !
        </Tick>
      );
    case "sandbox":
      return <span className="text-amber-800 dark:text-amber-200">{sandboxStatusLabel}</span>;
    case "pending":
      return <Tick label="Sending">🕓</Tick>;
    default:
      return null;
  }
}

function Tick({ label, className, children }: { label: string; className?: string; children: React.ReactNode }) {
  return (
    <span role="img" aria-label={label} title={label} className={className}>
      {children}
    </span>
  );
}

function Reactions({ reactions }: { reactions: Message["reactions"] }) {
  const shown = [reactions.inbound, reactions.outbound].filter((r) => r?.emoji);
  if (shown.length === 0) return null;
  return (
    <p className="absolute -bottom-3 right-2 rounded-full bg-white px-1.5 text-sm shadow dark:bg-slate-700" aria-label={`Reactions: ${shown.map((r) => r!.emoji).join(" ")}`}>
      {shown.map((r) => r!.emoji).join(" ")}
    </p>
  );
}

function EventLine({ message: m }: { message: Message }) {
  return (
    <li id={`m-${m.id}`} className="flex justify-center" data-message-id={m.id}>
      <p className="rounded-full bg-slate-200 px-3 py-1 text-xs text-slate-700 dark:bg-slate-800 dark:text-slate-200">
        {m.summary} · <time dateTime={m.sentAt}>{clockTime(m.sentAt)}</time>
      </p>
    </li>
  );
}

const urlPattern = /(https?:\/\/[^\s<]+[^\s<.,;:!?)\]'"])/g;

/** Text with its line breaks kept and web addresses as links. */
function RichText({ text }: { text: string }) {
  return (
    <p className="whitespace-pre-wrap break-words">
      {text.split(urlPattern).map((part, i) =>
        i % 2 === 1 ? (
          <a key={i} href={part} target="_blank" rel="noreferrer noopener" className="underline">
            {part}
          </a>
        ) : (
          part
        ),
      )}
    </p>
  );
}
