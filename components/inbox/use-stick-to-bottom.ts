"use client";

import { useEffect, useLayoutEffect, useRef } from "react";

/**
 * Holds the thread at its newest message: when it opens, when a message arrives, and while
 * anything above grows late (an image loading, a reply preview opening the composer), which
 * would otherwise push the newest messages out of sight. Scrolling up lets go; scrolling back
 * to the bottom holds again. Off while `enabled` is false (a search hit is being shown).
 * Attach `scrollerRef` to the scrolling box and `contentRef` to what it scrolls.
 */
export function useStickToBottom({ enabled, newestId }: { enabled: boolean; newestId: string | undefined }) {
  const scroller = useRef<HTMLDivElement>(null);
  const content = useRef<HTMLOListElement>(null);
  const held = useRef(enabled);

  useLayoutEffect(() => {
    const box = scroller.current;
    if (!box || !enabled) return;
    held.current = true;
    box.scrollTop = box.scrollHeight;
  }, [enabled, newestId]);

  useEffect(() => {
    const box = scroller.current;
    const inner = content.current;
    if (!box || !inner || !enabled) return;
    let lastTop = box.scrollTop;
    // Growth below the reading position never moves scrollTop up; only the person does.
    const onScroll = () => {
      if (box.scrollTop < lastTop - 1) held.current = false;
      if (box.scrollHeight - box.scrollTop - box.clientHeight < 2) held.current = true;
      lastTop = box.scrollTop;
    };
    const resized = new ResizeObserver(() => {
      if (held.current) box.scrollTop = box.scrollHeight;
    });
    box.addEventListener("scroll", onScroll, { passive: true });
    resized.observe(box);
    resized.observe(inner);
    return () => {
      box.removeEventListener("scroll", onScroll);
      resized.disconnect();
    };
  }, [enabled]);

  return { scrollerRef: scroller, contentRef: content };
}
