"use client";

import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useEffect, useRef, useState } from "react";
import { inputClass } from "@/components/ui/styles";
import { contactName, getJson, shortTime, type SearchResults } from "./api";
import { isTyping } from "./conversation-list";

/** Searches contacts and message text; `/` focuses it. A message hit opens the thread at it. */
export function SearchBox({ slug }: { slug: string }) {
  const [text, setText] = useState("");
  const [query, setQuery] = useState("");
  const inputRef = useRef<HTMLInputElement>(null);
  useEffect(() => {
    const timer = setTimeout(() => setQuery(text.trim()), 250);
    return () => clearTimeout(timer);
  }, [text]);
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (event.key === "/" && !isTyping(event.target)) {
        event.preventDefault();
        inputRef.current?.focus();
      }
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, []);
  const enough = /[\p{L}\p{N}]{3}/u.test(query);
  const results = useQuery({
    queryKey: ["search", slug, query],
    queryFn: ({ signal }) => getJson<SearchResults>(`/api/w/${slug}/search?q=${encodeURIComponent(query)}`, signal),
    enabled: enough,
  });
  const data = results.data;
  const empty = data && data.conversations.length === 0 && data.messages.length === 0;
  return (
    <div className="relative border-b border-slate-200 p-3 dark:border-slate-800" role="search">
      <label htmlFor="inbox-search" className="sr-only">
        Search conversations and messages
      </label>
      <input
        ref={inputRef}
        id="inbox-search"
        type="search"
        className={inputClass}
        placeholder="Search (press /)"
        value={text}
        onChange={(e) => setText(e.target.value)}
        onKeyDown={(e) => {
          if (e.key === "Escape") {
            setText("");
            e.currentTarget.blur();
            e.stopPropagation();
          }
        }}
        autoComplete="off"
      />
      {text.trim() && !enough ? <p className="mt-1 text-xs text-slate-600 dark:text-slate-300">Type at least three letters or digits to search.</p> : null}
      {enough && (data || results.isError) ? (
        <div className="absolute inset-x-3 top-full z-20 mt-1 max-h-96 overflow-y-auto rounded-lg border border-slate-200 bg-white shadow-lg dark:border-slate-700 dark:bg-slate-900" data-testid="search-results">
          {results.isError ? <p className="p-3 text-sm text-red-800 dark:text-red-200">{results.error.message}</p> : null}
          {empty ? <p className="p-3 text-sm text-slate-600 dark:text-slate-300">Nothing matches “{query}”.</p> : null}
          {data && data.conversations.length ? (
            <section aria-label="Contacts">
              <h3 className="px-3 pt-2 text-xs font-semibold uppercase text-slate-600 dark:text-slate-300">Contacts</h3>
              <ul>
                {data.conversations.map((c) => (
                  <li key={c.id}>
                    <Link className="block px-3 py-2 text-sm hover:bg-slate-100 dark:hover:bg-slate-800" href={`/w/${slug}/inbox/${c.id}`} onClick={() => setText("")}>
                      <span className="font-medium">{contactName(c.contact)}</span> · {c.number.label}
                    </Link>
                  </li>
                ))}
              </ul>
            </section>
          ) : null}
          {data && data.messages.length ? (
            <section aria-label="Messages">
              <h3 className="px-3 pt-2 text-xs font-semibold uppercase text-slate-600 dark:text-slate-300">Messages</h3>
              <ul>
                {data.messages.map((m) => (
                  <li key={m.messageId}>
                    <Link
                      className="block px-3 py-2 text-sm hover:bg-slate-100 dark:hover:bg-slate-800"
                      href={`/w/${slug}/inbox/${m.conversationId}?m=${m.messageId}#m-${m.messageId}`}
                      onClick={() => setText("")}
                    >
                      <span className="font-medium">{contactName(m.contact)}</span> · <time dateTime={m.sentAt}>{shortTime(m.sentAt)}</time>
                      <span className="block truncate text-slate-600 dark:text-slate-300">{m.summary}</span>
                    </Link>
                  </li>
                ))}
              </ul>
            </section>
          ) : null}
        </div>
      ) : null}
    </div>
  );
}
