/** The workspace-checked media route for a message; `download` asks for it as a file. */
export function mediaUrl(slug: string, messageId: string, options: { download?: boolean } = {}): string {
  const url = `/api/w/${encodeURIComponent(slug)}/messages/${encodeURIComponent(messageId)}/media`;
  return options.download ? `${url}?download=1` : url;
}

/** Why the media route did not hand out the file, in its own words (410 expired, 503, 404). */
export async function mediaProblem(url: string): Promise<{ expired: boolean; message: string }> {
  try {
    const response = await fetch(url, { cache: "no-store" });
    if (response.ok) return { expired: false, message: "This media could not be shown by the browser — download it instead." };
    const body = (await response.json().catch(() => null)) as { error?: string; expired?: boolean } | null;
    return {
      expired: response.status === 410 || body?.expired === true,
      message: body?.error ?? (response.status === 404 ? "This media was not found." : "This media cannot be loaded right now — try again later."),
    };
  } catch {
    return { expired: false, message: "Could not reach Switchboard to load this media — check your connection." };
  }
}
