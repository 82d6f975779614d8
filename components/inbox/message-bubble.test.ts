import { createElement } from "react";
import { renderToStaticMarkup } from "react-dom/server";
import { expect, it } from "vitest";
import { messageView } from "@/lib/messages/view";
import { fixtureJson } from "@/testing/fixtures";
import type { Message } from "./api";
import { MessageBubble } from "./message-bubble";

type Delivery = { entry: { changes: { value: { messages: Record<string, unknown>[] } }[] }[] };

/** The ad referral Meta sends, with its `source_url` replaced, as the thread would show it (its view built as the server builds it). */
function referralBubble(sourceUrl: string): string {
  const payload = fixtureJson<Delivery>("whatsapp", "referral-ad-inbound").entry[0]!.changes[0]!.value.messages[0]!;
  const message: Message = {
    id: "6f9619ff-8b86-4d11-b42d-00c04fc964ff",
    direction: "inbound",
    type: "text",
    text: "Hi, I saw your ad",
    summary: "Hi, I saw your ad",
    view: messageView({
      type: "text",
      text: "Hi, I saw your ad",
      payload: { ...payload, referral: { ...(payload.referral as object), source_url: sourceUrl } },
    }),
    wamid: String(payload.id),
    sentAt: "2026-11-01T10:00:00.000Z",
    status: null,
    failure: null,
    canRetry: false,
    author: null,
    replyTo: null,
    reactions: { inbound: null, outbound: null },
    event: null,
  } as Message;
  return renderToStaticMarkup(createElement(MessageBubble, { slug: "s", conversationId: "c", message, highlighted: false, onReply: () => {} }));
}

it("links an ad's source only when it is an http(s) address", () => {
  expect(referralBubble("https://fb.me/ad-example")).toContain('href="https://fb.me/ad-example"');
  expect(referralBubble("http://example.com/ad?x=1&y=2")).toContain('href="http://example.com/ad?x=1&amp;y=2"');
  for (const hostile of ["javascript:alert(document.cookie)", " JavaScript:alert(1)", "data:text/html,<script>alert(1)</script>", "vbscript:msgbox(1)", "//evil.example/ad", "/w/x/settings", "not a url"]) {
    const html = referralBubble(hostile);
    expect(html, hostile).toContain("From an ad: Envío gratis");
    expect(html, hostile).not.toContain("View ad");
    expect(html, hostile).not.toMatch(/href="(?!https?:)/i);
  }
});
