"use client";

import { useState } from "react";
import { linkClass } from "@/components/ui/styles";
import { MediaUnavailable } from "./media-unavailable";
import { mediaProblem, mediaUrl } from "./media-url";

type Problem = { expired: boolean; message: string };

type MediaProps = { slug: string; messageId: string };

/** When the browser cannot load the route's answer, ask the route why (expired, unavailable…). */
function useProblem(url: string) {
  const [problem, setProblem] = useState<Problem | null>(null);
  const onError = () => void mediaProblem(url).then(setProblem);
  return { problem, onError };
}

/** A customer's image (or sticker), inline; a click opens it full size. */
export function MediaImage({ slug, messageId, alt }: MediaProps & { alt: string }) {
  const url = mediaUrl(slug, messageId);
  const { problem, onError } = useProblem(url);
  if (problem) return <MediaUnavailable kind="Image" message={problem.message} expired={problem.expired} />;
  return (
    <a href={url} target="_blank" rel="noopener" className="block max-w-xs">
      {/* eslint-disable-next-line @next/next/no-img-element -- bytes from our own route, not optimisable by next/image */}
      <img src={url} alt={alt} loading="lazy" onError={onError} className="max-h-80 rounded-lg object-contain" />
    </a>
  );
}

/** A voice note or audio file, with the browser's player. */
export function MediaAudio({ slug, messageId, label = "Voice message" }: MediaProps & { label?: string }) {
  const url = mediaUrl(slug, messageId);
  const { problem, onError } = useProblem(url);
  if (problem) return <MediaUnavailable kind="Audio" message={problem.message} expired={problem.expired} />;
  return <audio controls preload="none" src={url} onError={onError} aria-label={label} className="w-64 max-w-full" />;
}

/** A video, with the browser's player. */
export function MediaVideo({ slug, messageId, label = "Video" }: MediaProps & { label?: string }) {
  const url = mediaUrl(slug, messageId);
  const { problem, onError } = useProblem(url);
  if (problem) return <MediaUnavailable kind="Video" message={problem.message} expired={problem.expired} />;
  return <video controls preload="metadata" src={url} onError={onError} aria-label={label} className="max-h-80 max-w-xs rounded-lg" />;
}

/**
 * A document, downloaded with its own filename. The download is fetched first, so an
 * expired document shows the placeholder instead of saving an error as a file.
 */
export function MediaDocument({ slug, messageId, filename }: MediaProps & { filename?: string | null }) {
  const url = mediaUrl(slug, messageId, { download: true });
  const [problem, setProblem] = useState<Problem | null>(null);
  const [busy, setBusy] = useState(false);
  if (problem) return <MediaUnavailable kind="Document" message={problem.message} expired={problem.expired} />;

  async function download(event: React.MouseEvent<HTMLAnchorElement>) {
    event.preventDefault();
    if (busy) return;
    setBusy(true);
    try {
      const response = await fetch(url);
      if (!response.ok) {
        setProblem(await mediaProblem(url));
        return;
      }
      const name = /filename\*=UTF-8''([^;]+)/.exec(response.headers.get("content-disposition") ?? "")?.[1];
      const blob = await response.blob();
      const objectUrl = URL.createObjectURL(blob);
      const link = document.createElement("a");
      link.href = objectUrl;
      link.download = name ? decodeURIComponent(name) : (filename ?? "document");
      link.click();
      URL.revokeObjectURL(objectUrl);
    } catch {
      setProblem({ expired: false, message: "Could not reach Switchboard to download this document — check your connection." });
    } finally {
      setBusy(false);
    }
  }

  return (
    <a href={url} download={filename ?? true} onClick={(event) => void download(event)} aria-busy={busy} className={`inline-flex items-center gap-2 ${linkClass}`}>
      <span aria-hidden="true">📄</span>
      <span>{busy ? "Downloading…" : `Download ${filename ?? "document"}`}</span>
    </a>
  );
}

/** The right piece for a media message's type; null for a type that carries no media. */
export function MessageMedia({
  slug,
  messageId,
  type,
  filename,
  caption,
}: MediaProps & { type: string; filename?: string | null; caption?: string | null }) {
  switch (type) {
    case "image":
    case "sticker":
      return <MediaImage slug={slug} messageId={messageId} alt={caption || (type === "sticker" ? "Sticker" : "Image from the customer")} />;
    case "audio":
      return <MediaAudio slug={slug} messageId={messageId} />;
    case "video":
      return <MediaVideo slug={slug} messageId={messageId} label={caption || "Video"} />;
    case "document":
      return <MediaDocument slug={slug} messageId={messageId} filename={filename} />;
    default:
      return null;
  }
}
