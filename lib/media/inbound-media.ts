import { randomUUID } from "node:crypto";
import fs from "node:fs/promises";
import { eq } from "drizzle-orm";
import { z } from "zod";
import { messages } from "@/db/schema";
import { withTenant } from "@/db/tenant";
import { env } from "@/lib/config/env";
import { runtimePath } from "@/lib/config/runtime-path";
import { log } from "@/lib/log";
import { graphClient } from "@/lib/whatsapp/graph/client";
import { GraphError, metaCodes } from "@/lib/whatsapp/graph/errors";
import { describeMetaError, tokenExpiredReason } from "@/lib/outbound/failures";
import type { ActorCtx, Deps } from "@/lib/domain/context";
import { conversationSender, flagInvalidToken, openToken, type SendingNumber } from "@/lib/outbound/sender";

/**
 * Media a customer sent, fetched from Meta once and then served from a cache under
 * MEDIA_DIR. The cache is laid out `<tenant id>/<message id>`, and a file is handed out
 * only after the message was found inside the asking workspace (row-level security), so
 * one workspace can never be served another's media, cached or not.
 */

export type MessageMedia =
  /** `file` is a path to stream from; `filename` is safe for Content-Disposition. */
  | { status: "ready"; file: string; mimeType: string; filename: string; size: number }
  /** Meta no longer has it (media is kept about 30 days): show a placeholder. */
  | { status: "expired" }
  /** It cannot be fetched now; `reason` says why, for a person. */
  | { status: "unavailable"; reason: string }
  /** No media message with this id in this workspace: answer 404. */
  | { status: "not_found" };

const mediaTypes = new Set(["image", "video", "audio", "document", "sticker"]);
const mediaObjectSchema = z.object({ id: z.string().min(1), mime_type: z.string().optional(), filename: z.string().optional() }).loose();
const idsSchema = z.object({ messageId: z.uuid() });
const cacheEntrySchema = z.union([
  z.object({ mediaId: z.string(), expired: z.literal(true) }),
  z.object({ mediaId: z.string(), mimeType: z.string(), filename: z.string(), size: z.number() }),
]);

const sandboxReason = "This is a sandbox number (no access token), so its media cannot be downloaded from WhatsApp.";

const extensions: Record<string, string> = {
  "image/jpeg": "jpg",
  "image/png": "png",
  "image/webp": "webp",
  "video/mp4": "mp4",
  "video/3gpp": "3gp",
  "audio/ogg": "ogg",
  "audio/mpeg": "mp3",
  "audio/aac": "aac",
  "audio/amr": "amr",
  "audio/mp4": "m4a",
  "application/pdf": "pdf",
};

