"use client";

import { useEffect, useLayoutEffect, useRef } from "react";

/**
 * Loads the next older page when the top of the thread comes within reach, and keeps the
 * messages the person was reading where they were: prepending a page would otherwise push
 * them down by its height. The "Load older messages" button stays for keyboards. Attach
 * `scrollerRef` to the scrolling box and `sentinelRef` to an element at its top.
 */
export function useLoadOlderOnScroll({ canLoad, loadOlder, pageCount }: { canLoad: boolean; loadOlder: () => void; pageCount: number }) {
  const scroller = useRef<HTMLDivElement>(null);
  const sentinel = useRef<HTMLDivElement>(null);
  const fromBottom = useRef<number | null>(null);
  useEffect(() => {
    const root = scroller.current;
    const target = sentinel.current;
    if (!root || !target || !canLoad) return;
    const observer = new IntersectionObserver(
      (entries) => {
        if (!entries.some((e) => e.isIntersecting)) return;
        fromBottom.current = root.scrollHeight - root.scrollTop;
        loadOlder();
      },
      { root, rootMargin: "200px 0px 0px 0px" },
    );
    observer.observe(target);
    return () => observer.disconnect();
  }, [canLoad, loadOlder]);
  useLayoutEffect(() => {
    const root = scroller.current;
    if (!root || fromBottom.current === null) return;
    root.scrollTop = root.scrollHeight - fromBottom.current;
    fromBottom.current = null;
  }, [pageCount]);
  return { scrollerRef: scroller, sentinelRef: sentinel };
}
