import fs from "node:fs";
import { Readable } from "node:stream";
import { AppError } from "@/lib/domain/errors";
import { uuidParams, workspaceRoute } from "@/lib/edge/route";
import { getMessageMedia } from "@/lib/media/inbound-media";

export const dynamic = "force-dynamic";

const expiredMediaMessage = "This media is no longer available on WhatsApp (it is kept for about 30 days).";

/** Types a browser may show inline; anything else (HTML, SVG, PDF…) is only ever downloaded. */
const inlineTypes = /^(image\/(jpeg|png|webp|gif)|audio\/(ogg|mpeg|aac|amr|mp4)|video\/(mp4|3gpp))(;|$)/i;

/**
 * A customer's media, from the cache (fetched from Meta on first view). `?download=1`
 * asks for it as a file. 410 when Meta no longer has it; 404 when this workspace has no
 * such media message, whatever another workspace has.
 */
export const GET = workspaceRoute({ params: uuidParams("messageId") }, async ({ actor, params, request }) => {
  const media = await getMessageMedia({ actor }, params);
  switch (media.status) {
    case "not_found":
      return null;
    case "expired":
      throw new AppError("gone", expiredMediaMessage, { details: { expired: true } });
    case "unavailable":
      throw new AppError("unavailable", media.reason);
    case "ready": {
      const download = new URL(request.url).searchParams.get("download") === "1" || !inlineTypes.test(media.mimeType);
      const disposition = `${download ? "attachment" : "inline"}; filename="${media.filename.replace(/[^\x20-\x7e]/g, "_")}"; filename*=UTF-8''${encodeURIComponent(media.filename)}`;
      const body = Readable.toWeb(fs.createReadStream(media.file)) as ReadableStream<Uint8Array>;
      return new Response(body, {
        headers: {
          "Content-Type": media.mimeType,
          "Content-Length": String(media.size),
          "Content-Disposition": disposition,
          "X-Content-Type-Options": "nosniff",
          "Content-Security-Policy": "sandbox; default-src 'none'",
          "Cache-Control": "private, max-age=86400",
        },
      });
    }
  }
});