function safeFilename(given: string | undefined, type: string, messageId: string, mimeType: string): string {
  const cleaned = (given ?? "").replace(/[\u0000-\u001f\u007f"\\/]/g, "").trim().slice(0, 200);
  if (cleaned && cleaned !== "." && cleaned !== "..") return cleaned;
  const base = mimeType.split(";")[0]!.trim().toLowerCase();
  const extension = extensions[base] ?? (base.split("/")[1]?.replace(/[^a-z0-9]/g, "") || "bin");
  return `${type}-${messageId.slice(0, 8)}.${extension}`;
}

async function writeAtomically(file: string, data: Buffer | string): Promise<void> {
  const temporary = runtimePath(`${file}.${randomUUID()}.tmp`);
  await fs.writeFile(temporary, data);
  await fs.rename(temporary, file);
}

const inFlight = new Map<string, Promise<MessageMedia>>();

/**
 * A media message's file, fetched from Meta between two short transactions (so it takes an
 * ActorCtx, not a transaction). The id is checked again here as well as at the edge: it
 * names a file in the cache, so nothing but a uuid may reach the disk.
 */
export async function getMessageMedia(ctx: ActorCtx, input: { messageId: string }): Promise<MessageMedia> {
  const ids = idsSchema.safeParse(input);
  if (!ids.success) return { status: "not_found" };
  const { tenantId } = ctx.actor;
  const { messageId } = ids.data;

  const found = await withTenant(tenantId, async (tx) => {
    const [message] = await tx
      .select({ type: messages.type, payload: messages.payload, conversationId: messages.conversationId })
      .from(messages)
      .where(eq(messages.id, messageId));
    if (!message || !mediaTypes.has(message.type)) return null;
    const media = mediaObjectSchema.safeParse((message.payload as Record<string, unknown>)[message.type]);
    if (!media.success) return null;
    const sender = await conversationSender(tx, message.conversationId);
    return sender ? { type: message.type, media: media.data, number: sender.number } : null;
  });
  if (!found) return { status: "not_found" };

  const dir = runtimePath(ctx.mediaDir ?? env().MEDIA_DIR, tenantId);
  const key = runtimePath(dir, messageId);
  // Two viewers opening the same media at once share one download.
  let pending = inFlight.get(key);
  if (!pending) {
    pending = fetchOnce({ ...found, tenantId, messageId, dir, file: key }, ctx).finally(() => inFlight.delete(key));
    inFlight.set(key, pending);
  }
  return pending;
}

async function fetchOnce(
  target: {
    tenantId: string;
    messageId: string;
    type: string;
    media: z.infer<typeof mediaObjectSchema>;
    number: SendingNumber;
    dir: string;
    file: string;
  },
  deps: Deps,
): Promise<MessageMedia> {
  const { file, media, number } = target;
  const entryFile = runtimePath(`${file}.json`);
  const cached = cacheEntrySchema.safeParse(await fs.readFile(entryFile, "utf8").then(JSON.parse, () => null));
  if (cached.success && cached.data.mediaId === media.id) {
    if ("expired" in cached.data) return { status: "expired" };
    return { status: "ready", file, mimeType: cached.data.mimeType, filename: cached.data.filename, size: cached.data.size };
  }

  if (!number.sealedToken) return { status: "unavailable", reason: sandboxReason };
  if (number.tokenInvalidAt) return { status: "unavailable", reason: tokenExpiredReason };
  const withToken = number as SendingNumber & { sealedToken: string };
  const opened = openToken(withToken);
  if (!opened.ok) return { status: "unavailable", reason: opened.error.reason };

  const fields = { tenantId: target.tenantId, messageId: target.messageId, numberId: number.numberId };
  const graph = deps.graph ?? graphClient();
  let downloaded: { bytes: Buffer; mimeType: string };
  try {
    const info = await graph.getMediaInfo(opened.token, media.id);
    const { bytes } = await graph.downloadMedia(opened.token, info.url);
    downloaded = { bytes, mimeType: info.mimeType };
  } catch (caught) {
    if (!(caught instanceof GraphError)) throw caught;
    await fs.mkdir(target.dir, { recursive: true });
    if (caught.notFound) {
      await writeAtomically(entryFile, JSON.stringify({ mediaId: media.id, expired: true }));
      log.info("media_expired", fields);
      return { status: "expired" };
    }
    log.warn("media_fetch_failed", { ...fields, kind: caught.kind, httpStatus: caught.httpStatus, code: caught.code });
    if (caught.code === metaCodes.accessTokenExpired) {
      await withTenant(target.tenantId, (tx) => flagInvalidToken(tx, withToken));
      return { status: "unavailable", reason: tokenExpiredReason };
    }
    return {
      status: "unavailable",
      reason:
        caught.kind === "api"
          ? describeMetaError(caught).reason
          : "WhatsApp could not be reached to download this media — try again in a moment.",
    };
  }

  const mimeType = downloaded.mimeType || media.mime_type || "application/octet-stream";
  const filename = safeFilename(media.filename, target.type, target.messageId, mimeType);
  await fs.mkdir(target.dir, { recursive: true });
  // Bytes first, then the entry that says they are complete.
  await writeAtomically(file, downloaded.bytes);
  await writeAtomically(entryFile, JSON.stringify({ mediaId: media.id, mimeType, filename, size: downloaded.bytes.length }));
  log.info("media_cached", { ...fields, size: downloaded.bytes.length });
  return { status: "ready", file, mimeType, filename, size: downloaded.bytes.length };
}
