import type { ConversationListItem, ConversationPage } from "@/lib/inbox/conversations";
import type { SearchResult } from "@/lib/inbox/search";
import type { ThreadMessage, ThreadPage } from "@/lib/inbox/thread";
import type { Json } from "@/lib/json";

/** The inbox's data as the JSON routes deliver it (dates as ISO strings). */
export type Conversation = Json<ConversationListItem>;
export type ConversationsPage = Json<ConversationPage>;
export type Message = Json<ThreadMessage>;
export type MessagesPage = Json<ThreadPage>;
export type SearchResults = Json<SearchResult>;

export type ListFilters = { status: "open" | "resolved"; assignee: "all" | "mine" | "unassigned"; number: string | null };

/**
 * Query keys, shared with other parts of the app: the reply composer imports `threadKey` to
 * refresh the thread after sending, and live-updates.tsx invalidates by its prefix.
 */
export const conversationsKey = (slug: string, filters: ListFilters) => ["conversations", slug, filters] as const;
export const conversationKey = (slug: string, conversationId: string) => ["conversations", slug, "one", conversationId] as const;
export const threadKey = (slug: string, conversationId: string) => ["thread", slug, conversationId] as const;

/** Reads the list filters from the URL's search params, defaulting like the domain does. */
export function filtersFrom(params: { get(name: string): string | null }): ListFilters {
  const status = params.get("status") === "resolved" ? "resolved" : "open";
  const who = params.get("assignee");
  const assignee = who === "mine" || who === "unassigned" ? who : "all";
  return { status, assignee, number: params.get("number") || null };
}

/** The filters as a query string ("" for the defaults), to keep them on every inbox link. */
export function filterQuery(filters: ListFilters, extra: Record<string, string> = {}): string {
  const q = new URLSearchParams();
  if (filters.status !== "open") q.set("status", filters.status);
  if (filters.assignee !== "all") q.set("assignee", filters.assignee);
  if (filters.number) q.set("number", filters.number);
  for (const [k, v] of Object.entries(extra)) q.set(k, v);
  const s = q.toString();
  return s ? `?${s}` : "";
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export async function getJson<T>(url: string, signal?: AbortSignal): Promise<T> {
  const response = await fetch(url, { signal, headers: { accept: "application/json" }, cache: "no-store" });
  const body = (await response.json().catch(() => ({}))) as { error?: string };
  if (!response.ok) throw new ApiError(response.status, body.error ?? "Could not load the inbox. Check your connection and try again.");
  return body as T;
}

export function conversationsUrl(slug: string, filters: ListFilters, cursor: string | null): string {
  const q = new URLSearchParams({ status: filters.status, assignee: filters.assignee });
  if (filters.number) q.set("number", filters.number);
  if (cursor) q.set("cursor", cursor);
  return `/api/w/${slug}/conversations?${q}`;
}

export function messagesUrl(slug: string, conversationId: string, page: { before?: string; around?: string }): string {
  const q = new URLSearchParams(page);
  return `/api/w/${slug}/conversations/${conversationId}/messages${q.size ? `?${q}` : ""}`;
}

/** How a contact is named: their WhatsApp profile name, else their number, else their user id. */
type ContactHandle = Pick<Conversation["contact"], "name" | "waId" | "userId">;

export function contactName(contact: ContactHandle): string {
  return contact.name ?? (contact.waId ? `+${contact.waId}` : (contact.userId ?? "Unknown contact"));
}

export function contactNumber(contact: ContactHandle): string {
  return contact.waId ? `+${contact.waId}` : (contact.userId ?? "");
}

const timeFormat = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit" });
const dayFormat = new Intl.DateTimeFormat(undefined, { day: "numeric", month: "short" });
const fullDayFormat = new Intl.DateTimeFormat(undefined, { weekday: "long", day: "numeric", month: "long", year: "numeric" });

/** The list's time column: the time today, else the date. */
export function shortTime(iso: string): string {
  const date = new Date(iso);
  return date.toDateString() === new Date().toDateString() ? timeFormat.format(date) : dayFormat.format(date);
}

export function clockTime(iso: string): string {
  return timeFormat.format(new Date(iso));
}

/** "Today", "Yesterday" or the date: calendar days in the viewer's time zone, where a day is not always 24 hours. */
export function dayLabel(iso: string): string {
  const date = new Date(iso);
  const today = new Date();
  const yesterday = new Date(today.getFullYear(), today.getMonth(), today.getDate() - 1);
  if (date.toDateString() === today.toDateString()) return "Today";
  if (date.toDateString() === yesterday.toDateString()) return "Yesterday";
  return fullDayFormat.format(date);
}
